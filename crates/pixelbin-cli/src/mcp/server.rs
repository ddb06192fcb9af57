//! [`PixelbinMcp`]: the MCP server, and what it enforces around every tool call.

use std::time::Duration;

use pixelbin::PixelbinClient;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorCode,
    GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::root::Root;

/// What a tool returns: a result or a tool error (`Err` is for protocol errors only).
pub type ToolResult = Result<CallToolResult, ErrorData>;

/// The access key and token `sign_url` signs with.
#[derive(Clone)]
pub struct SigningKey {
    /// The token's id, sent in the URL as `pbt`.
    pub access_key: String,
    /// The token's secret value; never shown.
    pub token: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("access_key", &self.access_key)
            .field("token", &pixelbin::http::Redacted)
            .finish()
    }
}

/// The server's settings (`pixelbin mcp` flags).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Tools that upload, start paid jobs or write files may run.
    pub allow_write: bool,
    /// Where local files may be read and written.
    pub root: Root,
    /// Time limit of one tool call.
    pub call_timeout: Duration,
    /// The key `sign_url` signs with, when given.
    pub signing: Option<SigningKey>,
}

/// The Pixelbin MCP server: the tools of `super::{urls, assets, predictions, account}` and the
/// resources and prompts of `super::resources`, over one client.
#[derive(Clone)]
pub struct PixelbinMcp {
    /// The API client, or why there is none (no secret): the message the API tools answer.
    client: Result<PixelbinClient, String>,
    pub(super) settings: Settings,
    /// Texts no answer may contain: the API secret and the URL signing token.
    secrets: Vec<String>,
    tools: ToolRouter<PixelbinMcp>,
}

impl PixelbinMcp {
    /// A server over `client` (or the reason there is none).
    pub fn new(client: Result<PixelbinClient, String>, settings: Settings) -> PixelbinMcp {
        let mut secrets = Vec::new();
        if let Ok(client) = &client {
            secrets.push(client.config().api_secret().expose_secret().to_owned());
        }
        if let Some(key) = &settings.signing {
            secrets.push(key.token.clone());
        }
        secrets.retain(|s| !s.is_empty());
        PixelbinMcp {
            client,
            settings,
            secrets,
            tools: Self::url_tools()
                + Self::asset_tools()
                + Self::prediction_tools()
                + Self::account_tools(),
        }
    }

    /// The API client, or a tool error saying how to configure one.
    pub(super) fn client(&self) -> anyhow::Result<&PixelbinClient> {
        self.client
            .as_ref()
            .map_err(|reason| anyhow::anyhow!("{reason}; restart `pixelbin mcp` with it"))
    }

    /// `value` with every secret replaced by [`pixelbin::http::REDACTED`], wherever it appears; `withheld`
    /// when that cannot be done.
    fn redact<T: Serialize + DeserializeOwned>(&self, value: T, withheld: fn() -> T) -> T {
        let Ok(mut text) = serde_json::to_string(&value) else {
            return withheld();
        };
        let mut found = false;
        for secret in &self.secrets {
            // As JSON writes it: a secret with quotes or backslashes appears escaped.
            let escaped = serde_json::to_string(secret).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            if text.contains(escaped) {
                text = pixelbin::http::redact_secret(&text, escaped);
                found = true;
            }
        }
        if !found {
            return value;
        }
        serde_json::from_str(&text).unwrap_or_else(|_| withheld())
    }

    /// Whether `tool` uploads, starts paid jobs or writes files: anything not marked
    /// read-only, so a tool cannot become writable by forgetting its annotation.
    fn writes(tool: &Tool) -> bool {
        tool.annotations.as_ref().and_then(|a| a.read_only_hint) != Some(true)
    }

    /// The instructions sent at initialization.
    fn instructions(&self) -> String {
        let mode = if self.settings.allow_write {
            "Write tools are enabled: upload_file, transform_file and run_prediction upload \
             files, write files under the root and spend credits."
        } else {
            "Read-only: upload_file, transform_file and run_prediction are refused (the user \
             can restart the server with --allow-write)."
        };
        format!(
            "Pixelbin image platform tools. Build transformation URLs with \
             build_transformation_url (the resource pixelbin://transformations lists every \
             operation and parameter), run AI models with run_prediction (list_models and \
             pixelbin://models/{{name}}/schema show their inputs). Local paths are relative to \
             {}. {mode}",
            self.settings.root.dir().display()
        )
    }
}

/// A tool's answer: `value` as structured JSON, or the error as a tool error with the same
/// fields `--json` prints (`message`, `kind`, and for API errors `status`, `errorCode`...).
pub fn reply<T: Serialize>(result: anyhow::Result<T>) -> ToolResult {
    Ok(match result.and_then(|v| Ok(serde_json::to_value(v)?)) {
        Ok(value @ serde_json::Value::Object(_)) => CallToolResult::structured(value),
        // MCP's structured content is an object.
        Ok(value) => CallToolResult::structured(serde_json::json!({ "result": value })),
        Err(error) => {
            let mut value = crate::error::describe_json(&error).0;
            // The process's exit code means nothing to an assistant.
            if let Some(fields) = value["error"].as_object_mut() {
                fields.remove("exitCode");
            }
            CallToolResult::structured_error(value)
        }
    })
}

fn withheld_result() -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(
        "the answer held a secret and was withheld",
    )])
}

fn withheld_error() -> ErrorData {
    ErrorData::internal_error("the error held a secret and was withheld", None)
}

/// A tool error with just a message.
fn tool_error(message: String) -> CallToolResponse {
    CallToolResult::error(vec![ContentBlock::text(message)]).into()
}

impl ServerHandler for PixelbinMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("pixelbin", env!("CARGO_PKG_VERSION")))
        .with_instructions(self.instructions())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.list_all()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.get(name).cloned()
    }

    /// Every call: refused when it writes without `--allow-write`, bounded by
    /// `--call-timeout`, bad arguments answered as a tool error naming them, secrets removed.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let Some(tool) = self.tools.get(&name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool '{name}'; tools/list shows the tools"),
                None,
            ));
        };
        if Self::writes(tool) && !self.settings.allow_write {
            return Ok(tool_error(format!(
                "{name} uploads, starts paid jobs or writes files, and this server is \
                 read-only; ask the user to restart `pixelbin mcp` with --allow-write"
            )));
        }
        let limit = self.settings.call_timeout;
        let call = self
            .tools
            .call(ToolCallContext::new(self, request, context));
        let response = match tokio::time::timeout(limit, call).await {
            Ok(Ok(response)) => response,
            // The tool exists, so invalid params are its arguments: the assistant can fix them.
            Ok(Err(e)) if e.code == ErrorCode::INVALID_PARAMS => tool_error(e.message.into()),
            Ok(Err(e)) => return Err(self.redact(e, withheld_error)),
            Err(_) => tool_error(format!(
                "{name} did not finish within {} s (the server's --call-timeout) and was \
                 stopped",
                limit.as_secs()
            )),
        };
        Ok(match response {
            CallToolResponse::Complete(result) => self.redact(result, withheld_result).into(),
            // Our tools only ever complete.
            other => other,
        })
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(super::resources::list()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            super::resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let read = tokio::time::timeout(
            self.settings.call_timeout,
            super::resources::read(self, &request.uri),
        )
        .await
        .unwrap_or_else(|_| {
            Err(ErrorData::internal_error(
                format!("reading {} took longer than --call-timeout", request.uri),
                None,
            ))
        });
        match read {
            Ok(result) => Ok(self
                .redact(result, || ReadResourceResult::new(Vec::new()))
                .into()),
            Err(e) => Err(self.redact(e, withheld_error)),
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(
            super::resources::prompts(),
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        super::resources::prompt(&request.name, request.arguments.unwrap_or_default())
            .map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;

    use super::*;

    const SECRET: &str = "in-process-secret-0123456789";

    /// A client connected in process to a server whose API secret is [`SECRET`] (pointing at
    /// a closed port: these calls are offline).
    async fn connect(allow_write: bool) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
        let config = pixelbin::PixelbinConfig::builder()
            .api_secret(SECRET)
            .domain("http://127.0.0.1:9")
            .build()
            .unwrap();
        let root = tempfile::tempdir().unwrap();
        let settings = Settings {
            allow_write,
            root: Root::new(root.path()).unwrap(),
            call_timeout: Duration::from_secs(10),
            signing: None,
        };
        let server = PixelbinMcp::new(Ok(PixelbinClient::new(config).unwrap()), settings);
        let (server_end, client_end) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let _root = root;
            if let Ok(running) = server.serve(server_end).await {
                let _ = running.waiting().await;
            }
        });
        ().serve(client_end).await.unwrap()
    }

    async fn call(
        client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
        tool: &str,
        args: serde_json::Value,
    ) -> CallToolResult {
        let serde_json::Value::Object(args) = args else {
            unreachable!()
        };
        client
            .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_secret_never_comes_back() {
        let client = connect(false).await;
        let file = format!("{SECRET}.jpeg");
        let result = call(
            &client,
            "build_transformation_url",
            serde_json::json!({"file": file, "cloud_name": "c", "operations": []}),
        )
        .await;
        let text = serde_json::to_string(&result).unwrap();
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("[REDACTED].jpeg"), "{text}");
        // In errors too.
        let result = call(
            &client,
            "explain_url",
            serde_json::json!({"url": format!("not a url {SECRET}")}),
        )
        .await;
        assert_eq!(result.is_error, Some(true));
        let text = serde_json::to_string(&result).unwrap();
        assert!(
            !text.contains(SECRET) && text.contains("[REDACTED]"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn writes_are_refused_unless_allowed_and_unknown_tools_are_protocol_errors() {
        let client = connect(false).await;
        let result = call(
            &client,
            "upload_file",
            serde_json::json!({"source": "a.png"}),
        )
        .await;
        assert_eq!(result.is_error, Some(true));
        assert!(
            serde_json::to_string(&result)
                .unwrap()
                .contains("--allow-write")
        );
        let unknown = client
            .call_tool(CallToolRequestParams::new("format_disk"))
            .await
            .unwrap_err();
        assert!(unknown.to_string().contains("unknown tool"), "{unknown}");

        // Allowed, the same call gets as far as the root check.
        let client = connect(true).await;
        let result = call(
            &client,
            "upload_file",
            serde_json::json!({"source": "a.png"}),
        )
        .await;
        let text = serde_json::to_string(&result).unwrap();
        assert!(text.contains("not a file inside"), "{text}");
    }
}
