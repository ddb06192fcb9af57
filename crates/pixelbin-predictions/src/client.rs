//! The `Predictions` client: the six operations of the reference, plus validation and downloads.

use std::fmt;
use std::sync::Arc;

use pixelbin_http::{ApiRequest, ApiResponse, Transport};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

use crate::encode::encode;
use crate::error::Error;
use crate::input::PredictionInput;
use crate::name::ModelName;
use crate::prediction::{ModelInfo, ModelSchema, Prediction};
use crate::validate::validate_input;
use crate::wait::{WaitOptions, poll_with_options};

/// Path of the authenticated prediction endpoints (create, get).
const PLATFORM_PATH: &str = "/service/platform/transformation/v1.0/predictions";
/// Path of the public model catalogue (list, schema).
const PUBLIC_PATH: &str = "/service/public/transformation/v1.0/predictions";

/// Creates, tracks and waits for prediction jobs. Cheap to clone: clones share one transport
/// (and so one connection pool) and one in-flight limit.
#[derive(Clone)]
pub struct Predictions {
    transport: Transport,
    /// Bounds requests in flight, from sending until the body is read (see `max_in_flight`).
    in_flight: Option<Arc<Semaphore>>,
    max_in_flight: Option<usize>,
}

impl fmt::Debug for Predictions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Predictions")
            .field("domain", &self.transport.config().domain().as_str())
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

impl Predictions {
    /// A client over `transport`.
    pub fn new(transport: Transport) -> Self {
        Predictions {
            transport,
            in_flight: None,
            max_in_flight: None,
        }
    }

    /// Allows at most `max` requests of this client (and its clones) in flight at once, each
    /// counted until its response body is read; more wait their turn. Useful to run many jobs
    /// at once over a bounded number of connections: the pool then needs about `max`
    /// connections (a few more at most, as it may open a spare one while a finished request's
    /// connection is on its way back). `0` counts as 1. Waiting between polls holds no slot.
    ///
    /// ```no_run
    /// # use pixelbin_predictions::Predictions;
    /// # fn f(transport: pixelbin_http::Transport) {
    /// let predictions = Predictions::new(transport).max_in_flight(16);
    /// # }
    /// ```
    pub fn max_in_flight(mut self, max: usize) -> Self {
        let max = max.max(1);
        self.in_flight = Some(Arc::new(Semaphore::new(max)));
        self.max_in_flight = Some(max);
        self
    }

    /// Deprecated name of [`max_in_flight`](Self::max_in_flight).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `max_in_flight`, the `field(value)` style of every builder"
    )]
    pub fn with_max_in_flight(self, max: usize) -> Self {
        self.max_in_flight(max)
    }

    /// Sends `req` and reads its body, within the in-flight limit.
    async fn send(&self, req: ApiRequest) -> Result<ApiResponse, Error> {
        let _slot = self.slot().await;
        Ok(self.transport.send(req).await?)
    }

    /// A slot of the in-flight limit, if there is one. The semaphore is never closed, so
    /// acquiring cannot fail; if it somehow did, the request goes ahead unbounded.
    pub(crate) async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        match &self.in_flight {
            Some(semaphore) => semaphore.clone().acquire_owned().await.ok(),
            None => None,
        }
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// `base` joined with `segments`, each percent-encoded as one path segment.
    fn url(&self, base: &str, segments: &[&str]) -> Result<Url, Error> {
        Ok(self.transport.endpoint(base, segments)?)
    }

    /// Submits a prediction job for model `name` (`plugin_operation`, e.g. `erase_bg`).
    ///
    /// Path and reader files are read first; the body is multipart when any field is a file,
    /// JSON otherwise (see [`PredictionInput`]). `webhook`, when non-empty, is sent as the
    /// `webhook` field. The request is not retried on server errors, since a retry could start
    /// (and bill) a second job.
    pub async fn create(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
    ) -> Result<Prediction, Error> {
        let model = ModelName::parse(name)?;
        let input = input.load().await?;
        self.send_create(name, &model, &input, webhook, None).await
    }

    /// [`create`](Self::create) sent exactly once: even a 429 or a connection that failed
    /// before sending is handed back rather than retried, so a batch can pace itself.
    pub(crate) async fn create_once(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
    ) -> Result<Prediction, Error> {
        let model = ModelName::parse(name)?;
        let input = input.load().await?;
        self.send_create(name, &model, &input, webhook, Some(0))
            .await
    }

    /// Like [`create`](Self::create), but first fetches the model's schema and refuses an
    /// input that does not fit it ([`Error::InvalidInput`], see [`validate_input`]) before the
    /// job is submitted.
    pub async fn create_checked(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
    ) -> Result<Prediction, Error> {
        let model = ModelName::parse(name)?;
        let schema = self.get_schema(name).await?;
        let input = input.load().await?;
        validate_input(&schema, &input)?;
        self.send_create(name, &model, &input, webhook, None).await
    }

    async fn send_create(
        &self,
        name: &str,
        model: &ModelName<'_>,
        input: &PredictionInput,
        webhook: Option<&str>,
        max_retries: Option<u32>,
    ) -> Result<Prediction, Error> {
        let body = encode(name, input, webhook)?.into_body()?;
        let url = self.url(PLATFORM_PATH, &[model.plugin, model.operation])?;
        let mut request = ApiRequest::post(url).body(body);
        if let Some(n) = max_retries {
            request = request.max_retries(n);
        }
        let response = self.send(request).await?;
        let prediction: Prediction = response.json()?;
        tracing::debug!(model = name, id = %prediction.id, status = %prediction.status, "prediction created");
        Ok(prediction)
    }

    /// Fetches the current state of prediction `request_id` (the `_id` from `create`).
    pub async fn get(&self, request_id: &str) -> Result<Prediction, Error> {
        if request_id.is_empty() {
            return Err(Error::IllegalArgument(
                "requestId (string) is required".into(),
            ));
        }
        let url = self.url(PLATFORM_PATH, &[request_id])?;
        let response = self.send(ApiRequest::get(url)).await?;
        Ok(response.json()?)
    }

    /// Polls `request_id` until it reaches `SUCCESS` or `FAILURE`, and returns it.
    ///
    /// `FAILURE` is a normal result, as in the reference; use [`Prediction::into_result`] to
    /// turn it into an error. Polling follows [`WaitOptions`]; if the attempts run out the
    /// error is [`Error::WaitExhausted`], if the deadline does, [`Error::DeadlineExceeded`], both
    /// carrying the last state seen (the reference instead returns the unfinished job as if it
    /// were final). A poll that fails after the transport's own retries is polled again when
    /// the failure may pass (a 5xx, a lost connection: up to 5 in a row), else (e.g. a 4xx) it
    /// ends the wait with that error. Dropping the future stops polling at once.
    pub async fn wait(&self, request_id: &str, options: WaitOptions) -> Result<Prediction, Error> {
        self.wait_with(request_id, options, |_| {}).await
    }

    /// Like [`wait`](Self::wait), calling `on_poll` with every state fetched (progress
    /// reporting, logging), including the final one.
    pub async fn wait_with<F>(
        &self,
        request_id: &str,
        options: WaitOptions,
        mut on_poll: F,
    ) -> Result<Prediction, Error>
    where
        F: FnMut(&Prediction) + Send,
    {
        if request_id.is_empty() {
            return Err(Error::IllegalArgument("requestId is required".into()));
        }
        self.poll(request_id, options, Instant::now(), None, &mut on_poll)
            .await
    }

    /// [`create`](Self::create) then [`wait`](Self::wait). The deadline, if any, covers both.
    pub async fn create_and_wait(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
        options: WaitOptions,
    ) -> Result<Prediction, Error> {
        self.create_and_wait_with(name, input, webhook, options, |_| {})
            .await
    }

    /// [`create_and_wait`](Self::create_and_wait) with a callback for every polled state (the
    /// state returned by `create` is not reported, only polls).
    pub async fn create_and_wait_with<F>(
        &self,
        name: &str,
        input: PredictionInput,
        webhook: Option<&str>,
        options: WaitOptions,
        mut on_poll: F,
    ) -> Result<Prediction, Error>
    where
        F: FnMut(&Prediction) + Send,
    {
        let started = Instant::now();
        let create = self.create(name, input, webhook);
        // A deadline too far away to represent is no deadline.
        let deadline = options
            .deadline
            .and_then(|limit| Some((started.checked_add(limit)?, limit)));
        let job = match deadline {
            Some((at, limit)) => match tokio::time::timeout_at(at, create).await {
                Ok(job) => job?,
                Err(_) => {
                    return Err(Error::DeadlineExceeded {
                        id: None,
                        last: None,
                        attempts: 0,
                        deadline: limit,
                    });
                }
            },
            None => create.await?,
        };
        let id = job.id.clone();
        self.poll(&id, options, started, Some(job), &mut on_poll)
            .await
    }

    /// The polling loop shared by `wait` and `create_and_wait`.
    async fn poll(
        &self,
        request_id: &str,
        options: WaitOptions,
        started: Instant,
        last: Option<Prediction>,
        on_poll: &mut (dyn FnMut(&Prediction) + Send),
    ) -> Result<Prediction, Error> {
        poll_with_options(
            request_id,
            || self.get(request_id),
            options,
            started,
            last,
            on_poll,
        )
        .await
    }

    /// The available models.
    pub async fn list(&self) -> Result<Vec<ModelInfo>, Error> {
        let url = self.url(PUBLIC_PATH, &[])?;
        let response = self.send(ApiRequest::get(url)).await?;
        Ok(response.json()?)
    }

    /// The input schema of model `name` (e.g. `erase_bg`).
    pub async fn get_schema(&self, name: &str) -> Result<ModelSchema, Error> {
        if name.is_empty() {
            return Err(Error::IllegalArgument("name (string) is required".into()));
        }
        let url = self.url(PUBLIC_PATH, &["schema", name])?;
        let response = self.send(ApiRequest::get(url)).await?;
        Ok(response.json()?)
    }
}
