//! Running external commands (cargo, git, rustup) with the command line echoed first.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// A command to run in `dir`, with the environment inherited.
pub fn new(program: &str, args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.args(args).current_dir(dir);
    command
}

/// The command as a shell line: `RUSTDOCFLAGS="-D warnings" cargo doc --workspace`.
pub fn display(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| {
            let value = value?.to_string_lossy();
            Some(format!("{}={}", key.to_string_lossy(), quote(&value)))
        })
        .collect();
    words.push(quote(&command.get_program().to_string_lossy()));
    words.extend(command.get_args().map(|a| quote(&a.to_string_lossy())));
    words.join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Prints `==> <command>`, runs it with the terminal attached, and fails unless it succeeds.
pub fn run(command: &mut Command) -> Result<()> {
    let line = display(command);
    println!("==> {line}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{line}`; is it installed and on PATH?"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// The outcome of a command run quietly.
pub struct Output {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs a command without echoing it and captures what it prints. Failing to start the
/// program is an error; a non-zero exit is reported in [`Output::success`].
pub fn capture(command: &mut Command) -> Result<Output> {
    let line = display(command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not start `{line}`; is it installed and on PATH?"))?;
    Ok(Output {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs a command quietly and returns its standard output; a non-zero exit is an error that
/// quotes the command's standard error.
pub fn read(command: &mut Command) -> Result<String> {
    let line = display(command);
    let output = capture(command)?;
    if !output.success {
        bail!("`{line}` failed: {}", output.stderr.trim());
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_env_and_quotes_words_with_spaces() {
        let mut command = new(
            "cargo",
            &["doc", "--workspace", "-m", "release: v1"],
            Path::new("."),
        );
        command.env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            display(&command),
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace -m \"release: v1\""
        );
    }

    #[test]
    fn read_reports_failures_with_stderr() {
        let ok = read(&mut new("git", &["--version"], Path::new("."))).unwrap();
        assert!(ok.starts_with("git version"), "{ok}");
        let err = read(&mut new("git", &["no-such-subcommand"], Path::new("."))).unwrap_err();
        assert!(err.to_string().contains("git no-such-subcommand"), "{err}");
        let err = read(&mut new("no-such-program-xtask", &[], Path::new("."))).unwrap_err();
        assert!(err.to_string().contains("could not start"), "{err}");
    }
}
