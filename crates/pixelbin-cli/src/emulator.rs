//! `pixelbin emulator`: the local Pixelbin-compatible server, in the foreground.
//!
//! Same flags as the `pixelbin-emulator` binary (both use [`EmulatorArgs`]). The accepted secret
//! is the global `--api-secret` when given on the command line, else
//! `PIXELBIN_EMULATOR_API_SECRET`; a `PIXELBIN_API_TOKEN` in the environment is deliberately
//! ignored, so an exported production token does not silently lock the emulator.

use pixelbin_emulator::Emulator;
use pixelbin_emulator::cli::{API_SECRET_ENV, EmulatorArgs, shutdown_signal, start_error};

use crate::output::Output;

/// The secret the emulator accepts: `typed` (the global `--api-secret`, only when it was typed
/// on the command line), else a non-empty `PIXELBIN_EMULATOR_API_SECRET`.
pub fn accepted_secret(typed: Option<String>) -> Option<String> {
    typed.or_else(|| std::env::var(API_SECRET_ENV).ok().filter(|s| !s.is_empty()))
}

/// Serves until Ctrl-C or SIGTERM. The first stdout line is the listening line (or, with
/// `--json`, `{"url":"..."}` on one line), printed once the port is bound.
pub async fn run(
    args: EmulatorArgs,
    api_secret: Option<String>,
    out: Output,
) -> anyhow::Result<()> {
    let emulator = Emulator::start(args.options(api_secret))
        .await
        .map_err(|error| anyhow::anyhow!(start_error(args.port, &error)))?;
    // Installed before the announcement, so a signal sent on reading it is handled.
    let shutdown = shutdown_signal();
    // One line either way, flushed at once, so a script can read it and go on.
    let line = if out.json {
        serde_json::json!({ "url": emulator.url() }).to_string()
    } else {
        format!("pixelbin-emulator listening on {}", emulator.url())
    };
    crate::output::print_text(|w| writeln!(w, "{line}"))?;
    shutdown.await;
    drop(emulator);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_secret_wins_over_the_environment() {
        assert_eq!(
            accepted_secret(Some("typed".into())).as_deref(),
            Some("typed")
        );
    }
}
