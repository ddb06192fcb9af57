//! Fault injection and request observation: every request is named, counted and recorded, then
//! may be delayed, answered with an injected error, or have its connection reset.

use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio_util::sync::CancellationToken;

use crate::options::{Fault, route_matches};
use crate::routes::RouteNames;
use crate::state::AppState;
use crate::wire::errors::ApiError;
use crate::wire::record::{RecordedBody, RecordedRequest};

/// Faults in force, scripted failures and the seeded random numbers behind decisions.
pub struct FaultPlan {
    faults: Vec<Fault>,
    scripted: Vec<Scripted>,
    rng: StdRng,
}

/// "Fail (or delay) the next `remaining` requests of `route`."
struct Scripted {
    route: String,
    remaining: u64,
    action: ScriptedAction,
}

/// What a scripted fault does.
#[derive(Clone, Copy)]
enum ScriptedAction {
    Fail(u16),
    Delay(Duration),
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Handle it normally after `latency`.
    Pass {
        /// Added delay.
        latency: Duration,
    },
    /// Answer with an injected error after `latency`.
    Fail {
        /// Added delay.
        latency: Duration,
        /// Status to answer.
        status: u16,
        /// `Retry-After` seconds.
        retry_after: Option<u64>,
    },
    /// Drop the connection after `latency`.
    Reset {
        /// Added delay.
        latency: Duration,
    },
}

impl FaultPlan {
    /// A plan with `faults` and random numbers seeded by `seed`.
    pub fn new(faults: Vec<Fault>, seed: u64) -> FaultPlan {
        FaultPlan {
            faults,
            scripted: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Replaces the faults (scripted failures and the random sequence carry on).
    pub fn set_faults(&mut self, faults: Vec<Fault>) {
        self.faults = faults;
    }

    /// Makes the next `count` requests on `route` (a name or glob) fail with `status`.
    pub fn fail_next(&mut self, route: &str, count: u64, status: u16) {
        self.scripted.push(Scripted {
            route: route.to_string(),
            remaining: count,
            action: ScriptedAction::Fail(status),
        });
    }

    /// Delays the next `count` requests on `route` (a name or glob) by `latency`, then
    /// handles them normally.
    pub fn delay_next(&mut self, route: &str, count: u64, latency: Duration) {
        self.scripted.push(Scripted {
            route: route.to_string(),
            remaining: count,
            action: ScriptedAction::Delay(latency),
        });
    }

    /// Decides the fate of one request on `route`.
    pub fn decide(&mut self, route: &str) -> Decision {
        if let Some(script) = self
            .scripted
            .iter_mut()
            .find(|s| s.remaining > 0 && route_matches(&s.route, route))
        {
            script.remaining -= 1;
            let action = script.action;
            self.scripted.retain(|s| s.remaining > 0);
            return match action {
                ScriptedAction::Fail(status) => Decision::Fail {
                    latency: Duration::ZERO,
                    status,
                    retry_after: None,
                },
                ScriptedAction::Delay(latency) => Decision::Pass { latency },
            };
        }
        let mut latency = Duration::ZERO;
        for fault in self.faults.iter().filter(|f| f.applies_to(route)) {
            latency += fault.latency;
            // Draw both numbers every time so one fault's rates do not shift another's sequence.
            let reset_roll: f64 = self.rng.random();
            let fail_roll: f64 = self.rng.random();
            if reset_roll < fault.reset_rate {
                return Decision::Reset { latency };
            }
            if fail_roll < fault.fail_rate {
                return Decision::Fail {
                    latency,
                    status: fault.status,
                    retry_after: fault.retry_after,
                };
            }
        }
        Decision::Pass { latency }
    }
}

/// Per-connection handle that drops the connection with a TCP reset when cancelled.
#[derive(Clone, Debug)]
pub struct ConnReset(pub CancellationToken);

/// Middleware: names, counts and records each request, then applies the fault plan.
pub async fn observe(
    State((state, names)): State<(AppState, RouteNames)>,
    mut request: Request,
    next: Next,
) -> Response {
    let matched = request.extensions().get::<MatchedPath>();
    let route = names.name(request.method(), matched.map(MatchedPath::as_str));

    let slot = state.recorder.record(route, snapshot(&request));
    request.extensions_mut().insert(slot);
    tracing::info!(
        route,
        method = %request.method(),
        path = request.uri().path(),
        "request"
    );

    if let Err(refused) = state
        .limits
        .admit_request(request.uri().path(), request.headers())
    {
        tracing::info!(route, "rate limited");
        crate::wire::extract::drain(request.into_body()).await;
        return refused.into_response();
    }

    let decision = state
        .faults
        .write()
        .map(|mut plan| plan.decide(route))
        .unwrap_or(Decision::Pass {
            latency: Duration::ZERO,
        });
    let latency = match &decision {
        Decision::Pass { latency }
        | Decision::Fail { latency, .. }
        | Decision::Reset { latency } => *latency,
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match decision {
        Decision::Pass { .. } => next.run(request).await,
        Decision::Fail {
            status,
            retry_after,
            ..
        } => {
            tracing::info!(route, status, "injected failure");
            crate::wire::extract::drain(request.into_body()).await;
            ApiError::injected(status, retry_after).into_response()
        }
        Decision::Reset { .. } => {
            tracing::info!(route, "injected connection reset");
            match request.extensions().get::<ConnReset>().cloned() {
                Some(reset) => {
                    crate::wire::extract::read_first_chunk(request.into_body()).await;
                    reset.0.cancel();
                    // The connection task drops this future together with the connection.
                    std::future::pending::<Response>().await
                }
                // Not served over a real connection (e.g. a router test): closest answer.
                None => ApiError::injected(502, None).into_response(),
            }
        }
    }
}

/// What the recorder keeps of a request before its body is read.
fn snapshot(request: &Request) -> RecordedRequest {
    let headers = request.headers();
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v != "0")
        .unwrap_or(false)
        || headers.contains_key(header::TRANSFER_ENCODING);
    RecordedRequest {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().map(str::to_string),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers: headers
            .iter()
            .map(|(name, value)| {
                let value = if name == header::AUTHORIZATION {
                    pixelbin_url::redact::REDACTED.to_string()
                } else {
                    value.to_str().unwrap_or("<binary>").to_string()
                };
                (name.as_str().to_string(), value)
            })
            .collect(),
        has_authorization: headers.contains_key(header::AUTHORIZATION),
        body: if has_body {
            RecordedBody::NotRead
        } else {
            RecordedBody::Empty
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_faults_always_fire() {
        let mut plan = FaultPlan::new(vec![Fault::failing(503, 1.0).with_retry_after(2)], 7);
        for _ in 0..10 {
            assert_eq!(
                plan.decide("files.list"),
                Decision::Fail {
                    latency: Duration::ZERO,
                    status: 503,
                    retry_after: Some(2)
                }
            );
        }
    }

    #[test]
    fn same_seed_same_decisions() {
        let faults = vec![Fault::failing(500, 0.5)];
        let run = |seed| {
            let mut plan = FaultPlan::new(faults.clone(), seed);
            (0..64)
                .map(|_| matches!(plan.decide("cdn"), Decision::Fail { .. }))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
        let failures = run(42).into_iter().filter(|f| *f).count();
        assert!((10..=54).contains(&failures), "{failures}");
    }

    #[test]
    fn faults_only_hit_their_routes() {
        let mut plan = FaultPlan::new(vec![Fault::resetting(1.0).on_routes(["upload.*"])], 0);
        assert!(matches!(plan.decide("upload.part"), Decision::Reset { .. }));
        assert!(matches!(plan.decide("files.list"), Decision::Pass { .. }));
    }

    #[test]
    fn scripted_failures_run_out() {
        let mut plan = FaultPlan::new(vec![], 0);
        plan.fail_next("upload.part", 2, 503);
        assert!(matches!(
            plan.decide("upload.part"),
            Decision::Fail { status: 503, .. }
        ));
        assert!(matches!(plan.decide("files.list"), Decision::Pass { .. }));
        assert!(matches!(plan.decide("upload.part"), Decision::Fail { .. }));
        assert!(matches!(plan.decide("upload.part"), Decision::Pass { .. }));
    }

    #[test]
    fn latency_adds_up() {
        let mut plan = FaultPlan::new(
            vec![
                Fault::delaying(Duration::from_millis(5)),
                Fault::delaying(Duration::from_millis(7)),
            ],
            0,
        );
        assert_eq!(
            plan.decide("cdn"),
            Decision::Pass {
                latency: Duration::from_millis(12)
            }
        );
    }
}
