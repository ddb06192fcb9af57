//! Blocking prediction jobs.

use std::fmt;
use std::path::{Path, PathBuf};

use pixelbin_http::Transport;
use pixelbin_predictions::{
    BatchItem, BatchOptions, ModelInfo, ModelSchema, Prediction, PredictionInput, WaitOptions,
};

use super::bulk::BulkIter;
use super::io::SyncWriter;
use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::Predictions`](crate::Predictions): the same methods, each
/// returning once the call is done.
///
/// ```no_run
/// use pixelbin::blocking::PixelbinClient;
/// use pixelbin::{PixelbinConfig, PredictionInput, WaitOptions};
///
/// # fn run() -> Result<(), pixelbin::Error> {
/// let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
/// let input = PredictionInput::new()
///     .url("image", "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg");
/// let done = client
///     .predictions()
///     .create_and_wait("erase_bg", input, None, WaitOptions::default())?;
/// println!("{} {:?}", done.status, done.output_urls());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Predictions {
    inner: pixelbin_predictions::Predictions,
    runtime: BlockingRuntime,
}

impl Predictions {
    pub(crate) fn new(inner: pixelbin_predictions::Predictions, runtime: BlockingRuntime) -> Self {
        Predictions { inner, runtime }
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &Transport {
        self.inner.transport()
    }

    /// Submits a job; see [`pixelbin::predictions::Predictions::create`](crate::predictions::Predictions::create).
    pub fn create(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
    ) -> Result<Prediction, Error> {
        self.runtime.run(
            "Predictions::create",
            self.inner.create(name, input, webhook),
        )
    }

    /// Checks the input against the model's schema, then submits it; see
    /// [`pixelbin::predictions::Predictions::create_checked`](crate::predictions::Predictions::create_checked).
    pub fn create_checked(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
    ) -> Result<Prediction, Error> {
        self.runtime.run(
            "Predictions::create_checked",
            self.inner.create_checked(name, input, webhook),
        )
    }

    /// Runs many jobs; see [`pixelbin::predictions::Predictions::batch_with`](crate::predictions::Predictions::batch_with). The iterator
    /// yields `(key, result)` in completion order; `on_created` gets each job id as soon as its
    /// create is acknowledged (persist it to resume with [`BatchItem::existing`]).
    ///
    /// ```no_run
    /// use pixelbin::predictions::{BatchItem, BatchOptions};
    /// use pixelbin::PredictionInput;
    ///
    /// # fn run(client: pixelbin::blocking::PixelbinClient) -> Result<(), pixelbin::Error> {
    /// let items = ["a.jpg", "b.jpg"].map(|path| {
    ///     BatchItem::create(path, "erase_bg", PredictionInput::new().file_path("image", path))
    /// });
    /// for (path, result) in client.predictions().batch(items, BatchOptions::new(), |_, _| {})? {
    ///     println!("{path}: {:?}", result.map(|job| job.status));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn batch<K, I, F>(
        &self,
        items: I,
        options: BatchOptions,
        on_created: F,
    ) -> Result<BulkIter<K, Prediction>, Error>
    where
        K: Send + 'static,
        I: IntoIterator<Item = BatchItem<K>>,
        I::IntoIter: Send + 'static,
        F: FnMut(&K, &Prediction) + Send + 'static,
    {
        // The batch runs on a task of the client's runtime, so it starts inside it.
        let stream = self.runtime.block_on("Predictions::batch", async {
            self.inner.batch_with(items, options, on_created)
        })?;
        Ok(BulkIter::new(
            self.runtime.clone(),
            "Predictions::batch",
            stream,
        ))
    }

    /// The current state of a job; see [`pixelbin::predictions::Predictions::get`](crate::predictions::Predictions::get).
    pub fn get(&self, request_id: &str) -> Result<Prediction, Error> {
        self.runtime
            .run("Predictions::get", self.inner.get(request_id))
    }

    /// Polls a job until it finishes; see [`pixelbin::predictions::Predictions::wait`](crate::predictions::Predictions::wait).
    pub fn wait(&self, request_id: &str, options: WaitOptions) -> Result<Prediction, Error> {
        self.runtime
            .run("Predictions::wait", self.inner.wait(request_id, options))
    }

    /// [`wait`](Self::wait), calling `on_poll` with every state fetched; see
    /// [`pixelbin::predictions::Predictions::wait_with`](crate::predictions::Predictions::wait_with).
    pub fn wait_with<F>(
        &self,
        request_id: &str,
        options: WaitOptions,
        on_poll: F,
    ) -> Result<Prediction, Error>
    where
        F: FnMut(&Prediction) + Send,
    {
        self.runtime.run(
            "Predictions::wait_with",
            self.inner.wait_with(request_id, options, on_poll),
        )
    }

    /// [`create`](Self::create) then [`wait`](Self::wait); see
    /// [`pixelbin::predictions::Predictions::create_and_wait`](crate::predictions::Predictions::create_and_wait).
    pub fn create_and_wait(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
        options: WaitOptions,
    ) -> Result<Prediction, Error> {
        self.runtime.run(
            "Predictions::create_and_wait",
            self.inner.create_and_wait(name, input, webhook, options),
        )
    }

    /// [`create_and_wait`](Self::create_and_wait) with a callback for every poll; see
    /// [`pixelbin::predictions::Predictions::create_and_wait_with`](crate::predictions::Predictions::create_and_wait_with).
    pub fn create_and_wait_with<F>(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
        options: WaitOptions,
        on_poll: F,
    ) -> Result<Prediction, Error>
    where
        F: FnMut(&Prediction) + Send,
    {
        self.runtime.run(
            "Predictions::create_and_wait_with",
            self.inner
                .create_and_wait_with(name, input, webhook, options, on_poll),
        )
    }

    /// The available models; see [`pixelbin::predictions::Predictions::list`](crate::predictions::Predictions::list).
    pub fn list(&self) -> Result<Vec<ModelInfo>, Error> {
        self.runtime.run("Predictions::list", self.inner.list())
    }

    /// A model's input schema; see [`pixelbin::predictions::Predictions::get_schema`](crate::predictions::Predictions::get_schema).
    pub fn get_schema(&self, name: &str) -> Result<ModelSchema, Error> {
        self.runtime
            .run("Predictions::get_schema", self.inner.get_schema(name))
    }

    /// Downloads every output of a finished job into `dir`; see
    /// [`pixelbin::predictions::Predictions::download_outputs`](crate::predictions::Predictions::download_outputs).
    pub fn download_outputs(
        &self,
        prediction: &Prediction,
        dir: impl AsRef<Path>,
    ) -> Result<Vec<PathBuf>, Error> {
        self.runtime.run(
            "Predictions::download_outputs",
            self.inner.download_outputs(prediction, dir),
        )
    }

    /// Downloads every output of a finished job into `dir`, replacing existing files when
    /// `options` allow it; see [`pixelbin::predictions::Predictions::download_outputs_with`](crate::predictions::Predictions::download_outputs_with).
    pub fn download_outputs_with(
        &self,
        prediction: &Prediction,
        dir: impl AsRef<Path>,
        options: &pixelbin_predictions::DownloadOptions,
    ) -> Result<Vec<PathBuf>, Error> {
        self.runtime.run(
            "Predictions::download_outputs_with",
            self.inner.download_outputs_with(prediction, dir, options),
        )
    }

    /// Downloads one output URL into the file `target`, atomically; see
    /// [`pixelbin::predictions::Predictions::download_output_to`](crate::predictions::Predictions::download_output_to).
    pub fn download_output_to(
        &self,
        url: &str,
        target: &Path,
        options: &pixelbin_predictions::DownloadOptions,
    ) -> Result<u64, Error> {
        self.runtime.run(
            "Predictions::download_output_to",
            self.inner.download_output_to(url, target, options),
        )
    }

    /// Streams one output URL into `writer` and returns the number of bytes written; see
    /// [`pixelbin::predictions::Predictions::download_output`](crate::predictions::Predictions::download_output).
    pub fn download_output<W>(&self, url: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: std::io::Write + ?Sized,
    {
        let mut writer = SyncWriter::new(writer);
        self.runtime.run(
            "Predictions::download_output",
            self.inner.download_output(url, &mut writer),
        )
    }
}

impl fmt::Debug for Predictions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Predictions")
            .field(&self.inner)
            .finish()
    }
}
