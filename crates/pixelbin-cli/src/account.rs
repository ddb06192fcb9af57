//! `pixelbin login | logout | config ... | org`: profiles of the config file and the account
//! behind a token.

use std::io::{IsTerminal, Read};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::profiles::{ConfigFile, Key, Profile, mask};

/// Longest token read from stdin: far above any real token, so a wrong pipe is refused early.
const MAX_TOKEN_BYTES: u64 = 4096;

/// `pixelbin login`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  pixelbin login                                   # asks for the token (not echoed)
  pixelbin login --profile staging --domain https://api.staging.example
  echo \"$TOKEN\" | pixelbin login --with-token --profile ci

The token is checked with one request (the organization's details) before it is saved, with
--domain when given (saved too), else the profile's domain, else https://api.pixelbin.io.")]
pub struct LoginArgs {
    /// Read the token from stdin instead of asking for it.
    #[arg(long)]
    pub with_token: bool,
}

/// `pixelbin config ...`
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Keys: domain, api-secret, request-timeout, output (text or json). Each applies unless a flag
or an environment variable gives the setting. The profile is --profile (PIXELBIN_PROFILE),
else `default`. The file is $XDG_CONFIG_HOME/pixelbin/config.toml (~/.config/pixelbin/config.toml),
kept private (0600); a file that others can read is refused while it holds a token.

Examples:
  pixelbin config set domain http://127.0.0.1:8080 --profile local
  pixelbin config set output json
  pixelbin config get api-secret --profile staging   # masked
  pixelbin --profile staging files list")]
pub enum ConfigCommand {
    /// Set KEY of the profile to VALUE (created if needed). Without VALUE, `api-secret` is
    /// read from stdin, or asked for without echo.
    Set {
        /// The setting.
        #[arg(value_enum)]
        key: Key,
        /// The value.
        value: Option<String>,
    },
    /// Print KEY of the profile (a secret masked); exit code 1 when it is not set.
    Get {
        /// The setting.
        #[arg(value_enum)]
        key: Key,
    },
    /// List every profile and its settings (secrets masked), or only the --profile given.
    List,
    /// Remove KEY from the profile.
    Unset {
        /// The setting.
        #[arg(value_enum)]
        key: Key,
    },
    /// Print where the config file is.
    Path,
}

/// Runs `pixelbin login`: reads the token, checks it, saves it (and `--domain`, if given).
pub async fn login(args: LoginArgs, global: &GlobalArgs, ctx: &Context) -> anyhow::Result<()> {
    let token = if args.with_token {
        read_stdin_token()?
    } else {
        prompt_token("Paste your Pixelbin API token (Settings > Tokens in the console): ")?
    };
    let details = ctx
        .client_with_secret(&token)?
        .organization()
        .get_app_org_details()
        .await
        .context("the token was not accepted; nothing saved")?;
    let mut config = ConfigFile::load()?;
    if let Some(domain) = &global.domain {
        config.set(&ctx.profile, Key::Domain, domain)?;
    }
    config.set(&ctx.profile, Key::ApiSecret, &token)?;
    config.save()?;
    let org = details.org.as_ref();
    let name = org.and_then(|o| o.name.as_deref()).unwrap_or("-");
    let cloud = org.and_then(|o| o.cloud_name.as_deref()).unwrap_or("-");
    ctx.out.emit(
        &json!({
            "profile": ctx.profile,
            "domain": ctx.domain,
            "organization": name,
            "cloudName": cloud,
            "configFile": config.path(),
        }),
        |w| {
            writeln!(
                w,
                "Logged in to {name} (cloud {cloud}) on {}; saved in profile {:?} of {}",
                ctx.domain,
                ctx.profile,
                config.path().display()
            )
        },
    )
}

/// Runs `pixelbin logout`: removes the profile's token, keeps its other settings.
pub fn logout(ctx: &Context) -> anyhow::Result<()> {
    let mut config = ConfigFile::load()?;
    let removed = config.unset(&ctx.profile, Key::ApiSecret);
    if removed {
        config.save()?;
    }
    let profile = &ctx.profile;
    ctx.out
        .emit(&json!({"profile": profile, "removed": removed}), |w| {
            if removed {
                writeln!(w, "Removed the API token of profile {profile:?}")
            } else {
                writeln!(w, "Profile {profile:?} holds no API token; nothing to do")
            }
        })
}

/// Runs a `config` subcommand.
pub fn config(command: ConfigCommand, global: &GlobalArgs, ctx: &Context) -> anyhow::Result<()> {
    let out = ctx.out;
    let profile = ctx.profile.as_str();
    let mut config = ConfigFile::load()?;
    match command {
        ConfigCommand::Set { key, value } => {
            let value = match value {
                Some(value) => value,
                None if key == Key::ApiSecret && std::io::stdin().is_terminal() => {
                    prompt_token("API secret: ")?
                }
                None if key == Key::ApiSecret => read_stdin_token()?,
                None => {
                    return Err(CliError::usage(format!(
                        "give the value: `pixelbin config set {key} VALUE`"
                    )));
                }
            };
            config.set(profile, key, &value)?;
            config.save()?;
            let shown = shown(key, &value);
            out.emit(
                &json!({"profile": profile, "key": key.name(), "value": shown}),
                |w| writeln!(w, "{key} = {shown} (profile {profile:?})"),
            )
        }
        ConfigCommand::Get { key } => {
            let Some(value) = config.profile(profile)?.get(key) else {
                return Err(anyhow::anyhow!(
                    "{key} is not set in profile {profile:?} of {}",
                    config.path().display()
                ));
            };
            let shown = shown(key, &value);
            out.emit(
                &json!({"profile": profile, "key": key.name(), "value": shown}),
                |w| writeln!(w, "{shown}"),
            )
        }
        ConfigCommand::List => {
            // Every profile, unless one was named (--profile or PIXELBIN_PROFILE).
            let names = match &global.profile {
                Some(name) => vec![name.clone()],
                None => config.profile_names(),
            };
            let mut all = Map::new();
            for name in &names {
                all.insert(name.clone(), profile_json(&config.profile(name)?));
            }
            out.emit(
                &json!({"configFile": config.path(), "profiles": all}),
                |w| {
                    writeln!(w, "# {}", config.path().display())?;
                    if names.is_empty() {
                        writeln!(w, "no profiles yet: `pixelbin login` creates one")?;
                    }
                    for (name, settings) in &all {
                        writeln!(w, "[{name}]")?;
                        for (key, value) in settings.as_object().into_iter().flatten() {
                            writeln!(w, "  {key} = {}", value.as_str().unwrap_or_default())?;
                        }
                    }
                    Ok(())
                },
            )
        }
        ConfigCommand::Unset { key } => {
            let removed = config.unset(profile, key);
            if removed {
                config.save()?;
            }
            out.emit(
                &json!({"profile": profile, "key": key.name(), "removed": removed}),
                |w| {
                    if removed {
                        writeln!(w, "removed {key} from profile {profile:?}")
                    } else {
                        writeln!(w, "{key} was not set in profile {profile:?}")
                    }
                },
            )
        }
        ConfigCommand::Path => {
            let path = config.path();
            out.emit(&json!({"configFile": path}), |w| {
                writeln!(w, "{}", path.display())
            })
        }
    }
}

/// A value as `config` prints it: secrets masked.
fn shown(key: Key, value: &str) -> String {
    if key == Key::ApiSecret {
        mask(value)
    } else {
        value.to_string()
    }
}

/// A profile's set keys as a JSON object, secrets masked.
fn profile_json(profile: &Profile) -> Value {
    let mut map = Map::new();
    for key in Key::ALL {
        if let Some(value) = profile.get(key) {
            map.insert(key.name().into(), shown(key, &value).into());
        }
    }
    Value::Object(map)
}

/// The token piped on stdin, trimmed; bounded and checked to be one line of text.
fn read_stdin_token() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_TOKEN_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("could not read the token from stdin")?;
    if bytes.len() as u64 > MAX_TOKEN_BYTES {
        return Err(CliError::usage(format!(
            "stdin holds more than {MAX_TOKEN_BYTES} bytes: pipe in the API token alone"
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage("the token on stdin is not UTF-8 text"))?;
    let token = text.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(CliError::usage(
            "stdin must hold the API token alone (one line), e.g. `echo \"$TOKEN\" | pixelbin login --with-token`",
        ));
    }
    Ok(token.to_string())
}

/// Asks for the token on the terminal without echoing it.
fn prompt_token(prompt: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "stdin is not a terminal: pass --with-token to read the token from stdin",
        ));
    }
    let token = rpassword::prompt_password(prompt).context("could not read the token")?;
    let token = token.trim();
    if token.is_empty() {
        return Err(CliError::usage("no token given; nothing saved"));
    }
    Ok(token.to_string())
}

/// Runs `pixelbin org`: the organization and app behind the token (the token itself, when the
/// service includes it, is never printed).
pub async fn org(ctx: &Context) -> anyhow::Result<()> {
    let mut details = ctx.client()?.organization().get_app_org_details().await?;
    if let Some(app) = details.app.as_mut() {
        app.token = None;
    }
    print_org(&details, ctx.out)
}

fn print_org(details: &pixelbin::platform::AppOrgDetails, out: Output) -> anyhow::Result<()> {
    use crate::output::or_dash;
    out.emit(details, |w| {
        if let Some(org) = &details.org {
            writeln!(w, "organization: {}", or_dash(org.name.as_deref()))?;
            writeln!(w, "id:           {}", or_dash(org.id))?;
            writeln!(w, "cloud name:   {}", or_dash(org.cloud_name.as_deref()))?;
        }
        if let Some(app) = &details.app {
            writeln!(w, "app:          {}", or_dash(app.name.as_deref()))?;
            writeln!(w, "permissions:  {}", app.permissions.join(", "))?;
        }
        Ok(())
    })
}
