//! `cargo xtask ci`: the local gate, the same checks CI runs, in a fixed order.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cmd;

/// The wasm target `pixelbin-url` must keep building for.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// One step of the gate: a cargo invocation.
#[derive(Debug)]
pub struct Step {
    /// Short name, used by `--skip`.
    pub name: &'static str,
    /// Environment variables the step sets.
    pub env: &'static [(&'static str, &'static str)],
    /// Arguments to `cargo`.
    pub args: &'static [&'static str],
}

/// The gate, in the order it runs. Cheap checks come first so a failure is reported fast.
pub const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        env: &[],
        args: &["fmt", "--all", "--", "--check"],
    },
    Step {
        name: "clippy",
        env: &[],
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    },
    Step {
        name: "test",
        env: &[],
        args: &["test", "--workspace"],
    },
    Step {
        name: "doc",
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        args: &["doc", "--workspace", "--no-deps"],
    },
    Step {
        name: "wasm",
        env: &[],
        args: &["build", "-p", "pixelbin-url", "--target", WASM_TARGET],
    },
    Step {
        name: "examples",
        env: &[],
        // The blocking examples need the facade's `blocking` feature.
        args: &[
            "build",
            "--workspace",
            "--examples",
            "--features",
            "pixelbin/blocking",
        ],
    },
];

/// The names `--skip` accepts.
pub fn step_names() -> impl Iterator<Item = &'static str> {
    STEPS.iter().map(|s| s.name)
}

impl Step {
    /// The step's cargo command, run from the workspace root with the environment inherited
    /// (so `CARGO_TARGET_DIR`, `CI` and the like pass through).
    pub fn command(&self, root: &Path) -> std::process::Command {
        let mut command = cmd::new("cargo", self.args, root);
        command.envs(self.env.iter().copied());
        command
    }
}

enum Outcome {
    Passed(f64),
    Skipped,
    Failed,
    NotRun,
}

/// Runs every step not named in `skip`, stopping at the first failure, then prints a summary.
pub fn run(root: &Path, skip: &[String]) -> Result<()> {
    if let Some(unknown) = skip.iter().find(|s| !step_names().any(|n| n == s.as_str())) {
        let names: Vec<_> = step_names().collect();
        bail!(
            "unknown step `{unknown}` in --skip; the steps are {}",
            names.join(", ")
        );
    }
    let skipped = |step: &Step| skip.iter().any(|s| s == step.name);
    let mut outcomes: Vec<Outcome> = STEPS
        .iter()
        .map(|step| {
            if skipped(step) {
                Outcome::Skipped
            } else {
                Outcome::NotRun
            }
        })
        .collect();
    let mut failure = None;
    for (step, outcome) in STEPS.iter().zip(&mut outcomes) {
        if skipped(step) {
            println!("==> skipping `{}`", step.name);
            continue;
        }
        let started = Instant::now();
        let result = if step.name == "wasm" {
            ensure_wasm_target(root).and_then(|()| cmd::run(&mut step.command(root)))
        } else {
            cmd::run(&mut step.command(root))
        };
        match result {
            Ok(()) => *outcome = Outcome::Passed(started.elapsed().as_secs_f64()),
            Err(error) => {
                *outcome = Outcome::Failed;
                failure = Some((step.name, error));
                break;
            }
        }
    }

    println!("\nci summary:");
    for (step, outcome) in STEPS.iter().zip(&outcomes) {
        let (label, time) = match outcome {
            Outcome::Passed(secs) => ("ok", format!(" ({secs:.1}s)")),
            Outcome::Skipped => ("skipped", String::new()),
            Outcome::Failed => ("FAILED", String::new()),
            Outcome::NotRun => ("not run", String::new()),
        };
        let line = cmd::display(&step.command(root));
        println!("  {label:<8} {:<9} {line}{time}", step.name);
    }
    match failure {
        None => {
            println!("ci: all steps that ran passed");
            Ok(())
        }
        Some((name, error)) => bail!(
            "the ci gate failed at step `{name}`: {error:#}\nfix it and rerun `cargo xtask ci` \
             (locally you may skip a step with `--skip {name}`)"
        ),
    }
}

/// Installs the wasm target through rustup if the active toolchain lacks it.
fn ensure_wasm_target(root: &Path) -> Result<()> {
    // Run from the root so rustup picks the toolchain pinned by rust-toolchain.toml.
    let installed = cmd::read(&mut cmd::new(
        "rustup",
        &["target", "list", "--installed"],
        root,
    ))?;
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        cmd::run(&mut cmd::new(
            "rustup",
            &["target", "add", WASM_TARGET],
            root,
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_commands_are_the_documented_ones() {
        let lines: Vec<String> = STEPS
            .iter()
            .map(|s| cmd::display(&s.command(Path::new("."))))
            .collect();
        assert_eq!(
            lines,
            [
                "cargo fmt --all -- --check",
                "cargo clippy --workspace --all-targets -- -D warnings",
                "cargo test --workspace",
                "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps",
                "cargo build -p pixelbin-url --target wasm32-unknown-unknown",
                "cargo build --workspace --examples --features pixelbin/blocking",
            ]
        );
    }

    #[test]
    fn unknown_skip_is_refused_before_anything_runs() {
        let err = run(Path::new("/nonexistent"), &["lint".to_string()]).unwrap_err();
        assert!(err.to_string().contains("unknown step `lint`"), "{err}");
    }

    #[test]
    fn skipping_everything_runs_nothing_and_passes() {
        let all: Vec<String> = step_names().map(String::from).collect();
        // The directory does not exist, so any step that ran would fail.
        run(Path::new("/nonexistent"), &all).unwrap();
    }

    #[test]
    fn a_failing_step_stops_the_gate() {
        let dir = tempfile::tempdir().unwrap();
        // No Cargo.toml here: `cargo fmt --all` fails, and nothing after it may run.
        let err = run(dir.path(), &[]).unwrap_err();
        assert!(err.to_string().contains("failed at step `fmt`"), "{err:#}");
    }
}
