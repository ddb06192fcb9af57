//! [`Parameters`]: a tool's arguments, read so that a bad value is named by its path.
//!
//! rmcp's own extractor reports serde's message alone ("invalid type: string, expected u32"),
//! which does not say which argument was wrong; this one says `page_size: invalid type: ...`.
//! The `#[tool]` macro finds the input schema through any argument type named `Parameters`.

use std::borrow::Cow;

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// The arguments of a tool call, deserialized into `P` (whose JSON Schema is the tool's).
pub struct Parameters<P>(pub P);

impl<P: JsonSchema> JsonSchema for Parameters<P> {
    fn schema_name() -> Cow<'static, str> {
        P::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        P::json_schema(generator)
    }
}

impl<S, P: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<P> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, rmcp::ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        parse(serde_json::Value::Object(arguments)).map(Parameters)
    }
}

/// `value` as `P`; the error (invalid params, which [`super::server`] hands back as a tool
/// error) names the argument at fault.
pub fn parse<P: DeserializeOwned>(value: serde_json::Value) -> Result<P, rmcp::ErrorData> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = if path == "." {
            format!("invalid arguments: {}", e.inner())
        } else {
            format!("invalid argument `{path}`: {}", e.inner())
        };
        rmcp::ErrorData::invalid_params(
            format!("{message}; the tool's input schema lists what it accepts"),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Args {
        page_size: u32,
        list: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
    }

    #[test]
    fn errors_name_the_argument() {
        let err = parse::<Args>(serde_json::json!({"page_size": "ten", "list": []})).unwrap_err();
        assert!(
            err.message
                .starts_with("invalid argument `page_size`: invalid type"),
            "{}",
            err.message
        );
        let err =
            parse::<Args>(serde_json::json!({"page_size": 1, "list": [{"name": 3}]})).unwrap_err();
        assert!(err.message.contains("`list[0].name`"), "{}", err.message);
        let err = parse::<Args>(serde_json::json!({"list": []})).unwrap_err();
        assert!(
            err.message.contains("missing field `page_size`"),
            "{}",
            err.message
        );
    }
}
