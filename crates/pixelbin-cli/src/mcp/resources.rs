//! Resources (the transformation catalogue, the models and their input schemas) and prompts.

use rmcp::ErrorData;
use rmcp::model::{
    GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, ReadResourceResult,
    Resource, ResourceContents, ResourceTemplate, Role,
};

use super::server::PixelbinMcp;

const CATALOGUE: &str = "pixelbin://transformations";
const MODELS: &str = "pixelbin://models";
const SCHEMA_PREFIX: &str = "pixelbin://models/";
const SCHEMA_SUFFIX: &str = "/schema";
const JSON: &str = "application/json";

/// The fixed resources.
pub fn list() -> Vec<Resource> {
    vec![
        Resource::new(CATALOGUE, "transformations")
            .with_title("Transformation catalogue")
            .with_description(
                "Every plugin, operation and parameter of Pixelbin transformation URLs: the \
                 operation names build_transformation_url takes, each parameter's URL id, \
                 type, allowed values and default.",
            )
            .with_mime_type(JSON),
        Resource::new(MODELS, "models")
            .with_title("AI models")
            .with_description(
                "The models run_prediction can run (name, display name, description).",
            )
            .with_mime_type(JSON),
    ]
}

/// The resource templates: one model's input schema.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(
            format!("{SCHEMA_PREFIX}{{name}}{SCHEMA_SUFFIX}"),
            "model-schema",
        )
        .with_title("A model's input schema")
        .with_description(
            "The JSON Schema of a model's inputs (fields, types, allowed values, \
                 required ones), e.g. pixelbin://models/erase_bg/schema.",
        )
        .with_mime_type(JSON),
    ]
}

/// The resource at `uri`.
pub async fn read(server: &PixelbinMcp, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let value = if uri == CATALOGUE {
        serde_json::to_value(crate::transformations::list_json())
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?
    } else if uri == MODELS {
        let client = server.client().map_err(api_error)?;
        serde_json::to_value(client.predictions().list().await.map_err(api_error)?)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?
    } else if let Some(name) = uri
        .strip_prefix(SCHEMA_PREFIX)
        .and_then(|rest| rest.strip_suffix(SCHEMA_SUFFIX))
    {
        let client = server.client().map_err(api_error)?;
        serde_json::to_value(
            client
                .predictions()
                .get_schema(name)
                .await
                .map_err(api_error)?,
        )
        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?
    } else {
        return Err(ErrorData::resource_not_found(
            format!(
                "no resource '{uri}'; there are {CATALOGUE}, {MODELS} and \
                 {SCHEMA_PREFIX}{{name}}{SCHEMA_SUFFIX}"
            ),
            None,
        ));
    };
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type(JSON),
    ]))
}

fn api_error(error: impl Into<anyhow::Error>) -> ErrorData {
    ErrorData::internal_error(crate::error::describe(&error.into()).0, None)
}

/// The prompts.
pub fn prompts() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "remove_background",
            Some(
                "Remove the background of an image with the erase_bg model, and save or link the result.",
            ),
            Some(vec![
                PromptArgument::new("image")
                    .with_description(
                        "An image URL, or a local path inside the server's root folder",
                    )
                    .with_required(true),
            ]),
        ),
        Prompt::new(
            "design_transformation",
            Some("Turn a description of the image wanted into a Pixelbin transformation URL."),
            Some(vec![
                PromptArgument::new("file")
                    .with_description("The image: a Pixelbin URL or a storage path")
                    .with_required(true),
                PromptArgument::new("goal")
                    .with_description(
                        "What the result should look like, e.g. 'a 400px wide webp thumbnail'",
                    )
                    .with_required(true),
            ]),
        ),
    ]
}

/// The prompt `name` with its arguments filled in.
pub fn prompt(name: &str, arguments: JsonObject) -> Result<GetPromptResult, ErrorData> {
    let arg = |key: &str| -> Result<String, ErrorData> {
        match arguments.get(key) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(ErrorData::invalid_params(
                format!("the prompt {name} needs the argument `{key}`"),
                None,
            )),
        }
    };
    let text = match name {
        "remove_background" => format!(
            "Remove the background of {image} with Pixelbin. Read the resource \
             pixelbin://models/erase_bg/schema for the model's inputs. If it is a URL, call \
             run_prediction with model erase_bg and inputs {{\"image\": URL}}; if it is a \
             local path, pass it in `files` instead. It spends credits: say so before running \
             it. When it finishes, give the output URL; if it is still running, follow it \
             with get_prediction rather than running it again.",
            image = arg("image")?
        ),
        "design_transformation" => format!(
            "Build a Pixelbin transformation URL for {file} so that: {goal}. Read the \
             resource pixelbin://transformations to choose operations and parameters by \
             their long names, call build_transformation_url, then explain_url on the \
             result to check each step, and answer with the URL and what each operation does.",
            file = arg("file")?,
            goal = arg("goal")?
        ),
        _ => {
            return Err(ErrorData::invalid_params(
                format!(
                    "no prompt '{name}'; there are remove_background and design_transformation"
                ),
                None,
            ));
        }
    };
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(
        Role::User,
        text,
    )]))
}
