//! Webhook delivery: when a job created with a `webhook` URL reaches its final status, the
//! emulator POSTs the final prediction object (exactly what `GET` on the job answers then) as
//! JSON to that URL, signed with `x-erbg-signature: hex(HMAC-SHA256(webhook secret, raw body))`.
//!
//! The payload is this emulator's model of the service's webhook call, not a recording of it.
//! Like image URLs (never downloaded), webhooks stay on this machine: only loopback receivers
//! are called unless `webhook_any_host` is set, so a test's `https://example.com/hook` is
//! logged as not sent instead of reaching the internet.
//! A non-2xx answer, or none within the timeout, is retried up to [`RETRIES`] more times with
//! doubling back-off. Every attempt is logged (see [`WebhookAttempt`]) in the store's database,
//! so the log survives a restart with `--data-dir`; a delivery cut short by a stop (each job
//! keeps its webhook URL) resumes at the next start with its next attempt ([`resume`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use pixelbin_url::{WEBHOOK_SIGNATURE_HEADER, webhook_signature};
use serde::{Deserialize, Serialize};

use crate::options::EmulatorOptions;
use crate::state::AppState;

/// Attempts made after the first failed one.
pub const RETRIES: u32 = 3;
/// Attempts kept in the log; older ones are forgotten so a long run's memory stays bounded.
pub const LOG_CAPACITY: usize = 10_000;

/// One attempt to deliver a webhook, as `GET /_emulator/webhooks` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookAttempt {
    /// Where it was sent.
    pub url: String,
    /// `_id` of the job it reports.
    pub job_id: String,
    /// 1 for the first attempt, up to `1 + RETRIES`.
    pub attempt: u32,
    /// HTTP status of the answer; `None` when there was none (refused, timed out, ...).
    pub status: Option<u16>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// When the attempt started (ISO 8601, UTC).
    pub time: String,
}

/// The sender of one emulator's webhooks and the log of its attempts.
pub struct Webhooks {
    client: reqwest::Client,
    secret: Option<String>,
    any_host: bool,
    backoff: Duration,
    log: Mutex<VecDeque<WebhookAttempt>>,
}

impl Webhooks {
    /// A sender configured by `options`, its log starting with `past` (read back from the
    /// store).
    ///
    /// Its client is bounded like the SDK's: a whole attempt (connect, headers and body) ends
    /// within `webhook_timeout`, redirects are not followed (a receiver moved elsewhere is an
    /// answer, 3xx, not a reason to post the job to another host) and no proxy is used.
    pub fn new(options: &EmulatorOptions, past: Vec<WebhookAttempt>) -> std::io::Result<Webhooks> {
        let client = reqwest::Client::builder()
            .timeout(options.webhook_timeout)
            .connect_timeout(options.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("pixelbin-emulator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Webhooks {
            client,
            secret: options.webhook_secret.clone(),
            any_host: options.webhook_any_host,
            backoff: options.webhook_backoff,
            log: Mutex::new(past.into_iter().collect()),
        })
    }

    /// Every attempt so far, oldest first.
    pub fn attempts(&self) -> Vec<WebhookAttempt> {
        self.log_lock().iter().cloned().collect()
    }

    /// Forgets the logged attempts.
    pub fn clear(&self) {
        self.log_lock().clear();
    }

    fn log_lock(&self) -> std::sync::MutexGuard<'_, VecDeque<WebhookAttempt>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `attempt` to the in-memory log (the store's copy is written by the caller,
    /// `Shared::record_webhook_attempt`).
    pub(crate) fn remember(&self, attempt: WebhookAttempt) {
        tracing::info!(
            url = attempt.url,
            attempt = attempt.attempt,
            status = attempt.status,
            "webhook attempt"
        );
        let mut log = self.log_lock();
        if log.len() == LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(attempt);
    }

    /// Sends `body` to `url` once; the attempt, to log.
    async fn attempt(&self, url: &str, job_id: &str, attempt: u32, body: &[u8]) -> WebhookAttempt {
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if let Some(secret) = &self.secret {
            request = request.header(WEBHOOK_SIGNATURE_HEADER, webhook_signature(body, secret));
        }
        let time = crate::store::ids::now_iso();
        // The answer's body is never read: only its status matters.
        let (status, error) = match request.send().await {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) => (None, Some(describe(&error))),
        };
        WebhookAttempt {
            url: url.to_string(),
            job_id: job_id.to_string(),
            attempt,
            status,
            error,
            time,
        }
    }
}

/// A short reason for a failed attempt (reqwest's own text names the URL, already logged).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer within the webhook timeout".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        text
    }
}

/// Whether an attempt's receiver answered 2xx.
fn delivered(attempt: &WebhookAttempt) -> bool {
    attempt.status.is_some_and(|s| (200..300).contains(&s))
}

/// Delivers the final state of job `job_id` to `url` once it is reached, retrying as the
/// module documents. Stops early when the emulator shuts down.
pub fn schedule(state: &AppState, job_id: String, url: String, done_at: tokio::time::Instant) {
    spawn_delivery(state, job_id, url, done_at, 1);
}

/// Resumes the deliveries a stop cut short: every job with a webhook URL whose log has no
/// delivered attempt, was not refused (a non-loopback URL) and has attempts left gets its
/// next attempt now. Called once at start.
pub fn resume(state: &AppState) {
    let attempts = state.webhooks.attempts();
    let pending: Vec<(String, String, u32)> = state
        .store()
        .jobs()
        .values()
        .filter_map(|job| {
            let url = job.webhook.clone()?;
            let mine: Vec<&WebhookAttempt> =
                attempts.iter().filter(|a| a.job_id == job.id).collect();
            let finished = mine.iter().any(|a| delivered(a) || a.attempt > RETRIES)
                || (!state.webhooks.any_host && !is_loopback(&url) && !mine.is_empty());
            let next = mine.iter().map(|a| a.attempt).max().unwrap_or(0) + 1;
            (!finished).then(|| (job.id.clone(), url, next))
        })
        .collect();
    for (job_id, url, next) in pending {
        spawn_delivery(state, job_id, url, tokio::time::Instant::now(), next);
    }
}

fn spawn_delivery(
    state: &AppState,
    job_id: String,
    url: String,
    done_at: tokio::time::Instant,
    first_attempt: u32,
) {
    let state = state.clone();
    tokio::spawn(async move {
        let shutdown = state.shutdown.clone();
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = deliver(&state, &job_id, &url, done_at, first_attempt) => {}
        }
    });
}

async fn deliver(
    state: &AppState,
    job_id: &str,
    url: &str,
    done_at: tokio::time::Instant,
    first_attempt: u32,
) {
    tokio::time::sleep_until(done_at).await;
    let webhooks = &state.webhooks;
    if !webhooks.any_host && !is_loopback(url) {
        state.record_webhook_attempt(WebhookAttempt {
            url: url.to_string(),
            job_id: job_id.to_string(),
            attempt: 1,
            status: None,
            error: Some(
                "not sent: the emulator delivers webhooks only to loopback receivers (localhost, \
                 127.0.0.1, ::1) unless started with --webhook-any-host"
                    .into(),
            ),
            time: crate::store::ids::now_iso(),
        });
        return;
    }
    let Some(job) = state.store().jobs().get(job_id).cloned() else {
        return;
    };
    let body = crate::routes::predictions::job_json(state, &job)
        .to_string()
        .into_bytes();
    let mut backoff = webhooks.backoff;
    for attempt in first_attempt..=1 + RETRIES {
        let logged = webhooks.attempt(url, job_id, attempt, &body).await;
        let done = delivered(&logged);
        state.record_webhook_attempt(logged);
        if done {
            return;
        }
        if attempt <= RETRIES {
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

/// Whether `url` names this machine: `localhost` or a loopback address.
fn is_loopback(url: &str) -> bool {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_loopback() {
        for url in [
            "http://localhost:8080/hook",
            "http://127.0.0.1/hook",
            "http://127.8.9.10:1/",
            "http://[::1]:9/x",
            "https://LOCALHOST/",
            "http://app.localhost/",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://example.com/webhook",
            "http://10.0.0.1/",
            "http://localhost.example.com/",
            "http://[::2]/",
            "not a url",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
