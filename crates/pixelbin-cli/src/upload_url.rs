//! `pixelbin upload --from-url URL`: the service fetches the URL and stores it (the URL upload
//! API), with the same naming flags as a local upload.

use pixelbin::platform::UploadParams;

use crate::catalog::json_object;
use crate::context::Context;
use crate::error::CliError;
use crate::upload::UploadArgs;

/// Runs `pixelbin upload --from-url URL`.
pub async fn run(args: UploadArgs, url: &str, ctx: &Context) -> anyhow::Result<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {}
        _ => {
            return Err(CliError::usage(format!(
                "--from-url {url:?} is not an absolute http(s) URL, e.g. https://example.com/photo.jpg"
            )));
        }
    }
    let mut params = UploadParams::new();
    if let Some(name) = args.name {
        params = params.name(name);
    }
    if let Some(path) = args.path {
        params = params.path(path);
    }
    if let Some(access) = args.access {
        params = params.access(pixelbin::upload::Access::from(access));
    }
    if !args.tags.is_empty() {
        params = params.tags(args.tags);
    }
    if let Some(text) = &args.metadata {
        params = params.metadata(json_object("--metadata", text)?);
    }
    if args.overwrite {
        params = params.overwrite(true);
    }
    if args.filename_override {
        params = params.filename_override(true);
    }
    let file = ctx.client()?.assets().url_upload(url, params).await?;
    crate::files::print_file(&file, ctx.out)
}
