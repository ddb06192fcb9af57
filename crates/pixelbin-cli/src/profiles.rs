//! The config file: named profiles of settings, where the file lives, and how it is read and
//! written.
//!
//! ```toml
//! [profiles.default]
//! domain = "https://api.pixelbin.io"
//! api-secret = "..."
//! request-timeout = 30
//! output = "json"
//! ```
//!
//! The file lives in the platform's config folder (`$XDG_CONFIG_HOME/pixelbin/config.toml`,
//! else `~/.config/pixelbin/config.toml`; `%APPDATA%\pixelbin\config.toml` on Windows). It is
//! written whole to a temporary file (mode 0600, in a 0700 folder) renamed into place, so a
//! failed write leaves the old file as it was; comments and unknown keys are kept. How its
//! values combine with flags and the environment is [`crate::context`]'s decision.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use toml_edit::{DocumentMut, Item, Table, value};

use crate::error::CliError;

/// The profile used when neither `--profile` nor `PIXELBIN_PROFILE` names one.
pub const DEFAULT_PROFILE: &str = "default";

/// A setting a profile can hold; its name is the same in the file and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Key {
    /// `domain`: the API domain (`--domain`).
    Domain,
    /// `api-secret`: the API token (`--api-secret`); never printed in full.
    ApiSecret,
    /// `request-timeout`: seconds per request (`--request-timeout`).
    RequestTimeout,
    /// `output`: `text` or `json` (`--output`).
    Output,
}

impl Key {
    /// Every key, in the order `config list` shows them.
    pub const ALL: [Key; 4] = [
        Key::Domain,
        Key::ApiSecret,
        Key::RequestTimeout,
        Key::Output,
    ];

    /// The key's name in the file and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Key::Domain => "domain",
            Key::ApiSecret => "api-secret",
            Key::RequestTimeout => "request-timeout",
            Key::Output => "output",
        }
    }

    /// Checks `text` for this key and turns it into the value stored.
    fn parse(self, text: &str) -> anyhow::Result<toml_edit::Value> {
        let text = text.trim();
        match self {
            Key::Domain => parse_domain(text).map(|d| d.into()),
            Key::ApiSecret if text.is_empty() => Err(CliError::usage(
                "the API secret is empty: pass the token from the Pixelbin console \
                 (Settings > Tokens), or use `pixelbin login`",
            )),
            Key::ApiSecret => Ok(text.into()),
            Key::RequestTimeout => match text.parse::<i64>() {
                Ok(secs) if (1..=86_400).contains(&secs) => Ok(secs.into()),
                _ => Err(CliError::usage(format!(
                    "request-timeout {text:?} is not a whole number of seconds from 1 to 86400"
                ))),
            },
            Key::Output => match text {
                "text" | "json" => Ok(text.into()),
                _ => Err(CliError::usage(format!(
                    "output {text:?} is not a format: write text or json"
                ))),
            },
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `text` if it is an absolute http(s) URL (what `--domain` and the `domain` key accept).
pub fn parse_domain(text: &str) -> anyhow::Result<String> {
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(text.to_string()),
        _ => Err(CliError::usage(format!(
            "domain {text:?} is not an absolute http(s) URL, e.g. https://api.pixelbin.io"
        ))),
    }
}

/// The settings one profile holds, as read from the file (each may be missing).
#[derive(Default, Clone, PartialEq)]
pub struct Profile {
    /// `domain`.
    pub domain: Option<String>,
    /// `api-secret`.
    pub api_secret: Option<String>,
    /// `request-timeout`, in seconds.
    pub request_timeout: Option<u64>,
    /// `output`: `text` or `json`.
    pub output: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("domain", &self.domain)
            .field(
                "api_secret",
                &self.api_secret.as_ref().map(|_| pixelbin::http::Redacted),
            )
            .field("request_timeout", &self.request_timeout)
            .field("output", &self.output)
            .finish()
    }
}

impl Profile {
    /// The value of `key` as text; secrets come whole (callers print [`mask`]).
    pub fn get(&self, key: Key) -> Option<String> {
        match key {
            Key::Domain => self.domain.clone(),
            Key::ApiSecret => self.api_secret.clone(),
            Key::RequestTimeout => self.request_timeout.map(|s| s.to_string()),
            Key::Output => self.output.clone(),
        }
    }
}

/// The config file, loaded (or empty when it does not exist yet).
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    doc: DocumentMut,
    /// Set when the file is readable by its group or others: its mode, for the message.
    exposed_mode: Option<u32>,
}

impl ConfigFile {
    /// Where the file lives on this platform.
    pub fn default_path() -> anyhow::Result<PathBuf> {
        config_dir()
            .map(|dir| dir.join("pixelbin").join("config.toml"))
            .ok_or_else(|| {
                CliError::usage(
                    "cannot find a config folder: set HOME (or XDG_CONFIG_HOME) to use profiles",
                )
            })
    }

    /// Loads the file at [`default_path`](Self::default_path).
    pub fn load() -> anyhow::Result<ConfigFile> {
        Self::load_from(Self::default_path()?)
    }

    /// Loads the file at `path`; a missing file is an empty one.
    pub fn load_from(path: PathBuf) -> anyhow::Result<ConfigFile> {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("could not read the config file {}", path.display())));
            }
        };
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            CliError::usage(format!(
                "the config file {} is not valid TOML ({}); fix or delete it",
                path.display(),
                crate::error::one_line(&e.to_string())
            ))
        })?;
        let exposed_mode = exposed_mode(&path);
        Ok(ConfigFile {
            path,
            doc,
            exposed_mode,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a profile of this name has a table in the file.
    pub fn has_profile(&self, name: &str) -> bool {
        self.profile_table(name).is_some()
    }

    /// The names of the profiles in the file, in file order.
    pub fn profile_names(&self) -> Vec<String> {
        self.doc
            .get("profiles")
            .and_then(Item::as_table_like)
            .map(|t| t.iter().map(|(name, _)| name.to_string()).collect())
            .unwrap_or_default()
    }

    /// The settings of profile `name` (empty when it does not exist); a value of the wrong type
    /// is an error naming the file and the key.
    pub fn profile(&self, name: &str) -> anyhow::Result<Profile> {
        let Some(table) = self.profile_table(name) else {
            return Ok(Profile::default());
        };
        let text = |key: Key| -> anyhow::Result<Option<String>> {
            match table.get(key.name()) {
                None => Ok(None),
                Some(item) => match item.as_str() {
                    Some(s) => Ok(Some(s.to_string())),
                    None => Err(self.bad_value(name, key, "a string")),
                },
            }
        };
        let request_timeout = match table.get(Key::RequestTimeout.name()) {
            None => None,
            Some(item) => match item.as_integer().and_then(|n| u64::try_from(n).ok()) {
                Some(n) if n >= 1 => Some(n),
                _ => return Err(self.bad_value(name, Key::RequestTimeout, "a number of seconds")),
            },
        };
        Ok(Profile {
            domain: text(Key::Domain)?,
            api_secret: text(Key::ApiSecret)?,
            request_timeout,
            output: text(Key::Output)?,
        })
    }

    fn bad_value(&self, profile: &str, key: Key, expected: &str) -> anyhow::Error {
        CliError::usage(format!(
            "{key} of profile {profile:?} in {} is not {expected}; fix it with \
             `pixelbin config set {key} VALUE --profile {profile}`",
            self.path.display()
        ))
    }

    /// A refusal when the file holds a secret and others may read it (as ssh refuses a private
    /// key readable by others), saying how to fix it.
    pub fn check_private(&self) -> anyhow::Result<()> {
        match self.exposed_mode {
            Some(mode) => Err(CliError::usage(format!(
                "the config file {path} holds API secrets but others can read it (mode {mode:03o}); \
                 refusing to use it: run `chmod 600 {path}`",
                path = self.path.display()
            ))),
            None => Ok(()),
        }
    }

    /// Sets `key` of profile `profile` (created if missing) after checking the value.
    pub fn set(&mut self, profile: &str, key: Key, text: &str) -> anyhow::Result<()> {
        let parsed = key.parse(text)?;
        let profiles = self
            .doc
            .entry("profiles")
            .or_insert_with(|| {
                let mut t = Table::new();
                // `[profiles.NAME]` headers only, no empty `[profiles]` line.
                t.set_implicit(true);
                Item::Table(t)
            })
            .as_table_mut()
            .ok_or_else(|| self_not_table(&self.path))?;
        let table = profiles
            .entry(profile)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_mut()
            .ok_or_else(|| self_not_table(&self.path))?;
        table[key.name()] = value(parsed);
        Ok(())
    }

    /// Removes `key` from profile `profile`; whether it was there.
    pub fn unset(&mut self, profile: &str, key: Key) -> bool {
        self.doc
            .get_mut("profiles")
            .and_then(|p| p.get_mut(profile))
            .and_then(Item::as_table_like_mut)
            .is_some_and(|t| t.remove(key.name()).is_some())
    }

    /// Writes the file: a temporary file (0600) in the config folder (0700), renamed into place.
    pub fn save(&self) -> anyhow::Result<()> {
        let dir = self
            .path
            .parent()
            .context("the config file path has no folder")?;
        create_private_dir(dir)?;
        let mut file = tempfile::Builder::new()
            .prefix(".config.toml.")
            .tempfile_in(dir)
            .with_context(|| format!("could not write in {}", dir.display()))?;
        // tempfile creates the file 0600 on Unix: the secret is never readable by others, even
        // before the rename.
        file.write_all(self.doc.to_string().as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .with_context(|| format!("could not write the config file in {}", dir.display()))?;
        file.persist(&self.path).map_err(|e| {
            anyhow::Error::new(e.error)
                .context(format!("could not replace {}", self.path.display()))
        })?;
        Ok(())
    }

    fn profile_table(&self, name: &str) -> Option<&dyn toml_edit::TableLike> {
        self.doc
            .get("profiles")
            .and_then(|p| p.get(name))
            .and_then(Item::as_table_like)
    }
}

fn self_not_table(path: &Path) -> anyhow::Error {
    CliError::usage(format!(
        "{} has a `profiles` entry that is not a table; fix or delete the file",
        path.display()
    ))
}

/// A secret shown so it can be recognized, never whole: its first four characters when it is
/// long enough to keep most of it hidden.
///
/// Deliberately not the SDK's redaction marker ([`pixelbin::http::REDACTED`], used wherever a
/// secret would be shown by accident): `config list` shows the user their own stored secret on
/// purpose, and a recognizable prefix and length tell them which one it is.
pub fn mask(secret: &str) -> String {
    let count = secret.chars().count();
    if count >= 16 {
        let head: String = secret.chars().take(4).collect();
        format!("{head}{} ({count} characters)", "*".repeat(8))
    } else {
        format!("{} ({count} characters)", "*".repeat(8))
    }
}

/// The platform's folder for user configuration.
fn config_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    // The XDG variable must be absolute to count (the XDG base directory rule).
    if let Some(dir) = non_empty("XDG_CONFIG_HOME").map(PathBuf::from)
        && dir.is_absolute()
    {
        return Some(dir);
    }
    if cfg!(windows) {
        non_empty("APPDATA").map(PathBuf::from)
    } else {
        non_empty("HOME").map(|home| PathBuf::from(home).join(".config"))
    }
}

/// Creates `dir` (and its parents); the folder itself is made private (0700) when created.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("could not create the config folder {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("could not make {} private", dir.display()))?;
    }
    Ok(())
}

/// The file's permission bits when its group or others may read or write it.
#[cfg(unix)]
fn exposed_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn exposed_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ConfigFile {
        ConfigFile {
            path: PathBuf::from("/nowhere/config.toml"),
            doc: text.parse().unwrap(),
            exposed_mode: None,
        }
    }

    #[test]
    fn set_get_unset_keep_comments() {
        let mut config = file("# mine\n[profiles.prod]\ndomain = \"https://a.example\"\n");
        config
            .set("staging", Key::ApiSecret, "s3cret-token")
            .unwrap();
        config.set("staging", Key::RequestTimeout, "30").unwrap();
        let staging = config.profile("staging").unwrap();
        assert_eq!(staging.api_secret.as_deref(), Some("s3cret-token"));
        assert_eq!(staging.request_timeout, Some(30));
        assert_eq!(config.profile_names(), ["prod", "staging"]);
        assert!(config.unset("staging", Key::RequestTimeout));
        assert!(!config.unset("staging", Key::RequestTimeout));
        let text = config.doc.to_string();
        assert!(text.starts_with("# mine\n"), "{text}");
        assert!(!text.contains("\n[profiles]\n"), "{text}");
    }

    #[test]
    fn values_are_checked() {
        let mut config = file("");
        for (key, bad) in [
            (Key::Domain, "api.pixelbin.io"),
            (Key::RequestTimeout, "0"),
            (Key::RequestTimeout, "ten"),
            (Key::Output, "yaml"),
            (Key::ApiSecret, " "),
        ] {
            assert!(config.set("p", key, bad).is_err(), "{key} {bad}");
        }
        let config = file("[profiles.p]\nrequest-timeout = \"30\"\n");
        let err = config.profile("p").unwrap_err().to_string();
        assert!(err.contains("request-timeout"), "{err}");
    }

    #[test]
    fn masks_hide_most_of_a_secret() {
        let masked = mask("abcdefghijklmnopqrstuvwxyz");
        assert_eq!(masked, "abcd******** (26 characters)");
        assert_eq!(mask("short"), "******** (5 characters)");
        let profile = Profile {
            api_secret: Some("hunter2-token".into()),
            ..Profile::default()
        };
        let shown = format!("{profile:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("api_secret: Some([REDACTED])"), "{shown}");
    }
}
