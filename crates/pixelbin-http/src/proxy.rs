//! Proxy selection: an explicit proxy, or — only with `trust_env` — the
//! `HTTP_PROXY` / `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` variables (lower
//! case wins over upper case, as in curl and Python), with credentials from
//! `.netrc` when the proxy URL has none.
//!
//! reqwest would otherwise read the environment on its own; the client is
//! always built with `no_proxy()` first so that nothing but this module decides.

use url::Url;

use crate::config::HttpOptions;
use crate::error::Error;
use crate::netrc::Netrc;

/// Reads an environment variable; injectable so tests need not touch the
/// process environment.
pub(crate) type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Validates a proxy URL (`http://` or `https://`, with a host).
pub(crate) fn parse_proxy_url(raw: &str) -> Result<Url, Error> {
    let bad = |why: &str| {
        Error::IllegalArgument(format!(
            "invalid proxy URL {}: {why}; expected e.g. \"http://proxy.example.com:3128\"",
            redact_proxy_url(raw)
        ))
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(url)
}

/// A proxy URL fit for logs and `Debug`: as every URL shown ([`crate::redact_url`]:
/// no user info, signed query values replaced).
pub(crate) fn redact_proxy_url(raw: &str) -> String {
    match Url::parse(raw.trim()) {
        Ok(url) => crate::redact_url(url.as_str()),
        // Unparsable text could be anything, a password included.
        Err(_) => "<unparsable proxy URL>".to_owned(),
    }
}

/// The proxies to install, as decided from the options and environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProxyPlan {
    /// Proxy for `http://` targets.
    pub(crate) http: Option<Url>,
    /// Proxy for `https://` targets.
    pub(crate) https: Option<Url>,
    /// `NO_PROXY` list (comma separated hosts, domains, IPs, CIDRs, `*`).
    pub(crate) no_proxy: Option<String>,
}

impl ProxyPlan {
    /// Decides the proxies for `http` with the environment `env`.
    pub(crate) fn new(http: &HttpOptions, env: &EnvLookup) -> Result<ProxyPlan, Error> {
        let var = |name: &str| {
            env(&name.to_ascii_lowercase())
                .or_else(|| env(&name.to_ascii_uppercase()))
                .filter(|v| !v.trim().is_empty())
        };
        let netrc = if http.trust_env {
            Netrc::load(&|k| env(k))
        } else {
            None
        };
        let with_netrc = |mut url: Url| {
            if url.username().is_empty() && url.password().is_none() {
                let creds = netrc
                    .as_ref()
                    .and_then(|n| n.lookup(url.host_str().unwrap_or("")));
                if let Some(c) = creds {
                    // Only fails for URLs that cannot have credentials, which
                    // parse_proxy_url has excluded.
                    let _ = url.set_username(&c.login);
                    let _ = url.set_password(Some(&c.password));
                }
            }
            url
        };
        let no_proxy = if http.trust_env {
            var("no_proxy")
        } else {
            None
        };

        if let Some(explicit) = &http.proxy {
            let url = with_netrc(parse_proxy_url(explicit)?);
            return Ok(ProxyPlan {
                http: Some(url.clone()),
                https: Some(url),
                no_proxy,
            });
        }
        if !http.trust_env {
            return Ok(ProxyPlan::default());
        }
        let from_env = |name: &str| -> Result<Option<Url>, Error> {
            match var(name).or_else(|| var("all_proxy")) {
                Some(raw) => {
                    // Like curl, a bare "host:port" means an http proxy.
                    let raw = if raw.contains("://") {
                        raw
                    } else {
                        format!("http://{raw}")
                    };
                    Ok(Some(with_netrc(parse_proxy_url(&raw)?)))
                }
                None => Ok(None),
            }
        };
        Ok(ProxyPlan {
            http: from_env("http_proxy")?,
            https: from_env("https_proxy")?,
            no_proxy,
        })
    }

    /// Installs the plan on a reqwest client builder.
    pub(crate) fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        // Disables reqwest's own reading of the environment / system settings.
        let mut builder = builder.no_proxy();
        let no_proxy = || {
            self.no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string)
        };
        let invalid = |e: reqwest::Error| {
            Error::IllegalArgument(format!("the proxy URL is not usable: {}", e.without_url()))
        };
        if let Some(url) = &self.http {
            let proxy = reqwest::Proxy::http(url.as_str()).map_err(invalid)?;
            builder = builder.proxy(proxy.no_proxy(no_proxy()));
        }
        if let Some(url) = &self.https {
            let proxy = reqwest::Proxy::https(url.as_str()).map_err(invalid)?;
            builder = builder.proxy(proxy.no_proxy(no_proxy()));
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + use<> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn opts(trust_env: bool) -> HttpOptions {
        HttpOptions {
            trust_env,
            ..HttpOptions::default()
        }
    }

    #[test]
    fn environment_is_ignored_without_trust_env() {
        let env = env(&[
            ("HTTP_PROXY", "http://p.test:1"),
            ("HTTPS_PROXY", "http://p.test:2"),
        ]);
        assert_eq!(
            ProxyPlan::new(&opts(false), &env).unwrap(),
            ProxyPlan::default()
        );
    }

    #[test]
    fn environment_is_used_with_trust_env() {
        let env = env(&[
            ("HTTP_PROXY", "http://upper.test:1"),
            ("http_proxy", "http://lower.test:1"),
            ("HTTPS_PROXY", "proxy.test:3128"),
            ("NO_PROXY", "localhost,.internal"),
            ("HOME", "/nonexistent-home-for-test"),
        ]);
        let plan = ProxyPlan::new(&opts(true), &env).unwrap();
        assert_eq!(plan.http.unwrap().as_str(), "http://lower.test:1/");
        assert_eq!(plan.https.unwrap().as_str(), "http://proxy.test:3128/");
        assert_eq!(plan.no_proxy.as_deref(), Some("localhost,.internal"));
    }

    #[test]
    fn all_proxy_is_the_fallback() {
        let env = env(&[("ALL_PROXY", "http://all.test:9")]);
        let plan = ProxyPlan::new(&opts(true), &env).unwrap();
        assert_eq!(plan.http.as_ref().unwrap().host_str(), Some("all.test"));
        assert_eq!(plan.https.as_ref().unwrap().host_str(), Some("all.test"));
    }

    #[test]
    fn netrc_fills_missing_credentials_only() {
        let dir = std::env::temp_dir().join(format!("pixelbin-proxy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("netrc");
        std::fs::write(&file, "machine p.test login user password pass\n").unwrap();
        let path = file.to_string_lossy().into_owned();
        let env = env(&[
            ("NETRC", &path),
            ("HTTP_PROXY", "http://p.test:1"),
            ("HTTPS_PROXY", "http://own:creds@p.test:2"),
        ]);
        let plan = ProxyPlan::new(&opts(true), &env).unwrap();
        let http = plan.http.unwrap();
        assert_eq!((http.username(), http.password()), ("user", Some("pass")));
        let https = plan.https.unwrap();
        assert_eq!((https.username(), https.password()), ("own", Some("creds")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn explicit_proxy_wins_and_is_validated() {
        let mut http = opts(false);
        http.proxy = Some("http://explicit.test:8080".into());
        let env = env(&[("HTTP_PROXY", "http://env.test:1")]);
        let plan = ProxyPlan::new(&http, &env).unwrap();
        assert_eq!(plan.http.unwrap().host_str(), Some("explicit.test"));
        http.proxy = Some("socks5://x.test:1".into());
        assert!(ProxyPlan::new(&http, &env).is_err());
    }

    #[test]
    fn bad_env_proxy_is_a_clear_error_without_password() {
        let env = env(&[("HTTPS_PROXY", "ftp://u:topsecret@p.test")]);
        let err = ProxyPlan::new(&opts(true), &env).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("invalid proxy URL"), "{text}");
        assert!(!text.contains("topsecret"), "{text}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_proxy_url("http://u:pw@p.test:1/?token=t"),
            "http://p.test:1/?token=[REDACTED]"
        );
        assert_eq!(redact_proxy_url("::bad pw::"), "<unparsable proxy URL>");
    }
}
