//! Organisation and transformation routes: `ORGANIZATION.md`'s app info and the
//! transformation context of a CDN URL (each step with its `data`: a detector's stand-in
//! result, see [`detect`], else `{}`).

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use crate::routes::assets::QueryParams;
use crate::routes::cdn;
use crate::state::{AppState, CLOUD_NAME, ORG_ID};
use crate::store::FileRecord;
use crate::transform::detect;
use crate::wire::auth::Authed;
use crate::wire::errors::{ApiError, ApiResult};

/// When the emulated organisation and app were "created".
const CREATED_AT: &str = "2024-01-01T00:00:00.000Z";

/// `GET /service/platform/organization/v1.0/apps/info`
pub async fn app_info(_auth: Authed) -> Json<Value> {
    Json(json!({
        "app": {
            "_id": 1,
            "orgId": ORG_ID,
            "name": "pixelbin-emulator app",
            "permissions": ["read", "read_write"],
            "active": true,
            "createdAt": CREATED_AT,
            "updatedAt": CREATED_AT,
        },
        "org": {
            "_id": ORG_ID,
            "name": "pixelbin-emulator",
            "cloudName": CLOUD_NAME,
            "ownerId": "emulator-owner",
            "accountType": "individual",
            "industry": "Ecommerce",
            "strength": "1",
            "active": true,
            "createdAt": CREATED_AT,
            "updatedAt": CREATED_AT,
        },
    }))
}

/// `GET /service/platform/transformation/context?url=...`
pub async fn transformation_context(
    State(state): State<AppState>,
    _auth: Authed,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(raw.as_deref());
    let url = query.get("url").ok_or_else(|| {
        ApiError::validation("url is required: a CDN URL such as https://cdn.pixelbin.io/v2/<cloud>/t.resize(w:100)/<file>")
    })?;
    let parsed = url::Url::parse(url)
        .map_err(|e| ApiError::validation(format!("url is not a valid URL ({e}): '{url}'")))?;
    let (mut steps, file) = {
        let store = state.store();
        let (pattern, file) = cdn::split_cdn_path(&store, parsed.path()).ok_or_else(|| {
            ApiError::not_found(format!("No stored file matches the URL '{url}'"))
        })?;
        let mut steps = Vec::new();
        for segment in pattern.iter().filter(|segment| *segment != "original") {
            steps.extend(context_steps(segment)?);
        }
        (steps, file.clone())
    };
    let operation = |step: &Value| {
        (
            step["plugin"].as_str().unwrap_or("").to_string(),
            step["operation"].as_str().unwrap_or("").to_string(),
        )
    };
    let detector = steps
        .iter()
        .map(operation)
        .find(|(p, o)| detect::is_detector(p, o));
    let facts = match detector {
        Some((plugin, name)) => Some(facts_of(&file, &format!("{plugin}.{name}")).await?),
        None => None,
    };
    for step in &mut steps {
        let (plugin, name) = operation(step);
        step["data"] = facts
            .as_ref()
            .and_then(|facts| detect::data(&plugin, &name, facts))
            .unwrap_or_else(|| json!({}));
    }
    let query_object: serde_json::Map<String, Value> = parsed
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "pbs" | "pbe" | "pbt"))
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect();
    let mut context = file.context();
    context["steps"] = Value::Array(steps);
    context["req"] = json!({"headers": {}, "query": query_object});
    Ok(Json(json!({ "context": context })))
}

/// What the detector stand-ins read from a stored file (see [`detect`]).
async fn facts_of(file: &FileRecord, operation: &str) -> ApiResult<detect::ImageFacts> {
    let unreadable = |reason: String| {
        ApiError::bad_request(format!(
            "{operation} needs an image: {} cannot be read as one ({reason})",
            file.file_id()
        ))
    };
    if file.size > cdn::MAX_RENDER_INPUT {
        return Err(unreadable(format!("{} bytes is over the limit", file.size)));
    }
    let bytes = cdn::read_prefix(&file.blob, cdn::MAX_RENDER_INPUT)
        .await
        .map_err(|e| unreadable(e.to_string()))?;
    tokio::task::spawn_blocking(move || detect::facts_of(&bytes))
        .await
        .map_err(|e| ApiError::internal(format!("reading the image stopped: {e}")))?
        .map_err(|e| unreadable(e.to_string()))
}

/// A pattern's steps as the context shows them, `{identifier, plugin, operation, params}`,
/// read with `pixelbin-url`'s parser (the SDK's one grammar) and checked as the CDN route
/// checks them, so a pattern the CDN refuses has no context either.
fn context_steps(pattern: &str) -> ApiResult<Vec<Value>> {
    let steps = pixelbin_url::parse_pattern(pattern)
        .map_err(|e| ApiError::validation(format!("Invalid transformation: {e}")))?;
    let checked: Vec<_> = steps
        .iter()
        .filter(|step| !step.is_preset())
        .map(|step| step.clone().into_owned())
        .collect();
    crate::transform::check_chain(&checked, &pixelbin_render::RenderOptions::default())
        .map_err(|e| ApiError::validation(e.to_string()))?;
    Ok(steps
        .iter()
        .map(|step| {
            let params: serde_json::Map<String, Value> = step
                .values
                .iter()
                .map(|param| (param.key.to_string(), json!(param.value)))
                .collect();
            json!({
                "identifier": format!("{}.{}", step.plugin, step.name),
                "plugin": step.plugin,
                "operation": step.name,
                "params": params,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let steps = context_steps("t.resize(h:100,w:200)~t.flip()").unwrap();
        assert_eq!(steps[0]["plugin"], "t");
        assert_eq!(steps[0]["operation"], "resize");
        assert_eq!(steps[0]["params"]["w"], "200");
        assert_eq!(steps[1]["params"], json!({}));
        assert!(context_steps("resize").is_err());
        assert!(context_steps("t.resize").is_err());
        assert!(context_steps("t.resize(w:-5)").is_err());
        assert!(context_steps("t.nope()").is_err());
    }
}
