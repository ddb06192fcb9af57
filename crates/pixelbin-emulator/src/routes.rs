//! The route table: every path the emulator serves, its handler and its route name.
//!
//! Route names are what faults, counters and recorded requests use. They are listed in
//! [`ROUTE_NAMES`] and matched from (method, path pattern) in [`route_name`].

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post, put};

use crate::errors::ApiError;
use crate::state::AppState;
use crate::{admin, assets, cdn, faults, org, predictions, upload};

/// Body limit of JSON routes.
const JSON_LIMIT: usize = 2 * 1024 * 1024;
/// Body limit of prediction creation (images travel in the body).
const PREDICTION_LIMIT: usize = predictions::MAX_UPLOADED_INPUT as usize + 1024 * 1024;
/// Body limit of upload routes: parts and direct uploads stream to disk, so this only guards
/// against runaway clients.
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024 * 1024;

const PREDICTIONS_PLATFORM: &str = "/service/platform/transformation/v1.0/predictions";
const PREDICTIONS_PUBLIC: &str = "/service/public/transformation/v1.0/predictions";
const ASSETS: &str = "/service/platform/assets/v1.0";

/// Every route name, for documentation and the `--routes` flag's validation.
pub const ROUTE_NAMES: &[&str] = &[
    "predictions.create",
    "predictions.get",
    "predictions.list",
    "predictions.schema",
    "upload.signed_url_v2",
    "upload.signed_url_v1",
    "upload.part",
    "upload.complete",
    "upload.signed_form",
    "upload.direct",
    "upload.url",
    "files.list",
    "files.get",
    "files.get_by_file_id",
    "files.update",
    "files.delete",
    "files.delete_many",
    "folders.create",
    "folders.details",
    "folders.update",
    "folders.delete",
    "folders.ancestors",
    "credentials.add",
    "credentials.update",
    "credentials.delete",
    "presets.add",
    "presets.list",
    "presets.get",
    "presets.update",
    "presets.delete",
    "playground.default",
    "playground.modules",
    "playground.module",
    "org.app_info",
    "transformation.context",
    "cdn",
    "unmatched",
];

/// The route name of a request, from its method and matched path pattern.
pub fn route_name(method: &Method, pattern: Option<&str>) -> &'static str {
    let Some(pattern) = pattern else {
        return "unmatched";
    };
    let m = method.as_str();
    // Assets routes share one prefix; match on the rest.
    if let Some(rest) = pattern.strip_prefix(ASSETS) {
        return match (m, rest) {
            ("POST", "/upload/signed-url") => "upload.signed_url_v1",
            ("POST", "/upload/direct") => "upload.direct",
            ("POST", "/upload/url") => "upload.url",
            ("GET", "/listFiles") => "files.list",
            ("GET", "/files/id/{id}") => "files.get",
            ("GET", "/files/{*file_id}") => "files.get_by_file_id",
            ("PATCH", "/files/{*file_id}") => "files.update",
            ("DELETE", "/files/{*file_id}") => "files.delete",
            ("POST", "/files/delete") => "files.delete_many",
            ("POST", "/folders") => "folders.create",
            ("GET", "/folders") => "folders.details",
            ("PATCH", "/folders/{id}" | "/folders/{id}/{*rest}") => "folders.update",
            ("DELETE", "/folders/{id}") => "folders.delete",
            ("GET", "/folders/{id}/ancestors") => "folders.ancestors",
            ("POST", "/credentials") => "credentials.add",
            ("PATCH", "/credentials/{plugin_id}") => "credentials.update",
            ("DELETE", "/credentials/{plugin_id}") => "credentials.delete",
            ("POST", "/presets") => "presets.add",
            ("GET", "/presets") => "presets.list",
            ("GET", "/presets/{name}") => "presets.get",
            ("PATCH", "/presets/{name}") => "presets.update",
            ("DELETE", "/presets/{name}") => "presets.delete",
            ("GET", "/playground/default") => "playground.default",
            ("GET", "/playground/plugins") => "playground.modules",
            ("GET", "/playground/plugins/{identifier}") => "playground.module",
            _ => "unmatched",
        };
    }
    match (m, pattern) {
        ("POST", p) if p == format!("{PREDICTIONS_PLATFORM}/{{plugin}}/{{operation}}") => {
            "predictions.create"
        }
        ("GET", p) if p == format!("{PREDICTIONS_PLATFORM}/{{id}}") => "predictions.get",
        ("GET", p) if p == PREDICTIONS_PUBLIC => "predictions.list",
        ("GET", p) if p == format!("{PREDICTIONS_PUBLIC}/schema/{{name}}") => "predictions.schema",
        ("POST", "/service/platform/assets/v2.0/upload/signed-url") => "upload.signed_url_v2",
        ("PUT", upload::SIGNED_MULTIPART_PATH) => "upload.part",
        ("POST", upload::SIGNED_MULTIPART_PATH) => "upload.complete",
        ("POST", upload::SIGNED_UPLOAD_PATH) => "upload.signed_form",
        ("GET", "/service/platform/organization/v1.0/apps/info") => "org.app_info",
        ("GET", "/service/platform/transformation/context") => "transformation.context",
        ("GET" | "HEAD", "/v2/{*path}" | "/predictions/{*path}") => "cdn",
        _ => "unmatched",
    }
}

/// Builds the router over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(PREDICTIONS_PUBLIC, get(predictions::list))
        .route(
            &format!("{PREDICTIONS_PUBLIC}/schema/{{name}}"),
            get(predictions::schema),
        )
        .route(
            &format!("{PREDICTIONS_PLATFORM}/{{id}}"),
            get(predictions::get),
        )
        .route(
            &format!("{PREDICTIONS_PLATFORM}/{{plugin}}/{{operation}}"),
            post(predictions::create).layer(DefaultBodyLimit::max(PREDICTION_LIMIT)),
        )
        .route(
            "/service/platform/assets/v2.0/upload/signed-url",
            post(upload::signed_url_v2),
        )
        .route(
            &format!("{ASSETS}/upload/signed-url"),
            post(upload::signed_url_v1),
        )
        .route(
            upload::SIGNED_MULTIPART_PATH,
            put(upload::part)
                .post(upload::complete)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            upload::SIGNED_UPLOAD_PATH,
            post(upload::signed_form_upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            &format!("{ASSETS}/upload/direct"),
            post(upload::direct).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(&format!("{ASSETS}/upload/url"), post(upload::url_upload))
        .route(&format!("{ASSETS}/listFiles"), get(assets::list_files))
        .route(
            &format!("{ASSETS}/files/id/{{id}}"),
            get(assets::get_file_by_id),
        )
        .route(
            &format!("{ASSETS}/files/delete"),
            post(assets::delete_files),
        )
        .route(
            &format!("{ASSETS}/files/{{*file_id}}"),
            get(assets::get_file)
                .patch(assets::update_file)
                .delete(assets::delete_file),
        )
        .route(
            &format!("{ASSETS}/folders"),
            post(assets::create_folder).get(assets::folder_details),
        )
        .route(
            &format!("{ASSETS}/folders/{{id}}"),
            axum::routing::patch(assets::update_folder).delete(assets::delete_folder),
        )
        .route(
            &format!("{ASSETS}/folders/{{id}}/ancestors"),
            get(assets::folder_ancestors),
        )
        // The reference documents `folderId` as `path/to/folder/name`, slashes and all.
        .route(
            &format!("{ASSETS}/folders/{{id}}/{{*rest}}"),
            axum::routing::patch(assets::update_folder_by_path),
        )
        .route(
            &format!("{ASSETS}/credentials"),
            post(assets::add_credentials),
        )
        .route(
            &format!("{ASSETS}/credentials/{{plugin_id}}"),
            axum::routing::patch(assets::update_credentials).delete(assets::delete_credentials),
        )
        .route(
            &format!("{ASSETS}/presets"),
            post(assets::add_preset).get(assets::list_presets),
        )
        .route(
            &format!("{ASSETS}/presets/{{name}}"),
            get(assets::get_preset)
                .patch(assets::update_preset)
                .delete(assets::delete_preset),
        )
        .route(
            &format!("{ASSETS}/playground/default"),
            get(assets::playground_default),
        )
        .route(
            &format!("{ASSETS}/playground/plugins"),
            get(assets::playground_modules),
        )
        .route(
            &format!("{ASSETS}/playground/plugins/{{identifier}}"),
            get(assets::playground_module),
        )
        .route(
            "/service/platform/organization/v1.0/apps/info",
            get(org::app_info),
        )
        .route(
            "/service/platform/transformation/context",
            get(org::transformation_context),
        )
        .route("/v2/{*path}", get(cdn::serve))
        .route("/predictions/{*path}", get(cdn::serve))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::observe,
        ))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .with_state(state.clone())
        // Merged after the layers: admin calls are not counted, limited nor faulted.
        .merge(admin::router(state))
}

/// Answer for known paths called with the wrong method.
async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowedError",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Answer for paths the emulator does not serve.
async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "{method} {} is not a Pixelbin API route this emulator serves",
        uri.path()
    ))
}
