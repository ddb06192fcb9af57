//! How many parts are in flight: [`ConcurrencyMode::Auto`](crate::ConcurrencyMode::Auto)'s
//! controller, a pure function of the throughputs it is shown.
//!
//! Users upload over long paths where one connection carries far less than
//! the link, so several parts must be in flight; how many depends on the RTT,
//! the per-connection cap and the uplink, which the client cannot know. The
//! controller finds out by measuring, in *rounds*: a round ends once about
//! `limit` parts' worth of bytes have been acknowledged since it began, and
//! its throughput is those bytes over its duration.
//!
//! 1. **Start small**: 3 parts (the reference's fixed concurrency).
//! 2. **Grow while it pays**: a round more than 10 % faster than the best so
//!    far records the new best and doubles the limit (slow start) — or, once
//!    growth has stopped paying, adds a quarter (at least one part).
//! 3. **Settle when it stops rising**: a round that is not 10 % faster sends
//!    the limit back to the smallest limit that reached the best throughput,
//!    so where more parts do not help (loopback, a CPU-bound client) it stays
//!    low. Every 4 settled rounds it probes, alternately a quarter more (kept
//!    if 10 % faster) and a quarter fewer, not below the start (kept if
//!    within 10 % of the best: the same throughput with less memory).
//! 4. **Back off on trouble**: a round below 70 % of the best (the path got
//!    worse, or the server throttles and parts wait for retries), or a part
//!    failing, halves the limit and forgets the best, which is measured anew.
//! 5. **Never beyond the memory budget**: the limit stays within
//!    `memory_budget / chunk_size - 1` parts (one chunk is read ahead), and
//!    at least 1.
//!
//! Slow parts are hedged separately (`window.rs`); a hedge takes its memory
//! from the same budget.

/// Parts in flight when an automatic upload starts.
pub(crate) const START: usize = 3;
/// A round must beat the best by this factor to count as faster.
const GAIN: f64 = 1.10;
/// A round below this fraction of the best is a drop.
const DROP: f64 = 0.70;
/// Settled rounds between two probes.
const PROBE_EVERY: u32 = 4;

/// The adaptive limit on parts in flight.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Controller {
    limit: usize,
    max: usize,
    /// Best throughput seen (bytes/s) and the smallest limit that reached it.
    best: Option<(f64, usize)>,
    slow_start: bool,
    settled_rounds: u32,
    /// Whether the last probe went below the best limit (probes alternate).
    probe_down: bool,
}

impl Controller {
    /// A controller that never goes above `max` parts (at least 1).
    pub(crate) fn new(max: usize) -> Self {
        let max = max.max(1);
        Controller {
            limit: START.min(max),
            max,
            best: None,
            slow_start: true,
            settled_rounds: 0,
            probe_down: false,
        }
    }

    /// Parts allowed in flight now.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Takes the throughput (bytes per second) of a finished round; returns the new limit.
    pub(crate) fn observe(&mut self, rate: f64) -> usize {
        if !rate.is_finite() || rate <= 0.0 {
            return self.limit;
        }
        let Some((best, best_limit)) = self.best else {
            self.best = Some((rate, self.limit));
            self.grow();
            return self.limit;
        };
        if rate > best * GAIN {
            // More parts paid: keep going.
            self.best = Some((rate, self.limit));
            self.settled_rounds = 0;
            self.grow();
        } else if self.limit < best_limit {
            // A probe below the best: fewer parts that do as well are kept.
            if rate * GAIN >= best {
                self.best = Some((best, self.limit));
            } else {
                self.limit = best_limit;
            }
        } else if rate >= best * DROP {
            // No gain: more parts do not help. Go back to the smallest limit
            // that reached the best, and probe around it now and then.
            self.slow_start = false;
            if self.limit > best_limit {
                self.limit = best_limit;
                self.settled_rounds = 0;
            } else {
                self.settled_rounds += 1;
                if self.settled_rounds >= PROBE_EVERY {
                    self.settled_rounds = 0;
                    self.probe_down = !self.probe_down;
                    let floor = START.min(self.max);
                    if self.probe_down && self.limit > floor {
                        self.limit = (self.limit - (self.limit / 4).max(1)).max(floor);
                    } else {
                        self.grow();
                    }
                }
            }
        } else {
            self.back_off();
        }
        self.limit
    }

    /// A part failed or was throttled: halve the limit and measure anew.
    pub(crate) fn back_off(&mut self) -> usize {
        self.slow_start = false;
        self.limit = (self.limit / 2).max(1);
        self.best = None;
        self.settled_rounds = 0;
        self.limit
    }

    fn grow(&mut self) {
        let step = if self.slow_start {
            self.limit
        } else {
            (self.limit / 4).max(1)
        };
        self.limit = self.limit.saturating_add(step).min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path where each part moves `per_part` bytes/s and the link carries
    /// `link` bytes/s: what a round at `limit` would measure.
    fn path(per_part: f64, link: f64) -> impl Fn(usize) -> f64 {
        move |limit| (per_part * limit as f64).min(link)
    }

    fn run(
        controller: &mut Controller,
        network: impl Fn(usize) -> f64,
        rounds: usize,
    ) -> Vec<usize> {
        (0..rounds)
            .map(|_| controller.observe(network(controller.limit())))
            .collect()
    }

    #[test]
    fn grows_until_the_link_is_full_then_settles() {
        // 32 Mbit/s per connection, 512 Mbit/s link: 16 parts fill it.
        let mut c = Controller::new(64);
        let limits = run(&mut c, path(4e6, 64e6), 30);
        assert_eq!(&limits[..3], &[6, 12, 24], "slow start doubles: {limits:?}");
        // Overshoot to 48, then down towards the 16 that fill the link.
        let late = &limits[10..];
        assert!(late.iter().all(|&l| (12..=30).contains(&l)), "{limits:?}");
        assert!(*limits.last().unwrap() <= 24, "{limits:?}");
        // The link stays (nearly) full once settled.
        let network = path(4e6, 64e6);
        let mean = late.iter().map(|&l| network(l)).sum::<f64>() / late.len() as f64;
        assert!(mean >= 0.9 * 64e6, "{mean} {limits:?}");
    }

    #[test]
    fn stays_low_where_more_parts_do_not_help() {
        // Loopback: CPU-bound, 3 parts already give all there is.
        let mut c = Controller::new(64);
        let limits = run(&mut c, |_| 900e6, 20);
        assert_eq!(limits[0], 6, "one probe up: {limits:?}");
        assert!(
            limits[1..].iter().all(|&l| (3..=4).contains(&l)),
            "{limits:?}"
        );
        assert!(
            limits.iter().filter(|&&l| l == 3).count() >= 15,
            "{limits:?}"
        );
    }

    #[test]
    fn never_exceeds_the_memory_budget() {
        let mut c = Controller::new(11);
        let limits = run(&mut c, path(1e6, 1e12), 20);
        assert!(limits.iter().all(|&l| l <= 11), "{limits:?}");
        assert_eq!(*limits.last().unwrap(), 11);
        let mut tiny = Controller::new(0);
        assert_eq!(tiny.limit(), 1);
        assert_eq!(run(&mut tiny, path(1e6, 1e12), 5), vec![1; 5]);
    }

    #[test]
    fn a_drop_or_a_failure_halves_the_limit() {
        let mut c = Controller::new(64);
        run(&mut c, path(4e6, 64e6), 10);
        let before = c.limit();
        // The path got much worse (or parts now wait for retries after 503s).
        let after = c.observe(10e6);
        assert_eq!(after, (before / 2).max(1));
        let again = c.back_off();
        assert_eq!(again, (after / 2).max(1));
        // Then it climbs again from what it measures.
        let limits = run(&mut c, path(4e6, 64e6), 20);
        assert!((12..=30).contains(limits.last().unwrap()), "{limits:?}");
        assert_eq!(Controller::new(1).back_off(), 1);
    }

    #[test]
    fn meaningless_samples_change_nothing() {
        let mut c = Controller::new(64);
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(c.observe(rate), START);
        }
    }
}
