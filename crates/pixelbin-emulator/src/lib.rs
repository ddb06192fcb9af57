//! `pixelbin-emulator`: a local, Pixelbin-compatible server for tests, demos and CI.
//!
//! It speaks the wire protocol of the real Pixelbin API (same paths, bodies and status codes) on
//! 127.0.0.1, keeps everything in memory (file contents in a temporary directory), and can inject
//! faults (errors, latency, connection resets) so clients' retry logic can be tested. It also
//! behaves like a service your code has to live with: signed webhook deliveries with retries
//! ([`EmulatorOptions::webhook_secret`], [`Emulator::webhook_attempts`]), credits that run out
//! ([`EmulatorOptions::credits`], then `403 Usage Limit Exceeded`), the model schema's image
//! limits, and per-token rate and running-job limits.
//!
//! ```no_run
//! use pixelbin_emulator::{Emulator, EmulatorOptions, Fault};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let emulator = Emulator::start(EmulatorOptions {
//!     api_secret: Some("test-secret".into()),
//!     faults: vec![Fault::failing(503, 1.0).on_routes(["upload.part"]).with_retry_after(1)],
//!     ..EmulatorOptions::default()
//! })
//! .await?;
//! // Point the SDK at emulator.url() instead of https://api.pixelbin.io ...
//! println!("listening on {}", emulator.url());
//! assert_eq!(emulator.request_count("upload.part"), 0);
//! # Ok(())
//! # }
//! ```
//!
//! From synchronous code (or any runtime), [`Emulator::spawn`] runs the server on its own
//! thread:
//!
//! ```
//! let emulator = pixelbin_emulator::Emulator::spawn(Default::default()).unwrap();
//! assert!(emulator.url().starts_with("http://127.0.0.1:"));
//! // Dropping it stops the server.
//! ```
//!
//! Route names, used by [`Fault::routes`], [`Emulator::request_count`] and
//! [`Emulator::recorded`], are listed by [`route_names`].
//!
//! Also here: [`cli::EmulatorArgs`], the command-line flags of a served emulator (shared by the
//! `pixelbin-emulator` binary and `pixelbin emulator`), and [`media::sample_png`], a small
//! generated photo for demos and tests.

pub mod cli;
mod jobs;
pub mod media;
mod network;
mod options;
mod routes;
mod state;
mod store;
mod transform;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use crate::jobs::webhooks::WebhookAttempt;
pub use crate::network::NetworkModel;
pub use crate::options::{EmulatorOptions, Fault};
pub use crate::routes::route_names;
pub use crate::state::{CLOUD_NAME, ORG_ID};
pub use crate::wire::record::{RecordedBody, RecordedField, RecordedRequest};

/// A running emulator. Dropping it stops the server (and its thread, if [`spawn`]ed).
///
/// [`spawn`]: Emulator::spawn
pub struct Emulator {
    addr: SocketAddr,
    local_url: String,
    state: state::AppState,
    shutdown: CancellationToken,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator on the current tokio runtime, bound to 127.0.0.1.
    ///
    /// # Errors
    /// When the port cannot be bound, the temporary directory cannot be created, or there is no
    /// tokio runtime (use [`Emulator::spawn`] then).
    pub async fn start(options: EmulatorOptions) -> std::io::Result<Emulator> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(std::io::Error::other(
                "Emulator::start needs a tokio runtime; use Emulator::spawn from synchronous code",
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let addr = listener.local_addr()?;
        let local_url = format!("http://{addr}");
        let public_url = match &options.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => local_url.clone(),
        };
        let state = Arc::new(state::Shared::new(&options, public_url)?);
        jobs::webhooks::resume(&state);
        let shutdown = state.shutdown.clone();
        let app = routes::router(state.clone());
        let network = options
            .network
            .clone()
            .filter(|m| !m.is_transparent() || m.connect_rtts > 0)
            .map(network::Network::new);
        let limits = network::server::ConnLimits::new(options.idle_timeout);
        tokio::spawn(network::server::serve(
            listener,
            app,
            shutdown.clone(),
            network,
            limits,
        ));
        tracing::info!(%addr, "pixelbin-emulator started");
        Ok(Emulator {
            addr,
            local_url,
            state,
            shutdown,
            thread: None,
        })
    }

    /// Starts an emulator on its own thread with its own runtime; usable from synchronous code
    /// and from any async runtime.
    ///
    /// # Errors
    /// When the thread, runtime or listener cannot be created.
    pub fn spawn(options: EmulatorOptions) -> std::io::Result<Emulator> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("pixelbin-emulator".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                let shutdown = runtime.block_on(async {
                    match Emulator::start(options).await {
                        Ok(emulator) => {
                            let shutdown = emulator.shutdown.clone();
                            let _ = sender.send(Ok(emulator));
                            Some(shutdown)
                        }
                        Err(error) => {
                            let _ = sender.send(Err(error));
                            None
                        }
                    }
                });
                if let Some(shutdown) = shutdown {
                    runtime.block_on(shutdown.cancelled());
                }
                runtime.shutdown_timeout(std::time::Duration::from_secs(2));
            })?;
        let mut emulator = receiver
            .recv()
            .map_err(|_| std::io::Error::other("the emulator thread stopped before starting"))??;
        emulator.thread = Some(thread);
        Ok(emulator)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: where to point the SDK.
    pub fn url(&self) -> String {
        self.local_url.clone()
    }

    /// The base of the URLs the emulator hands out ([`EmulatorOptions::public_url`], or
    /// [`url`](Self::url)).
    pub fn public_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests seen on `route` (a route name or a glob such as `upload.*`), faulted ones too.
    pub fn request_count(&self, route: &str) -> u64 {
        self.state.recorder.count(route)
    }

    /// Forgets all request counts, recorded requests and the created-predictions count (what
    /// `POST /_emulator/reset` does).
    pub fn reset_counts(&self) {
        routes::admin::reset_counts(&self.state);
    }

    /// Prediction jobs created since start or the last [`reset_counts`](Emulator::reset_counts)
    /// (creates refused with an error are not counted).
    pub fn predictions_created(&self) -> u64 {
        self.state
            .predictions_created
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What `GET /_emulator/stats` answers: `{"requests": {route: count}, "predictions_created":
    /// N, "files": N}`.
    pub fn stats(&self) -> serde_json::Value {
        routes::admin::stats_json(&self.state)
    }

    /// Every webhook delivery attempt so far, oldest first (what `GET /_emulator/webhooks`
    /// answers).
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.state.webhooks.attempts()
    }

    /// Replaces the faults in force.
    pub fn set_faults(&self, faults: Vec<Fault>) {
        if let Ok(mut plan) = self.state.faults.write() {
            plan.set_faults(faults);
        }
    }

    /// Makes the next `count` requests on `route` (a name or glob) fail with `status`,
    /// regardless of the random faults: a deterministic way to test retries.
    pub fn fail_next(&self, route: &str, count: u64, status: u16) {
        if let Ok(mut plan) = self.state.faults.write() {
            plan.fail_next(route, count, status);
        }
    }

    /// Delays the next `count` requests on `route` (a name or glob) by `latency` before
    /// handling them normally: one slow request among fast ones (e.g. to test hedging).
    pub fn delay_next(&self, route: &str, count: u64, latency: std::time::Duration) {
        if let Ok(mut plan) = self.state.faults.write() {
            plan.delay_next(route, count, latency);
        }
    }

    /// The requests `route` (a name or glob) received, oldest first, with decoded bodies.
    pub fn recorded(&self, route: &str) -> Vec<RecordedRequest> {
        self.state.recorder.recorded(route)
    }

    /// Number of signed multipart uploads started and not yet completed.
    pub fn pending_uploads(&self) -> usize {
        self.state
            .store()
            .uploads
            .values()
            .filter(|u| u.completed.is_none())
            .count()
    }

    /// Number of stored files (the playground's default asset included).
    pub fn file_count(&self) -> usize {
        self.state.store().files().len()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
