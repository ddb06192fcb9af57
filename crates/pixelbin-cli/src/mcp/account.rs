//! Account tools: `get_usage`.

use rmcp::{tool, tool_router};

use super::server::{PixelbinMcp, ToolResult, reply};

#[tool_router(router = account_tools, vis = "pub(super)")]
impl PixelbinMcp {
    /// The account's credits and storage: used, and of how much (the Billing API's current
    /// usage, as sent). Read-only.
    #[tool(annotations(read_only_hint = true))]
    async fn get_usage(&self) -> ToolResult {
        reply(async { Ok(self.client()?.billing().get_usage().await?.raw) }.await)
    }
}
