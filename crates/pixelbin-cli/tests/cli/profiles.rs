//! Profiles: `login`, `logout`, `config`, precedence and the config file's permissions, each
//! run with a temporary HOME and XDG_CONFIG_HOME.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pixelbin_emulator::Emulator;
use predicates::prelude::*;
use tempfile::TempDir;

use crate::support::{SECRET, bare, emulator, json_of, stdout_of};

/// A temporary home whose config folder is `HOME/.config` through XDG_CONFIG_HOME.
struct Home {
    dir: TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `pixelbin` with this home and no settings from the host.
    fn pixelbin(&self) -> Command {
        let mut cmd = bare();
        cmd.env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join(".config"));
        cmd
    }

    fn config_file(&self) -> PathBuf {
        self.dir.path().join(".config/pixelbin/config.toml")
    }

    /// `pixelbin login --with-token --domain EMU [--profile NAME]` with `token` on stdin.
    fn login(
        &self,
        emu: &Emulator,
        profile: Option<&str>,
        token: &str,
    ) -> assert_cmd::assert::Assert {
        let mut cmd = self.pixelbin();
        cmd.args(["login", "--with-token", "--domain", &emu.url()]);
        if let Some(profile) = profile {
            cmd.args(["--profile", profile]);
        }
        cmd.write_stdin(format!("{token}\n")).assert()
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn login_from_stdin_saves_a_private_profile_used_by_later_commands() {
    let emu = emulator();
    let home = Home::new();
    home.login(&emu, None, SECRET)
        .success()
        .stdout(predicate::str::contains("Logged in to pixelbin-emulator"));
    let file = home.config_file();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("[profiles.default]"), "{text}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }
    // No flag, no environment: the profile gives domain and token.
    let org = json_of(home.pixelbin().args(["org", "--json"]));
    assert_eq!(org["org"]["name"], "pixelbin-emulator");
    // `config get` never prints the secret whole.
    let shown = stdout_of(home.pixelbin().args(["config", "get", "api-secret"]));
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("characters"), "{shown}");
    let listed = stdout_of(home.pixelbin().args(["config", "list", "--json"]));
    assert!(!listed.contains(SECRET), "{listed}");

    home.pixelbin().arg("logout").assert().success();
    home.pixelbin()
        .args(["files", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pixelbin login"));
}

#[test]
fn a_refused_token_is_not_saved() {
    let emu = emulator();
    let home = Home::new();
    home.login(&emu, None, "not-the-secret-at-all")
        .code(1)
        .stderr(predicate::str::contains("nothing saved"));
    assert!(!home.config_file().exists());
}

#[test]
fn profiles_switch_with_the_flag_and_the_environment() {
    let staging = emulator();
    let production = emulator();
    let home = Home::new();
    home.login(&staging, Some("staging"), SECRET).success();
    home.login(&production, Some("production"), SECRET)
        .success();
    // A folder created through each profile lands on its own emulator.
    home.pixelbin()
        .args([
            "--profile",
            "staging",
            "folders",
            "create",
            "only-on-staging",
        ])
        .assert()
        .success();
    let listed = |cmd: &mut Command| stdout_of(cmd.args(["files", "list"]));
    assert!(listed(home.pixelbin().args(["--profile", "staging"])).contains("only-on-staging"));
    assert!(
        !listed(home.pixelbin().env("PIXELBIN_PROFILE", "production")).contains("only-on-staging")
    );
    assert!(listed(home.pixelbin().env("PIXELBIN_PROFILE", "staging")).contains("only-on-staging"));
    // The flag wins over the environment.
    assert!(
        !listed(
            home.pixelbin()
                .env("PIXELBIN_PROFILE", "staging")
                .args(["--profile", "production"])
        )
        .contains("only-on-staging")
    );
    home.pixelbin()
        .args(["--profile", "nowhere", "files", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no profile \"nowhere\""));
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_profile() {
    let emu = emulator();
    let home = Home::new();
    home.login(&emu, None, SECRET).success();
    home.pixelbin()
        .args(["config", "set", "output", "json"])
        .assert()
        .success();
    // The profile's output format applies...
    let org = json_of(home.pixelbin().arg("org"));
    assert_eq!(org["org"]["cloudName"], "emulator-cloud");
    // ...unless the environment or a flag says otherwise.
    let text = stdout_of(home.pixelbin().env("PIXELBIN_OUTPUT", "text").arg("org"));
    assert!(text.starts_with("organization: "), "{text}");
    let json = stdout_of(
        home.pixelbin()
            .env("PIXELBIN_OUTPUT", "text")
            .args(["org", "--output", "json"]),
    );
    assert!(json.starts_with('{'), "{json}");
    // A wrong token in the environment wins over the profile's good one, and a flag over both.
    home.pixelbin()
        .env("PIXELBIN_API_TOKEN", "wrong-token-from-env")
        .arg("org")
        .assert()
        .code(1);
    home.pixelbin()
        .env("PIXELBIN_API_TOKEN", "wrong-token-from-env")
        .args(["--api-secret", SECRET, "org"])
        .assert()
        .success();
    // Same for the domain: the environment's unreachable one is used over the profile's.
    home.pixelbin()
        .env("PIXELBIN_DOMAIN", "http://127.0.0.1:1")
        .args(["--request-timeout", "2", "org"])
        .assert()
        .code(1);
    home.pixelbin()
        .env("PIXELBIN_DOMAIN", "http://127.0.0.1:1")
        .args(["--domain", &emu.url(), "org"])
        .assert()
        .success();
    home.pixelbin()
        .args(["config", "unset", "output"])
        .assert()
        .success();
    let text = stdout_of(home.pixelbin().arg("org"));
    assert!(text.starts_with("organization: "), "{text}");
}

#[cfg(unix)]
#[test]
fn a_token_file_readable_by_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let emu = emulator();
    let home = Home::new();
    home.login(&emu, None, SECRET).success();
    let file = home.config_file();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    home.pixelbin()
        .args(["files", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "chmod 600 {}",
            file.display()
        )));
    // A token given another way still works, and saving rewrites the file private again.
    home.pixelbin()
        .args(["--api-secret", SECRET, "files", "list"])
        .assert()
        .success();
    home.pixelbin()
        .args(["config", "set", "request-timeout", "30"])
        .assert()
        .success();
    assert_eq!(mode(&file), 0o600);
    home.pixelbin().args(["files", "list"]).assert().success();
}

#[test]
fn config_set_checks_values_and_keeps_comments() {
    let home = Home::new();
    home.pixelbin()
        .args(["config", "set", "domain", "not a url"])
        .assert()
        .code(2);
    home.pixelbin()
        .args(["config", "set", "request-timeout", "0"])
        .assert()
        .code(2);
    home.pixelbin()
        .args([
            "config",
            "set",
            "domain",
            "http://127.0.0.1:9",
            "--profile",
            "local",
        ])
        .assert()
        .success();
    let file = home.config_file();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("# my notes\n{text}")).unwrap();
    home.pixelbin()
        .args(["config", "set", "output", "json", "--profile", "local"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# my notes\n"), "{text}");
    let got = stdout_of(home.pixelbin().args([
        "--profile",
        "local",
        "config",
        "get",
        "domain",
        "--output",
        "text",
    ]));
    assert_eq!(got.trim(), "http://127.0.0.1:9");
    home.pixelbin()
        .args(["config", "get", "domain"])
        .assert()
        .code(1);
}
