//! URL tools, offline except for looking up the account's cloud name: `build_transformation_url`,
//! `explain_url`, `sign_url`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use pixelbin::url::catalogue::{self, Description};
use pixelbin::url::{Transformation, UrlObj, UrlToObjOptions};
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::params::Parameters;
use super::server::{PixelbinMcp, ToolResult, reply};

/// `build_transformation_url` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildUrlArgs {
    /// The image: a Pixelbin CDN URL (its transformations are replaced by `operations`), or
    /// the file's path in Pixelbin storage such as `products/shoe.jpeg`.
    pub file: String,
    /// The operations, applied in this order; empty gives the original file.
    pub operations: Vec<OperationArgs>,
    /// Cloud name, for a storage path; default: the account's own (asked from the API).
    #[serde(default)]
    pub cloud_name: Option<String>,
    /// Zone slug (six characters), for a storage path.
    #[serde(default)]
    pub zone: Option<String>,
}

/// One operation, by the catalogue's names.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationArgs {
    /// `Plugin.operation`, e.g. `Basic.resize`, `EraseBG.bg`, `SuperResolution.upscale`
    /// (the resource pixelbin://transformations lists every one with its parameters).
    pub operation: String,
    /// Parameters by long name, e.g. {"height": 200, "fit": "contain"}; left out ones take
    /// their defaults.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
}

/// A parameter value: text, a number or a boolean.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// Text: enum values, colours (RRGGBB), file paths...
    Text(String),
}

impl ParamValue {
    fn text(&self) -> String {
        match self {
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Text(s) => s.clone(),
        }
    }
}

/// `explain_url` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainArgs {
    /// A Pixelbin URL, e.g. `https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:200)/photo.jpeg`.
    pub url: String,
    /// The URL is on a custom domain (no cloud name in its path).
    #[serde(default)]
    pub custom_domain: bool,
}

/// `sign_url` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignArgs {
    /// The CDN URL to sign (of a private file, or any URL the account's CDN checks).
    pub url: String,
    /// How long the signed URL stays valid, in seconds (1 to 31536000, a year).
    #[schemars(range(min = 1, max = 31_536_000))]
    pub expiry_seconds: u64,
}

/// What `build_transformation_url` returns.
#[derive(Debug, Serialize)]
struct BuiltUrl {
    url: String,
    pattern: String,
}

#[tool_router(router = url_tools, vis = "pub(super)")]
impl PixelbinMcp {
    /// Build a Pixelbin transformation URL from operations named as in the catalogue
    /// (`Basic.resize` with {"width": 300}), each parameter checked against its type and
    /// allowed values. Returns the URL and its pattern (`t.resize(w:300)~...`). Read-only.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn build_transformation_url(
        &self,
        Parameters(args): Parameters<BuildUrlArgs>,
    ) -> ToolResult {
        reply(self.build_url(args).await)
    }

    /// Explain a Pixelbin URL: its cloud, file and each transformation by the catalogue's
    /// long names (operation, parameter names and types), flagging unknown operations and
    /// invalid values. Offline, read-only.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn explain_url(&self, Parameters(args): Parameters<ExplainArgs>) -> ToolResult {
        reply(explain(&args))
    }

    /// Sign a CDN URL so it is valid for `expiry_seconds` (adds pbs, pbe and pbt), with the
    /// URL signing key the server was started with. Offline, read-only.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn sign_url(&self, Parameters(args): Parameters<SignArgs>) -> ToolResult {
        reply(self.sign(&args))
    }
}

impl PixelbinMcp {
    async fn build_url(&self, args: BuildUrlArgs) -> anyhow::Result<BuiltUrl> {
        let transformations = build_operations(&args.operations)?;
        let pattern = pixelbin::url::format_pattern(&transformations)?;
        let url = if args.file.starts_with("http://") || args.file.starts_with("https://") {
            let mut obj = pixelbin::url::url_to_obj(&args.file, UrlToObjOptions::default())
                .context("`file` is not a Pixelbin URL")?;
            obj.transformations = transformations;
            pixelbin::url::obj_to_url(&obj)?
        } else {
            let cloud = match args.cloud_name {
                Some(cloud) => cloud,
                None => self.cloud_name().await?,
            };
            let mut obj = UrlObj::new(cloud, args.file.trim_start_matches('/'));
            if let Some(zone) = args.zone {
                obj = obj.zone(zone);
            }
            obj.transformations = transformations;
            obj.to_url()?
        };
        Ok(BuiltUrl { url, pattern })
    }

    /// The account's cloud name, from the API.
    async fn cloud_name(&self) -> anyhow::Result<String> {
        let details = self.client()?.organization().get_app_org_details().await?;
        details
            .org
            .and_then(|org| org.cloud_name)
            .context("the API did not say the account's cloud name; pass `cloud_name`")
    }

    fn sign(&self, args: &SignArgs) -> anyhow::Result<serde_json::Value> {
        let key = self.settings.signing.as_ref().context(
            "this server has no URL signing key; ask the user to restart `pixelbin mcp` \
             with --url-signing-key and PIXELBIN_URL_SIGNING_TOKEN (a token of the \
             Pixelbin console's URL signing settings)",
        )?;
        anyhow::ensure!(
            (1..=31_536_000).contains(&args.expiry_seconds),
            "invalid argument `expiry_seconds`: {} is not between 1 and 31536000 (a year)",
            args.expiry_seconds
        );
        let signed =
            pixelbin::url::sign_url(&args.url, args.expiry_seconds, &key.access_key, &key.token)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Ok(serde_json::json!({ "url": signed, "expiresAt": now + args.expiry_seconds }))
    }
}

/// The transformations `operations` name, each checked against the catalogue; the error names
/// the operation's place, the parameter and what it accepts.
pub fn build_operations(
    operations: &[OperationArgs],
) -> anyhow::Result<Vec<Transformation<'static>>> {
    operations
        .iter()
        .enumerate()
        .map(|(index, op)| {
            let params = op
                .params
                .iter()
                .map(|(name, value)| (name.as_str(), value.text()));
            catalogue::build_operation(&op.operation, params)
                .map_err(|e| anyhow::anyhow!("operations[{index}]: {e}"))
        })
        .collect()
}

fn explain(args: &ExplainArgs) -> anyhow::Result<serde_json::Value> {
    let obj = pixelbin::url::url_to_obj(
        &args.url,
        UrlToObjOptions {
            is_custom_domain: args.custom_domain,
        },
    )?;
    let descriptions: Vec<Description<'_>> = obj
        .transformations
        .iter()
        .map(Transformation::describe)
        .collect();
    Ok(serde_json::json!({
        "cloudName": obj.cloud_name,
        "zone": obj.zone,
        "filePath": obj.file_path,
        "pattern": obj.pattern,
        "valid": descriptions.iter().all(Description::is_valid),
        "transformations": crate::transformations::explain_json(&descriptions),
    }))
}
