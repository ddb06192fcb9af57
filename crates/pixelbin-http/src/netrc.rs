//! A small `.netrc` reader, for proxy credentials when `trust_env` is on.
//!
//! Format: whitespace-separated tokens `machine <host> login <user> password
//! <pass>`, an optional `default` entry, `macdef` blocks (skipped until a blank
//! line) and `#` comments. Tokens may be double-quoted.

use std::path::PathBuf;

/// Login and password of one `.netrc` entry.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) login: String,
    pub(crate) password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("password", &crate::Redacted)
            .finish()
    }
}

/// Parsed `.netrc` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Netrc {
    machines: Vec<(String, Credentials)>,
    default: Option<Credentials>,
}

impl Netrc {
    /// Reads `$NETRC`, else `~/.netrc` (`%USERPROFILE%\_netrc` on Windows).
    /// A missing or unreadable file gives `None`: credentials are optional.
    pub(crate) fn load(lookup: &dyn Fn(&str) -> Option<String>) -> Option<Netrc> {
        let path = netrc_path(lookup)?;
        let text = std::fs::read_to_string(path).ok()?;
        Some(Netrc::parse(&text))
    }

    /// Parses netrc text; unknown tokens are skipped.
    pub(crate) fn parse(text: &str) -> Netrc {
        let mut netrc = Netrc::default();
        // (host or None for `default`, login, password) of the entry being read.
        let mut current: Option<(Option<String>, String, String)> = None;
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let mut tokens = tokenize(line).into_iter();
            while let Some(token) = tokens.next() {
                match token.as_str() {
                    "machine" | "default" => {
                        finish(&mut netrc, current.take());
                        let host = if token == "machine" {
                            Some(tokens.next().unwrap_or_default().to_ascii_lowercase())
                        } else {
                            None
                        };
                        current = Some((host, String::new(), String::new()));
                    }
                    "login" => {
                        if let (Some(entry), Some(v)) = (current.as_mut(), tokens.next()) {
                            entry.1 = v;
                        }
                    }
                    "password" => {
                        if let (Some(entry), Some(v)) = (current.as_mut(), tokens.next()) {
                            entry.2 = v;
                        }
                    }
                    "account" => {
                        tokens.next();
                    }
                    "macdef" => {
                        // A macro body runs until the next blank line.
                        for body in lines.by_ref() {
                            if body.trim().is_empty() {
                                break;
                            }
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
        finish(&mut netrc, current);
        netrc
    }

    /// Credentials for `host` (case-insensitive), else the `default` entry.
    pub(crate) fn lookup(&self, host: &str) -> Option<&Credentials> {
        self.machines
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, c)| c)
            .or(self.default.as_ref())
    }
}

fn finish(netrc: &mut Netrc, entry: Option<(Option<String>, String, String)>) {
    let Some((host, login, password)) = entry else {
        return;
    };
    let creds = Credentials { login, password };
    match host {
        Some(host) if !host.is_empty() => netrc.machines.push((host, creds)),
        Some(_) => {}
        None => netrc.default = Some(creds),
    }
}

/// Splits a line into tokens: whitespace separated, `"quoted"` with `\`
/// escapes, and a `#` at the start of a token comments out the rest.
fn tokenize(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            break;
        }
        let mut token = String::new();
        if first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => token.extend(chars.next()),
                    c => token.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                token.push(c);
                chars.next();
            }
        }
        out.push(token);
    }
    out
}

fn netrc_path(lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = lookup("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    if let Some(home) = lookup("HOME").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(home).join(".netrc"));
    }
    lookup("USERPROFILE")
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(p).join("_netrc"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
# proxy credentials
machine proxy.corp.test login alice password "s3cr et"
machine other.test
    login bob
    password hunter2
macdef init
    machine evil.test login mallory password nope

default login anon password guest
"#;

    #[test]
    fn debug_shows_the_password_as_the_one_marker() {
        let netrc = Netrc::parse(SAMPLE);
        let shown = format!("{:?}", netrc.lookup("other.test").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password: [REDACTED]"), "{shown}");
    }

    #[test]
    fn parses_machines_default_quotes_and_macdef() {
        let netrc = Netrc::parse(SAMPLE);
        let c = netrc.lookup("PROXY.corp.test").unwrap();
        assert_eq!(
            (c.login.as_str(), c.password.as_str()),
            ("alice", "s3cr et")
        );
        let c = netrc.lookup("other.test").unwrap();
        assert_eq!((c.login.as_str(), c.password.as_str()), ("bob", "hunter2"));
        // Inside macdef: not an entry, so the default applies.
        let c = netrc.lookup("evil.test").unwrap();
        assert_eq!(c.login, "anon");
        assert!(!format!("{c:?}").contains("guest"));
    }

    #[test]
    fn no_default_means_no_credentials() {
        let netrc = Netrc::parse("machine a.test login x password y");
        assert!(netrc.lookup("b.test").is_none());
        assert!(Netrc::parse("").lookup("a.test").is_none());
    }

    #[test]
    fn loads_from_netrc_variable_and_tolerates_missing_files() {
        let dir = std::env::temp_dir().join(format!("pixelbin-netrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("netrc");
        std::fs::write(&file, "machine p.test login u password pw").unwrap();
        let path = file.to_string_lossy().into_owned();
        let netrc = Netrc::load(&|k| (k == "NETRC").then(|| path.clone())).unwrap();
        assert_eq!(netrc.lookup("p.test").unwrap().password, "pw");
        let home = dir.to_string_lossy().into_owned();
        assert!(Netrc::load(&|k| (k == "HOME").then(|| home.clone())).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
