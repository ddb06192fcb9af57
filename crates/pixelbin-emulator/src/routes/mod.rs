//! The route table: every path the emulator serves, with its method, handler, body limit and
//! route name, in one list ([`table`]).
//!
//! Route names are what faults, counters and recorded requests use. The router, the names the
//! `--routes` flag accepts ([`route_names`]) and the naming of each request ([`RouteNames`]) are
//! all derived from that one list, so a route cannot be served under a name that faults do not
//! match.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::network::faults;
use crate::state::AppState;
use crate::wire::errors::ApiError;

pub mod admin;
pub mod assets;
pub mod billing;
pub mod cdn;
pub mod org;
pub mod predictions;
pub mod upload;

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
const PAYMENT: &str = "/service/platform/payment/v1.0";

/// Name of requests no route matched (unknown paths, or a known path with the wrong method).
pub const UNMATCHED: &str = "unmatched";

/// One served route: a method on a path pattern, its handler and its name.
pub struct Route {
    /// Name used by faults, counters and recordings, e.g. `upload.part`.
    pub name: &'static str,
    /// HTTP method (`GET` routes answer `HEAD` too).
    pub method: Method,
    /// axum path pattern, e.g. `/v2/{*path}`.
    pub path: String,
    /// Largest request body accepted.
    body_limit: usize,
    /// The handler, bound to `method`.
    handler: MethodRouter<AppState>,
}

impl Route {
    /// A route with the default (JSON) body limit.
    fn new<H, T>(name: &'static str, method: Method, path: impl Into<String>, handler: H) -> Route
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        // Every method in the table is a standard one, which MethodFilter always knows.
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        Route {
            name,
            method,
            path: path.into(),
            body_limit: JSON_LIMIT,
            handler: on(filter, handler),
        }
    }

    /// Accepts bodies up to `limit` bytes.
    fn body_limit(mut self, limit: usize) -> Route {
        self.body_limit = limit;
        self
    }
}

/// Every route the emulator serves.
pub fn table() -> Vec<Route> {
    use Method as M;
    let assets = |rest: &str| format!("{ASSETS}{rest}");
    vec![
        // Predictions
        Route::new(
            "predictions.create",
            M::POST,
            format!("{PREDICTIONS_PLATFORM}/{{plugin}}/{{operation}}"),
            predictions::create,
        )
        .body_limit(PREDICTION_LIMIT),
        Route::new(
            "predictions.get",
            M::GET,
            format!("{PREDICTIONS_PLATFORM}/{{id}}"),
            predictions::get,
        ),
        Route::new(
            "predictions.list",
            M::GET,
            PREDICTIONS_PUBLIC,
            predictions::list,
        ),
        Route::new(
            "predictions.schema",
            M::GET,
            format!("{PREDICTIONS_PUBLIC}/schema/{{name}}"),
            predictions::schema,
        ),
        // Uploads
        Route::new(
            "upload.signed_url_v2",
            M::POST,
            "/service/platform/assets/v2.0/upload/signed-url",
            upload::signed_url_v2,
        ),
        Route::new(
            "upload.signed_url_v1",
            M::POST,
            assets("/upload/signed-url"),
            upload::signed_url_v1,
        ),
        Route::new(
            "upload.part",
            M::PUT,
            upload::SIGNED_MULTIPART_PATH,
            upload::part,
        )
        .body_limit(UPLOAD_LIMIT),
        Route::new(
            "upload.complete",
            M::POST,
            upload::SIGNED_MULTIPART_PATH,
            upload::complete,
        )
        .body_limit(UPLOAD_LIMIT),
        Route::new(
            "upload.signed_form",
            M::POST,
            upload::SIGNED_UPLOAD_PATH,
            upload::signed_form_upload,
        )
        .body_limit(UPLOAD_LIMIT),
        Route::new(
            "upload.direct",
            M::POST,
            assets("/upload/direct"),
            upload::direct,
        )
        .body_limit(UPLOAD_LIMIT),
        Route::new(
            "upload.url",
            M::POST,
            assets("/upload/url"),
            upload::url_upload,
        ),
        // Files
        Route::new(
            "files.list",
            M::GET,
            assets("/listFiles"),
            assets::list_files,
        ),
        Route::new(
            "files.get",
            M::GET,
            assets("/files/id/{id}"),
            assets::get_file_by_id,
        ),
        Route::new(
            "files.get_by_file_id",
            M::GET,
            assets("/files/{*file_id}"),
            assets::get_file,
        ),
        Route::new(
            "files.update",
            M::PATCH,
            assets("/files/{*file_id}"),
            assets::update_file,
        ),
        Route::new(
            "files.delete",
            M::DELETE,
            assets("/files/{*file_id}"),
            assets::delete_file,
        ),
        Route::new(
            "files.delete_many",
            M::POST,
            assets("/files/delete"),
            assets::delete_files,
        ),
        // Folders
        Route::new(
            "folders.create",
            M::POST,
            assets("/folders"),
            assets::create_folder,
        ),
        Route::new(
            "folders.details",
            M::GET,
            assets("/folders"),
            assets::folder_details,
        ),
        Route::new(
            "folders.update",
            M::PATCH,
            assets("/folders/{id}"),
            assets::update_folder,
        ),
        // The reference documents `folderId` as `path/to/folder/name`, slashes and all.
        Route::new(
            "folders.update",
            M::PATCH,
            assets("/folders/{id}/{*rest}"),
            assets::update_folder_by_path,
        ),
        Route::new(
            "folders.delete",
            M::DELETE,
            assets("/folders/{id}"),
            assets::delete_folder,
        ),
        Route::new(
            "folders.ancestors",
            M::GET,
            assets("/folders/{id}/ancestors"),
            assets::folder_ancestors,
        ),
        // Credentials
        Route::new(
            "credentials.add",
            M::POST,
            assets("/credentials"),
            assets::add_credentials,
        ),
        Route::new(
            "credentials.update",
            M::PATCH,
            assets("/credentials/{plugin_id}"),
            assets::update_credentials,
        ),
        Route::new(
            "credentials.delete",
            M::DELETE,
            assets("/credentials/{plugin_id}"),
            assets::delete_credentials,
        ),
        // Presets
        Route::new(
            "presets.add",
            M::POST,
            assets("/presets"),
            assets::add_preset,
        ),
        Route::new(
            "presets.list",
            M::GET,
            assets("/presets"),
            assets::list_presets,
        ),
        Route::new(
            "presets.get",
            M::GET,
            assets("/presets/{name}"),
            assets::get_preset,
        ),
        Route::new(
            "presets.update",
            M::PATCH,
            assets("/presets/{name}"),
            assets::update_preset,
        ),
        Route::new(
            "presets.delete",
            M::DELETE,
            assets("/presets/{name}"),
            assets::delete_preset,
        ),
        // Playground
        Route::new(
            "playground.default",
            M::GET,
            assets("/playground/default"),
            assets::playground_default,
        ),
        Route::new(
            "playground.modules",
            M::GET,
            assets("/playground/plugins"),
            assets::playground_modules,
        ),
        Route::new(
            "playground.module",
            M::GET,
            assets("/playground/plugins/{identifier}"),
            assets::playground_module,
        ),
        // Organization
        Route::new(
            "org.app_info",
            M::GET,
            "/service/platform/organization/v1.0/apps/info",
            org::app_info,
        ),
        Route::new(
            "transformation.context",
            M::GET,
            "/service/platform/transformation/context",
            org::transformation_context,
        ),
        // Billing
        Route::new(
            "billing.usage",
            M::GET,
            format!("{PAYMENT}/usage"),
            billing::usage_v2,
        ),
        Route::new(
            "billing.usage_subscription",
            M::GET,
            format!("{PAYMENT}/usage/subscription"),
            billing::usage_subscription,
        ),
        // CDN
        Route::new("cdn", M::GET, "/v2/{*path}", cdn::serve),
        Route::new("cdn", M::GET, "/predictions/{*path}", cdn::serve),
    ]
}

/// Every route name, each once, in table order, then `unmatched` (requests no route matched).
pub fn route_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for route in table() {
        if !names.contains(&route.name) {
            names.push(route.name);
        }
    }
    names.push(UNMATCHED);
    names
}

/// Names requests from their method and matched path pattern, by the table.
#[derive(Debug, Clone, Default)]
pub struct RouteNames {
    routes: Vec<(Method, String, &'static str)>,
}

impl RouteNames {
    /// The names of `routes`.
    fn of(routes: &[Route]) -> RouteNames {
        RouteNames {
            routes: routes
                .iter()
                .map(|r| (r.method.clone(), r.path.clone(), r.name))
                .collect(),
        }
    }

    /// The route name of a request: [`UNMATCHED`] when no route has this method and pattern.
    pub fn name(&self, method: &Method, pattern: Option<&str>) -> &'static str {
        let Some(pattern) = pattern else {
            return UNMATCHED;
        };
        // axum answers HEAD with the GET handler.
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.routes
            .iter()
            .find(|(m, path, _)| m == method && path == pattern)
            .map_or(UNMATCHED, |(_, _, name)| name)
    }
}

/// Builds the router over `state`.
pub fn router(state: AppState) -> Router {
    let routes = table();
    let names = RouteNames::of(&routes);
    let mut router = Router::new();
    for route in routes {
        router = router.route(
            &route.path,
            route.handler.layer(DefaultBodyLimit::max(route.body_limit)),
        );
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), names),
            faults::observe,
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_named_by_its_own_method_and_path() {
        let routes = table();
        let names = RouteNames::of(&routes);
        for route in &routes {
            assert_eq!(
                names.name(&route.method, Some(&route.path)),
                route.name,
                "{} {}",
                route.method,
                route.path
            );
        }
        assert_eq!(names.name(&Method::HEAD, Some("/v2/{*path}")), "cdn");
        assert_eq!(names.name(&Method::PUT, Some("/v2/{*path}")), UNMATCHED);
        assert_eq!(names.name(&Method::GET, None), UNMATCHED);
    }

    #[test]
    fn method_and_path_pairs_are_unique() {
        let routes = table();
        for (i, a) in routes.iter().enumerate() {
            for b in &routes[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} is in the table twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn names_are_listed_once() {
        let names = route_names();
        for name in ["predictions.create", "upload.part", "cdn", "folders.update"] {
            assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name}");
        }
        assert_eq!(names.last(), Some(&UNMATCHED));
    }

    #[test]
    fn the_readme_documents_every_route_name() {
        let readme = include_str!("../../README.md");
        for name in route_names() {
            assert!(
                readme.contains(&format!("`{name}`")),
                "README.md does not document the route `{name}`"
            );
        }
    }
}
