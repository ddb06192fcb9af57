//! What a transformation run does: [`Transforms`].

use std::path::PathBuf;

use crate::cdn::CdnOptions;

/// The journal's file name in the output folder, where [`Transforms::default_journal`] keeps
/// it (its own name: a transformation and a prediction into one folder keep apart journals).
pub const TRANSFORM_JOURNAL: &str = ".pixelbin-transform.jsonl";

/// Images fetched (and uploaded) at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// What [`transforms`](super::transforms) does: which images, through which pattern, where outputs go, how.
///
/// ```
/// use pixelbin::bulk::Transforms;
/// let job = Transforms::new(["photos"])
///     .pattern("t.resize(w:300)~t.toFormat(f:webp)")
///     .output("thumbs")
///     .concurrency(8)
///     .journal("thumbs/.pixelbin-transform.jsonl");
/// assert_eq!(job.concurrency, 8);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Transforms {
    /// Files and folders (walked recursively, hidden files skipped).
    pub inputs: Vec<PathBuf>,
    /// The transformation pattern, e.g. `t.resize(w:300)~erase.bg()`.
    pub pattern: String,
    /// Where outputs are saved (`output/<input's relative path>.<ext of the output's type>`).
    pub output: Option<PathBuf>,
    /// The remote folder inputs are uploaded to (their sub-folders kept). Default: one of
    /// this run's own, `pixelbin-transform-<16 hex digits>` derived from the pattern, the
    /// output folder and the inputs, so a rerun finds its uploads and other runs do not.
    pub working_folder: Option<String>,
    /// Sets the industry type of every step that takes one (e.g. `erase.bg`'s).
    pub industry_type: Option<String>,
    /// Images uploaded and fetched at once (default [`DEFAULT_CONCURRENCY`]).
    pub concurrency: usize,
    /// Replace output files that exist.
    pub overwrite: bool,
    /// Skip inputs whose output exists (nothing uploaded for them).
    pub skip_existing: bool,
    /// Keep the working uploads at the end (default: deleted once every image is done).
    pub keep_uploads: bool,
    /// The journal file, to resume after a crash.
    pub journal: Option<PathBuf>,
    /// How each fetch waits for the CDN (deadline, body limit).
    pub cdn: CdnOptions,
}

impl Transforms {
    /// Transformations of every image of `inputs`; set the pattern and output next.
    pub fn new<P: Into<PathBuf>>(inputs: impl IntoIterator<Item = P>) -> Transforms {
        Transforms {
            inputs: inputs.into_iter().map(Into::into).collect(),
            pattern: String::new(),
            output: None,
            working_folder: None,
            industry_type: None,
            concurrency: DEFAULT_CONCURRENCY,
            overwrite: false,
            skip_existing: false,
            keep_uploads: false,
            journal: None,
            cdn: CdnOptions::default(),
        }
    }

    /// Sets the transformation pattern.
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = pattern.into();
        self
    }

    /// Saves outputs under `dir`.
    pub fn output(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output = Some(dir.into());
        self
    }

    /// Uploads to the remote `folder` instead of the default working folder.
    pub fn working_folder(mut self, folder: impl Into<String>) -> Self {
        self.working_folder = Some(folder.into());
        self
    }

    /// Sets the industry type of the pattern's steps that take one.
    pub fn industry_type(mut self, industry_type: impl Into<String>) -> Self {
        self.industry_type = Some(industry_type.into());
        self
    }

    /// Sets images at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Replaces output files that exist.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Skips inputs whose output exists.
    pub fn skip_existing(mut self, skip: bool) -> Self {
        self.skip_existing = skip;
        self
    }

    /// Keeps the working uploads at the end.
    pub fn keep_uploads(mut self, keep: bool) -> Self {
        self.keep_uploads = keep;
        self
    }

    /// Where a journal goes when none is named: [`TRANSFORM_JOURNAL`] in the output folder,
    /// so a rerun into the same folder resumes; `None` without an output folder.
    ///
    /// ```
    /// use std::path::Path;
    /// use pixelbin::bulk::Transforms;
    ///
    /// let job = Transforms::new(["photos"]).output("thumbs");
    /// assert_eq!(job.default_journal().as_deref(), Some(Path::new("thumbs/.pixelbin-transform.jsonl")));
    /// ```
    pub fn default_journal(&self) -> Option<PathBuf> {
        self.output.as_ref().map(|dir| dir.join(TRANSFORM_JOURNAL))
    }

    /// Keeps a journal at `path`.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Sets how each fetch waits for the CDN.
    pub fn cdn(mut self, options: CdnOptions) -> Self {
        self.cdn = options;
        self
    }
}
