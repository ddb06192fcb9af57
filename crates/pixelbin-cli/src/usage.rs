//! `pixelbin usage`: the account's credit and storage usage (the Billing API's current usage).

use pixelbin::UsageFigure;

use crate::context::Context;
use crate::output::human_bytes;

/// Runs `pixelbin usage`; `--json` prints the service's answer as sent.
pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let usage = ctx.client()?.billing().get_usage().await?;
    ctx.out.emit(&usage.raw, |w| {
        writeln!(w, "credits: {}", describe(usage.credits, number))?;
        writeln!(w, "storage: {}", describe(usage.storage, bytes))
    })
}

/// `3 of 10 used, 7 left`, or what is known of it.
fn describe(figure: UsageFigure, show: fn(f64) -> String) -> String {
    match (figure.used, figure.total) {
        (Some(used), Some(total)) => format!(
            "{} of {} used, {} left",
            show(used),
            show(total),
            show((total - used).max(0.0))
        ),
        (Some(used), None) => format!("{} used (no limit given)", show(used)),
        (None, Some(total)) => format!("{} in total, use unknown", show(total)),
        (None, None) => "not reported".into(),
    }
}

/// A count without a trailing `.0` when it is whole.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.2}")
    }
}

/// Bytes for people (`1.5 MiB`).
fn bytes(value: f64) -> String {
    human_bytes(value.max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_for_people() {
        let credits = UsageFigure {
            total: Some(10.0),
            used: Some(3.0),
        };
        assert_eq!(describe(credits, number), "3 of 10 used, 7 left");
        let unlimited = UsageFigure {
            total: None,
            used: Some(2.5),
        };
        assert_eq!(describe(unlimited, number), "2.50 used (no limit given)");
        let storage = UsageFigure {
            total: Some(2048.0),
            used: Some(1024.0),
        };
        assert_eq!(
            describe(storage, bytes),
            "1.0 KiB of 2.0 KiB used, 1.0 KiB left"
        );
        assert_eq!(describe(UsageFigure::default(), number), "not reported");
    }
}
