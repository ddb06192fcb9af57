//! The catalogue of prediction models the emulator knows, with their input schemas.

use serde_json::{Value, json};

/// Content types every image input accepts.
pub const SUPPORTED_CONTENT_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/bmp",
    "image/tiff",
    "image/avif",
    "image/heic",
];

/// Largest image input in bytes (25 MiB).
pub const MAX_IMAGE_SIZE: u64 = 26_214_400;
/// Largest image width and height in pixels.
pub const MAX_IMAGE_SIDE: u32 = 10_000;

/// The kind of one input field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// An image: a URL or an uploaded file.
    Image,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// `true` / `false` (strings `"true"` / `"false"` in multipart bodies).
    Boolean,
}

/// One input field of a model.
#[derive(Debug, Clone, Copy)]
pub struct InputField {
    /// Field name (sent as `input.<name>`).
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// Whether the job fails without it.
    pub required: bool,
    /// Default value, for the schema.
    pub default: Option<&'static str>,
    /// Human description.
    pub description: &'static str,
}

/// A prediction model.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// `plugin_operation`, e.g. `erase_bg`.
    pub name: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Short description.
    pub description: &'static str,
    /// Input fields.
    pub fields: &'static [InputField],
    /// Credits one successful job costs.
    pub credits: u64,
    /// Output side length relative to the input (2 for a 2x upscale).
    pub scale: u32,
}

const fn image(description: &'static str) -> InputField {
    InputField {
        name: "image",
        kind: FieldKind::Image,
        required: true,
        default: None,
        description,
    }
}

/// Every model the emulator serves.
pub const MODELS: &[Model] = &[
    Model {
        name: "erase_bg",
        display_name: "Erase Background",
        description: "Removes image background.",
        fields: &[
            image("Image whose background is removed: a URL or an uploaded file"),
            InputField {
                name: "industry_type",
                kind: FieldKind::Enum(&["general", "ecommerce", "car", "human"]),
                required: false,
                default: Some("general"),
                description: "Kind of subject, which tunes the model",
            },
            InputField {
                name: "quality_type",
                kind: FieldKind::Enum(&["original", "high", "medium", "low"]),
                required: false,
                default: Some("original"),
                description: "Output quality",
            },
            InputField {
                name: "shadow",
                kind: FieldKind::Boolean,
                required: false,
                default: Some("false"),
                description: "Keep a natural shadow under the subject",
            },
            InputField {
                name: "refine",
                kind: FieldKind::Boolean,
                required: false,
                default: Some("true"),
                description: "Refine the subject's edges",
            },
        ],
        credits: 1,
        scale: 1,
    },
    Model {
        name: "sr_upscale",
        display_name: "Super Resolution",
        description: "Upscales an image to a higher resolution.",
        fields: &[
            image("Image to upscale: a URL or an uploaded file"),
            InputField {
                name: "type",
                kind: FieldKind::Enum(&["2x", "4x"]),
                required: false,
                default: Some("2x"),
                description: "Upscale factor",
            },
            InputField {
                name: "enhance_face",
                kind: FieldKind::Boolean,
                required: false,
                default: Some("false"),
                description: "Enhance faces while upscaling",
            },
        ],
        credits: 2,
        scale: 2,
    },
    Model {
        name: "wm_remove",
        display_name: "Watermark Remover",
        description: "Removes watermarks, text and logos from an image.",
        fields: &[
            image("Image to clean: a URL or an uploaded file"),
            InputField {
                name: "rem_text",
                kind: FieldKind::Boolean,
                required: false,
                default: Some("false"),
                description: "Remove text too",
            },
            InputField {
                name: "rem_logo",
                kind: FieldKind::Boolean,
                required: false,
                default: Some("false"),
                description: "Remove logos too",
            },
        ],
        credits: 1,
        scale: 1,
    },
];

/// The model called `name`.
pub fn find(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}

impl Model {
    /// The input field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static InputField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// `{name, displayName, description}`.
    pub fn summary(&self) -> Value {
        json!({
            "name": self.name,
            "displayName": self.display_name,
            "description": self.description,
        })
    }

    /// `{name, displayName, description, input}` with a JSON Schema for the input.
    pub fn schema(&self) -> Value {
        let mut properties = serde_json::Map::new();
        for field in self.fields {
            let mut prop = match field.kind {
                FieldKind::Image => json!({
                    "type": "string",
                    "oneOf": [
                        {"type": "string", "format": "uri", "description": "Public URL of the image"},
                        {"type": "string", "format": "binary", "description": "Uploaded image file"},
                    ],
                    "supportedContentTypes": SUPPORTED_CONTENT_TYPES,
                    "imageValidation": {
                        "maxWidth": MAX_IMAGE_SIDE,
                        "maxHeight": MAX_IMAGE_SIDE,
                        "maxSize": MAX_IMAGE_SIZE,
                    },
                }),
                FieldKind::Enum(values) => json!({"type": "string", "enum": values}),
                FieldKind::Boolean => json!({"type": "boolean"}),
            };
            prop["title"] = json!(field.name);
            prop["description"] = json!(field.description);
            if let Some(default) = field.default {
                prop["default"] = match field.kind {
                    FieldKind::Boolean => json!(default == "true"),
                    _ => json!(default),
                };
            }
            properties.insert(field.name.to_string(), prop);
        }
        let required: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        let mut summary = self.summary();
        summary["input"] = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        });
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erase_bg_schema_has_the_documented_fields() {
        let schema = find("erase_bg").unwrap().schema();
        let props = &schema["input"]["properties"];
        for key in ["image", "industry_type", "quality_type", "shadow", "refine"] {
            assert!(props.get(key).is_some(), "{key}");
        }
        assert_eq!(props["image"]["imageValidation"]["maxSize"], 26_214_400);
        assert!(
            props["image"]["supportedContentTypes"]
                .as_array()
                .unwrap()
                .contains(&json!("image/png"))
        );
        assert_eq!(schema["input"]["required"], json!(["image"]));
        assert_eq!(props["shadow"]["default"], json!(false));
    }

    #[test]
    fn every_model_name_is_plugin_operation() {
        for model in MODELS {
            let parts: Vec<&str> = model.name.split('_').collect();
            assert_eq!(parts.len(), 2, "{}", model.name);
        }
    }
}
