//! Printing results: pretty JSON with `--json`, short readable lines otherwise.
//!
//! Results go to stdout; progress bars, spinners and logs go to stderr, so
//! `pixelbin ... --json | jq` always sees exactly one JSON document.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use serde::Serialize;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: one JSON document on stdout, no progress display.
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON with `--json`, else the lines `human` writes.
    pub fn emit<T, F>(&self, value: &T, human: F) -> anyhow::Result<()>
    where
        T: Serialize + ?Sized,
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        if self.json {
            print_json(value)
        } else {
            print_text(human)
        }
    }

    /// Whether progress bars and spinners may be drawn: stderr is a terminal and the output is
    /// not JSON.
    pub fn show_progress(&self) -> bool {
        !self.json && std::io::stderr().is_terminal()
    }
}

impl Output {
    /// One result of a bulk command: a compact JSON line with `--json` (so results stream
    /// line by line), else the line `human` writes.
    pub fn emit_line<T, F>(&self, value: &T, human: F) -> anyhow::Result<()>
    where
        T: Serialize + ?Sized,
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        if self.json {
            let text = serde_json::to_string(value).context("could not encode a result line")?;
            print_text(|w| writeln!(w, "{text}"))
        } else {
            print_text(human)
        }
    }

    /// The closing line of a bulk command: `{"summary": ...}` with `--json`, else `text`.
    pub fn emit_summary<T: Serialize>(&self, summary: &T, text: &str) -> anyhow::Result<()> {
        self.emit_line(&serde_json::json!({ "summary": summary }), |w| {
            writeln!(w, "{text}")
        })
    }
}

/// Writes lines to stdout whatever the mode (for output that is the same in both).
pub fn print_text<F>(write: F) -> anyhow::Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    STDOUT_WRITTEN.store(true, Ordering::Relaxed);
    write(&mut out)
        .and_then(|()| out.flush())
        .context("could not write to stdout")
}

/// Whether a result went to stdout: an error after it (a failed job, a signature that does not
/// match) goes to stderr, so stdout still holds exactly the command's own JSON.
static STDOUT_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Prints `value` as pretty JSON followed by a newline.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text =
        serde_json::to_string_pretty(value).context("could not encode the result as JSON")?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    STDOUT_WRITTEN.store(true, Ordering::Relaxed);
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .context("could not write to stdout")
}

/// Whether [`print_json`] or [`print_text`] has written to stdout.
pub fn stdout_written() -> bool {
    STDOUT_WRITTEN.load(Ordering::Relaxed)
}

/// `value` or a dash when it is missing, for human tables.
pub fn or_dash<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// A byte count for people: `1.5 MiB`, `532 B`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_well() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(10 * 1024 * 1024), "10.0 MiB");
    }

    #[test]
    fn missing_values_show_a_dash() {
        assert_eq!(or_dash(None::<u32>), "-");
        assert_eq!(or_dash(Some(3)), "3");
    }
}
