//! File tools: `list_files`, `get_file` (read-only), `upload_file` and `transform_file`
//! (they write: `--allow-write`).

use anyhow::Context as _;
use pixelbin::cdn::CdnOptions;
use pixelbin::platform::{ListFilesParams, UploadParams};
use pixelbin::upload::Access;
use pixelbin::url::UrlToObjOptions;
use pixelbin::{UploadOptions, UploadRequest, UploadSource};
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::params::Parameters;
use super::server::{PixelbinMcp, ToolResult, reply};
use crate::upload::AccessArg;

/// The largest transformed file `transform_file` saves (the download is refused beyond it).
const MAX_SAVED_BYTES: u64 = 512 * 1024 * 1024;

/// The folder `transform_file` uploads into when none is given.
const TRANSFORM_FOLDER: &str = "mcp-transform";

/// `list_files` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFilesArgs {
    /// Folder to list, e.g. `products/shoes`; default the root folder.
    #[serde(default)]
    pub path: Option<String>,
    /// Only items whose name contains this.
    #[serde(default)]
    pub name: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Items per page (1 to 100, default the service's).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: Option<u32>,
}

/// `get_file` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetFileArgs {
    /// The file id: its folder path and name with extension, e.g. `products/shoe.jpeg`.
    pub file_id: String,
}

/// `upload_file` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadArgs {
    /// A local file (relative to the server's root folder, and inside it) or an http(s) URL
    /// the service fetches.
    pub source: String,
    /// Folder in Pixelbin storage, e.g. `products`; default the root folder.
    #[serde(default)]
    pub folder: Option<String>,
    /// Name without extension; default the local file's (a random one for URLs).
    #[serde(default)]
    pub name: Option<String>,
    /// Who may read it; default the service's (public-read).
    #[serde(default)]
    pub access: Option<AccessArg>,
    /// Tags to attach.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Replace a file of the same name (default false: the service refuses or renames).
    #[serde(default)]
    pub overwrite: bool,
}

/// `transform_file` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransformArgs {
    /// The local image, relative to the server's root folder (and inside it).
    pub path: String,
    /// The transformation pattern, e.g. `t.resize(w:300)~t.flip()` (build_transformation_url
    /// returns one); every operation is checked against the catalogue first.
    pub pattern: String,
    /// Where to save the result, relative to the root folder (and inside it); missing
    /// folders are created.
    pub output: String,
    /// Folder in Pixelbin storage the image is uploaded to (default `mcp-transform`).
    #[serde(default)]
    pub folder: Option<String>,
    /// Replace `output` when it exists (default false: refused before anything is uploaded).
    #[serde(default)]
    pub overwrite: bool,
}

/// What `transform_file` returns.
#[derive(Debug, Serialize)]
struct Transformed {
    /// The saved file, as given.
    output: String,
    /// Its size in bytes.
    bytes: u64,
    /// The transformation URL it was fetched from.
    url: String,
    /// The uploaded original's file id.
    uploaded: Option<String>,
}

#[tool_router(router = asset_tools, vis = "pub(super)")]
impl PixelbinMcp {
    /// List files and folders in Pixelbin storage, one page at a time (`page`, `page_size`;
    /// the answer's `page` says whether there are more). Read-only.
    #[tool(annotations(read_only_hint = true))]
    async fn list_files(&self, Parameters(args): Parameters<ListFilesArgs>) -> ToolResult {
        reply(self.list(args).await)
    }

    /// Get one stored file's details (URL, size, format, dimensions, access, tags) by its
    /// file id (`folder/name.ext`). Read-only.
    #[tool(annotations(read_only_hint = true))]
    async fn get_file(&self, Parameters(args): Parameters<GetFileArgs>) -> ToolResult {
        reply(
            async {
                Ok(self
                    .client()?
                    .assets()
                    .get_file_by_file_id(&args.file_id)
                    .await?)
            }
            .await,
        )
    }

    /// Upload a local file (inside the server's root folder) or a URL to Pixelbin storage;
    /// returns the stored file with its CDN URL. Writes: uses storage of the account; needs
    /// the server's --allow-write.
    #[tool(annotations(read_only_hint = false, destructive_hint = false))]
    async fn upload_file(&self, Parameters(args): Parameters<UploadArgs>) -> ToolResult {
        reply(self.upload(args).await)
    }

    /// Run a local image (inside the server's root folder) through a transformation pattern
    /// and save the result there: uploads the image, fetches its transformation URL from the
    /// CDN and writes the file. Writes, and spends credits: AI operations in the pattern
    /// (erase.bg, sr.upscale...) cost what they cost in a URL, per the account's plan;
    /// needs the server's --allow-write.
    #[tool(annotations(read_only_hint = false, destructive_hint = false))]
    async fn transform_file(&self, Parameters(args): Parameters<TransformArgs>) -> ToolResult {
        reply(self.transform(args).await)
    }
}

impl PixelbinMcp {
    async fn list(
        &self,
        args: ListFilesArgs,
    ) -> anyhow::Result<pixelbin::platform::ListFilesResponse> {
        let mut params = ListFilesParams::new();
        if let Some(path) = args.path {
            params = params.path(path);
        }
        if let Some(name) = args.name {
            params = params.name(name);
        }
        if let Some(page) = args.page {
            anyhow::ensure!(page >= 1, "invalid argument `page`: pages count from 1");
            params = params.page_no(page);
        }
        if let Some(size) = args.page_size {
            anyhow::ensure!(
                (1..=100).contains(&size),
                "invalid argument `page_size`: {size} is not between 1 and 100"
            );
            params = params.page_size(size);
        }
        Ok(self.client()?.assets().list_files(params).await?)
    }

    async fn upload(&self, args: UploadArgs) -> anyhow::Result<pixelbin::platform::FileObject> {
        let client = self.client()?;
        let mut request = UploadRequest::new();
        request.path = args.folder;
        request.name = args.name;
        request.access = args.access.map(Access::from);
        request.tags = (!args.tags.is_empty()).then_some(args.tags);
        request.overwrite = args.overwrite.then_some(true);
        if args.source.starts_with("http://") || args.source.starts_with("https://") {
            // The service fetches it: the same fields, as the URL upload takes them.
            let mut params = UploadParams::new();
            params.path = request.path;
            params.name = request.name;
            params.access = request.access;
            params.tags = request.tags;
            params.overwrite = request.overwrite;
            return Ok(client.assets().url_upload(&args.source, params).await?);
        }
        let path = self.settings.root.file_to_read(&args.source)?;
        Ok(client
            .uploader()
            .upload(
                UploadSource::from_path(path),
                request,
                UploadOptions::default(),
            )
            .await?)
    }

    async fn transform(&self, args: TransformArgs) -> anyhow::Result<Transformed> {
        let answer_by = tokio::time::Instant::now()
            + self
                .settings
                .call_timeout
                .saturating_sub(super::predictions::ANSWER_MARGIN);
        // Everything that can be refused is refused before the upload.
        let transformations = checked_pattern(&args.pattern)?;
        let input = self.settings.root.file_to_read(&args.path)?;
        let output = self.settings.root.confine(&args.output)?;
        if !args.overwrite && std::fs::symlink_metadata(&output).is_ok() {
            anyhow::bail!(
                "'{}' exists; choose another `output` or set `overwrite` to true",
                args.output
            );
        }
        let client = self.client()?;
        let folder = args.folder.unwrap_or_else(|| TRANSFORM_FOLDER.to_owned());
        let stored = client
            .uploader()
            .upload(
                UploadSource::from_path(&input),
                UploadRequest::new().path(folder).overwrite(true),
                UploadOptions::default(),
            )
            .await?;
        let original = stored
            .url
            .as_deref()
            .context("the service stored the image but did not return its URL")?;
        let mut obj = pixelbin::url::url_to_obj(original, UrlToObjOptions::default())
            .context("the stored image's URL is not a Pixelbin URL")?;
        // `url_to_obj` keeps scheme and host only, as the reference does; the file is served
        // where the service said, port included.
        let origin = url::Url::parse(original)
            .context("the stored image's URL is not a URL")?
            .origin()
            .ascii_serialization();
        obj.base_url = origin.into();
        obj.transformations = transformations;
        let url = pixelbin::url::obj_to_url(&obj)?;
        if let Some(dir) = output.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("could not create the folder of '{}'", args.output))?;
        }
        // Through the SDK's CDN client: it waits through the CDN's 202s while an AI
        // transformation renders (until the call's own limit nears), caps the size, writes a
        // temporary file renamed into place, and never sends the API credentials to the CDN.
        let left = answer_by.saturating_duration_since(tokio::time::Instant::now());
        let options = CdnOptions::default()
            .deadline(left)
            .max_bytes(MAX_SAVED_BYTES)
            .overwrite(args.overwrite);
        let saved = client
            .cdn()
            .fetch_to_with(url.clone(), &output, &options)
            .await?;
        let bytes = saved.size;
        Ok(Transformed {
            output: args.output,
            bytes,
            url,
            uploaded: stored.file_id,
        })
    }
}

/// The transformations of `pattern`, each operation known to the catalogue with valid
/// values (presets are the account's own and pass as they are).
fn checked_pattern(pattern: &str) -> anyhow::Result<Vec<pixelbin::url::Transformation<'static>>> {
    let transformations = pixelbin::url::parse_pattern(pattern).with_context(|| {
        format!("invalid argument `pattern`: '{pattern}' is not a transformation pattern")
    })?;
    transformations
        .iter()
        .enumerate()
        .map(|(index, t)| {
            t.checked().with_context(|| {
                format!(
                    "invalid argument `pattern`: operation {index} ({t}); \
                     the resource pixelbin://transformations lists the operations"
                )
            })
        })
        .collect()
}
