//! `pixelbin url parse | build | sign | verify`: transformation and signed CDN URLs, offline.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{ArgGroup, Args, Subcommand};
use pixelbin::url::{UrlError, UrlObj, UrlToObjOptions};
use serde_json::json;

use crate::error::{CliError, Failure};
use crate::output::Output;

/// `pixelbin url ...`
#[derive(Debug, Subcommand)]
pub enum UrlCommand {
    /// Take a Pixelbin URL apart; prints the reference SDK's `url_to_obj` object as JSON.
    Parse(ParseArgs),
    /// Build a URL: from --cloud-name (or --base-url) and --path, or from the JSON object
    /// `url parse` prints, read on stdin (the reference's `obj_to_url`); steps given are
    /// added to its transformations.
    #[command(
        after_help = "Examples:\n  pixelbin url build --cloud-name my-cloud --path shoes/red.jpeg Basic.resize w=300 -- EraseBG.bg\n  pixelbin url parse \"$URL\" | jq '.options.dpr = 2' | pixelbin url build\n  pixelbin url parse \"$URL\" | pixelbin url build t.flip"
    )]
    Build(BuildArgs),
    /// Sign a CDN URL so it is valid for --expiry-seconds from now (adds pbs, pbe, pbt).
    Sign(SignArgs),
    /// Check a signed URL against its token; exit code 3 when it does not verify or expired.
    Verify(VerifyArgs),
}

/// `pixelbin url parse`
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The URL, e.g. `https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:200)/photo.jpeg`
    pub url: String,
    /// The URL is on a custom domain (no cloud name in the path; v1/v2 required).
    #[arg(long)]
    pub custom_domain: bool,
    /// Instead of the object, explain each transformation from the catalogue: operation,
    /// parameters by long name and type, and what is unknown or invalid.
    #[arg(long)]
    pub explain: bool,
}

/// `pixelbin url build`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("origin").args(["cloud_name", "base_url"]).multiple(true)))]
pub struct BuildArgs {
    /// Steps to add, as `pixelbin transformations build` takes them: Plugin.operation (or
    /// t.resize) then NAME=VALUE parameters by long name or URL id; `--` may separate steps.
    #[arg(value_name = "STEP")]
    pub steps: Vec<String>,
    /// Build a new URL in this cloud instead of reading an object on stdin.
    #[arg(long, value_name = "NAME")]
    pub cloud_name: Option<String>,
    /// Build a new URL on this custom domain (`https://img.example.com`) instead of reading an
    /// object on stdin; with --cloud-name, the CDN origin to use (e.g. an emulator's).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The file path of a new URL, e.g. shoes/red.jpeg.
    #[arg(long, value_name = "PATH", requires = "origin")]
    pub path: Option<String>,
    /// The zone slug of a new URL.
    #[arg(long, value_name = "SLUG", requires = "origin")]
    pub zone: Option<String>,
    /// The `dpr` option of a new URL: 0.1 to 5.0, or auto.
    #[arg(long, value_name = "RATIO", requires = "origin")]
    pub dpr: Option<String>,
    /// Sets `f_auto=true` on a new URL (the CDN picks the format).
    #[arg(long, requires = "origin")]
    pub f_auto: bool,
}

/// `pixelbin url sign`
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The URL to sign.
    pub url: String,
    /// How long the signed URL stays valid, in seconds.
    #[arg(long, value_name = "N")]
    pub expiry_seconds: u64,
    /// Access key (token id) of the signing token; sent as `pbt`.
    #[arg(long, value_name = "K")]
    pub access_key: String,
    /// The signing token's secret value (never printed).
    #[arg(
        long,
        value_name = "T",
        env = "PIXELBIN_URL_SIGNING_TOKEN",
        hide_env_values = true
    )]
    pub token: String,
}

/// `pixelbin url verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed URL.
    pub url: String,
    /// The signing token's secret value (never printed).
    #[arg(
        long,
        value_name = "T",
        env = "PIXELBIN_URL_SIGNING_TOKEN",
        hide_env_values = true
    )]
    pub token: String,
}

/// Runs a `url` subcommand.
pub fn run(command: UrlCommand, out: Output) -> anyhow::Result<()> {
    match command {
        UrlCommand::Parse(args) => parse(&args, out),
        UrlCommand::Build(args) => {
            // Steps are checked before stdin is read.
            let steps = crate::transformations::steps_or_none(&args.steps)?;
            let url = match new_object(&args)? {
                Some(obj) => with_steps(obj, steps)?,
                None => {
                    let mut bytes = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut bytes)
                        .context("could not read the URL object from stdin")?;
                    build_bytes(&bytes, steps)?
                }
            };
            out.emit(&json!({ "url": url }), |w| writeln!(w, "{url}"))
        }
        UrlCommand::Sign(args) => {
            require_http_url(&args.url)?;
            let signed = pixelbin::url::sign_url(
                &args.url,
                args.expiry_seconds,
                &args.access_key,
                &args.token,
            )
            .map_err(url_error)?;
            out.emit(&json!({ "url": signed }), |w| writeln!(w, "{signed}"))
        }
        UrlCommand::Verify(args) => verify(&args, out),
    }
}

/// Prints the object as JSON in both modes (it is what `url build` reads back), or with
/// `--explain` what its transformations mean.
fn parse(args: &ParseArgs, out: Output) -> anyhow::Result<()> {
    let obj = pixelbin::url::url_to_obj(
        &args.url,
        UrlToObjOptions {
            is_custom_domain: args.custom_domain,
        },
    )
    .map_err(url_error)?;
    if args.explain {
        return crate::transformations::explain(&obj.transformations, out);
    }
    crate::output::print_json(&obj)
}

/// The object `--cloud-name`/`--base-url` describe; `None` when neither is given (the object
/// comes on stdin).
fn new_object(args: &BuildArgs) -> anyhow::Result<Option<UrlObj<'static>>> {
    let path = args.path.clone().unwrap_or_default();
    let mut obj = match (&args.cloud_name, &args.base_url) {
        (None, None) => return Ok(None),
        (Some(cloud), base) => {
            let obj = UrlObj::new(cloud.clone(), path);
            match base {
                Some(base) => obj.base_url(base.clone()),
                None => obj,
            }
        }
        (None, Some(base)) => UrlObj::on_custom_domain(base.clone(), path),
    };
    if let Some(zone) = &args.zone {
        obj = obj.zone(zone.clone());
    }
    if let Some(dpr) = &args.dpr {
        obj = obj.dpr(pixelbin::url::Dpr::parse(dpr).map_err(url_error)?);
    }
    if args.f_auto {
        obj = obj.f_auto(true);
    }
    Ok(Some(obj))
}

/// `obj_to_url` of the object with `steps` added to its transformations.
fn with_steps(
    mut obj: UrlObj<'_>,
    steps: Vec<pixelbin::url::Transformation<'static>>,
) -> anyhow::Result<String> {
    obj.transformations.extend(steps);
    pixelbin::url::obj_to_url(&obj).map_err(url_error)
}

/// `obj_to_url` of stdin's bytes plus `steps`; text that is not UTF-8 is bad input (exit
/// code 2).
pub fn build_bytes(
    bytes: &[u8],
    steps: Vec<pixelbin::url::Transformation<'static>>,
) -> anyhow::Result<String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "stdin is not UTF-8 text ({e}); pipe in the JSON that `pixelbin url parse` prints"
        ))
    })?;
    build(text, steps)
}

/// `obj_to_url` of a JSON text plus `steps`.
pub fn build(
    text: &str,
    steps: Vec<pixelbin::url::Transformation<'static>>,
) -> anyhow::Result<String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        CliError::usage(format!(
            "stdin is not a JSON object ({e}); pipe in what `pixelbin url parse` prints, or \
             give --cloud-name and --path"
        ))
    })?;
    let obj = UrlObj::from_json(&value).map_err(url_error)?;
    with_steps(obj, steps)
}

fn verify(args: &VerifyArgs, out: Output) -> anyhow::Result<()> {
    require_http_url(&args.url)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match pixelbin::url::verify_signed_url_at(&args.url, &args.token, now) {
        Ok(params) => out.emit(
            &json!({
                "valid": true,
                "expiry": params.expiry,
                "accessKey": params.access_key,
            }),
            |w| {
                writeln!(
                    w,
                    "valid: signed for access key {}, expires at unix time {} (in {} s)",
                    params.access_key.as_deref().unwrap_or("-"),
                    params.expiry,
                    params.expiry.saturating_sub(now)
                )
            },
        ),
        Err(
            e @ (UrlError::SignatureMismatch
            | UrlError::Expired { .. }
            | UrlError::MissingSignatureParam { .. }
            | UrlError::MalformedSignatureParam { .. }),
        ) => {
            if out.json {
                crate::output::print_json(&json!({ "valid": false, "reason": e.to_string() }))?;
            }
            Err(CliError::failed(
                Failure::Mismatch,
                format!("the signed URL does not verify: {e}"),
            ))
        }
        Err(e) => Err(url_error(e)),
    }
}

/// A usage error (exit code 2) unless `url` is an absolute http(s) URL with a host.
pub fn require_http_url(url: &str) -> anyhow::Result<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(CliError::usage(format!(
            "{url:?} is not an absolute http(s) URL, e.g. https://cdn.pixelbin.io/v2/my-cloud/original/photo.jpeg"
        ))),
    }
}

/// URL problems are problems with the input: exit code 2.
fn url_error(error: UrlError) -> anyhow::Error {
    CliError::usage(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_parse_prints() {
        let url = "https://cdn.pixelbin.io/v2/my-cloud/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true";
        let obj = pixelbin::url::url_to_obj(url, UrlToObjOptions::default()).unwrap();
        let text = serde_json::to_string(&obj).unwrap();
        assert_eq!(build(&text, Vec::new()).unwrap(), url);
    }

    #[test]
    fn bad_json_is_a_usage_error() {
        let err = build("not json", Vec::new()).unwrap_err();
        assert_eq!(
            err.downcast_ref::<CliError>().map(|e| e.failure),
            Some(Failure::Usage)
        );
        let err = build_bytes(b"{\"cloudName\": \"\xff\"}", Vec::new()).unwrap_err();
        assert_eq!(
            err.downcast_ref::<CliError>().map(|e| e.failure),
            Some(Failure::Usage)
        );
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        let err = build("{}", Vec::new()).unwrap_err();
        assert!(err.to_string().contains("cloudName"), "{err}");
    }
}
