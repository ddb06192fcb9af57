//! How many parts are in flight: [`ConcurrencyMode::Auto`](crate::ConcurrencyMode::Auto)'s
//! controller, a pure function of the throughputs it is shown.
//!
//! Users upload over long paths where one connection carries far less than
//! the link, so several parts must be in flight; how many depends on the RTT,
//! the per-connection cap and the uplink, which the client cannot know. The
//! controller finds out by measuring, in *rounds*: a round ends once `limit`
//! parts' worth of bytes have been acknowledged since it began (about one
//! part's time) in slow start, four times that afterwards (parts that started
//! together finish together, so a short round can catch one burst of answers
//! or two: long rounds keep that noise out of the decisions that do not need
//! to be quick), and its throughput is those bytes over its duration.
//! Besides the best throughput, it keeps the best *throughput of one part*
//! (its bytes over the time from its request to its answer): what a part
//! moves when nothing else holds it back.
//!
//! 1. **Start small**: 3 parts (the reference's fixed concurrency). On a
//!    short path (the signed-URL request came back within
//!    [`SHORT_PATH_ROUND_TRIP`](crate::SHORT_PATH_ROUND_TRIP): the same host,
//!    a LAN) one connection carries a lot and 3 are nearly always enough, so
//!    there is no slow start: after the first round it tries a quarter more,
//!    and goes on by quarters only while that pays.
//! 2. **Grow fast while it pays** (slow start): a round that gains at least
//!    half of what its added parts would carry (each moving as much as
//!    before) records the new best and triples the limit. A feedback loop
//!    cannot be faster than a round, and a large file on a long path lasts
//!    only a few rounds, so the steps are large.
//! 3. **Settle with headroom when it stops rising**: the first round that
//!    gains less ends slow start (a gain of 10 % or more still records the
//!    new best). The parts needed to carry the best throughput are
//!    `best / per-part throughput`; the limit becomes 1.5 times that, so noise
//!    in one round cannot leave the link short of parts, and never less than
//!    the limit that reached the best (a round that opened connections paid
//!    their set-up, so it understates what its parts carry). Where
//!    more parts do not help (loopback, a CPU-bound client) the best is
//!    reached at the start and the limit stays low. Every 4 settled rounds it
//!    probes a quarter more, and keeps growing (by quarters) if that is
//!    10 % faster: the path may have got better.
//! 4. **Back off on trouble**: two rounds in a row below 70 % of the best
//!    (the path got worse), or a part pushed back before it was stored (the
//!    server answered 429 or 503, or an attempt failed and was retried:
//!    `window.rs` learns it from the part's request and acts on the first of
//!    a burst only), halve the limit and forget the best, which is measured
//!    anew; growth then goes by quarters.
//! 5. **Never beyond the memory budget or the connection cap**: the limit
//!    stays within `memory_budget / chunk_size - 1` parts (one chunk is read
//!    ahead) and within [`MAX_AUTO_PARTS`](crate::MAX_AUTO_PARTS), and at
//!    least 1 (`window.rs` gives the controller that maximum).
//!
//! **Starting where the path is**: with a [`PathEstimate`] of the same path (an earlier
//! upload to the same host with the same part size, `path_estimate.rs`), the controller starts
//! at the parts in flight that upload ended with instead of 3. A settled estimate starts
//! settled, with the remembered throughput as the best: a faster round grows by quarters, two
//! rounds below 70 % of it halve the limit (the path got worse), so a stale estimate costs two
//! rounds, a good one none. An estimate taken during the ramp starts there, still in slow start.
//!
//! Slow parts are hedged separately (`window.rs`); a hedge takes its memory
//! from the same budget.

use crate::options::PathKind;
use crate::path_estimate::PathEstimate;

/// Parts in flight when an automatic upload starts.
pub(crate) const START: usize = 3;
/// Slow start multiplies the limit by this after every faster round.
const SLOW_START_FACTOR: usize = 3;
/// A round must beat the best by this factor to count as faster.
const GAIN: f64 = 1.10;
/// A round below this fraction of the best is a low round.
const DROP: f64 = 0.70;
/// Low rounds in a row that make a drop (one can be noise).
const LOW_ROUNDS_FOR_A_DROP: u32 = 2;
/// Slow start goes on while a round gains at least this share of what its
/// added parts would carry if each moved as much as before; a smaller gain
/// means the link (or the client) is nearly full.
const SLOW_START_KEEP: f64 = 0.5;
/// Settled limit over the parts the best throughput needs.
const HEADROOM: f64 = 1.5;
/// Settled rounds between two probes.
const PROBE_EVERY: u32 = 4;
/// Rounds after slow start last this many times `limit` parts.
const LONG_ROUND: usize = 4;

/// Where the controller is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Multiplying the limit while rounds get faster.
    SlowStart,
    /// Adding a quarter while rounds get faster.
    Growing,
    /// At the settled limit; counts rounds until the next probe.
    Settled { rounds: u32 },
}

/// The adaptive limit on parts in flight.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Controller {
    limit: usize,
    max: usize,
    phase: Phase,
    /// Best round throughput (bytes/s) since the last back-off, and the limit it was measured at.
    best: Option<(f64, usize)>,
    /// Best throughput of one part (bytes/s).
    per_part: f64,
    low_rounds: u32,
    /// Best round throughput this upload measured (the remembered best is not one).
    measured: f64,
    /// The limit started from an estimate.
    from_estimate: bool,
}

impl Controller {
    /// A controller that never goes above `max` parts (at least 1), starting
    /// as suits `path`.
    pub(crate) fn new(max: usize, path: PathKind) -> Self {
        let max = max.max(1);
        Controller {
            limit: START.min(max),
            max,
            phase: match path {
                PathKind::Long => Phase::SlowStart,
                PathKind::Short => Phase::Growing,
            },
            best: None,
            per_part: 0.0,
            low_rounds: 0,
            measured: 0.0,
            from_estimate: false,
        }
    }

    /// A controller starting from what the same path showed before: see the module docs.
    pub(crate) fn from_estimate(max: usize, path: PathKind, estimate: &PathEstimate) -> Self {
        let mut controller = Controller::new(max, path);
        controller.limit = estimate.parts.clamp(1, controller.max);
        controller.from_estimate = true;
        if estimate.settled {
            controller.phase = Phase::Settled { rounds: 0 };
            controller.best = Some((estimate.throughput, controller.limit));
            // Parts started together never show what one part alone moves: remembered.
            controller.per_part = estimate.part_throughput;
        }
        controller
    }

    /// Whether the limit started from an estimate.
    pub(crate) fn started_from_estimate(&self) -> bool {
        self.from_estimate
    }

    /// What this upload showed of the path, for the next one (once a round was measured).
    pub(crate) fn estimate(
        &self,
        chunk_size: usize,
        round_trip: std::time::Duration,
    ) -> Option<PathEstimate> {
        (self.measured > 0.0).then(|| {
            PathEstimate::new(
                self.limit,
                chunk_size,
                self.measured,
                self.per_part,
                round_trip,
                self.phase != Phase::SlowStart,
            )
        })
    }

    /// Parts allowed in flight now.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Parts' worth of bytes the next round measures.
    pub(crate) fn round_parts(&self) -> usize {
        match self.phase {
            Phase::SlowStart => self.limit,
            Phase::Growing | Phase::Settled { .. } => self.limit.saturating_mul(LONG_ROUND),
        }
    }

    /// Takes the throughput (bytes per second) of one finished part.
    pub(crate) fn part_done(&mut self, rate: f64) {
        if rate.is_finite() && rate > 0.0 {
            self.per_part = self.per_part.max(rate);
        }
    }

    /// Takes the throughput (bytes per second) of a finished round; returns the new limit.
    pub(crate) fn observe(&mut self, rate: f64) -> usize {
        if !rate.is_finite() || rate <= 0.0 {
            return self.limit;
        }
        self.measured = self.measured.max(rate);
        let best = match self.best {
            Some((best, _)) if rate <= best * GAIN => best,
            Some((best, at))
                if self.phase == Phase::SlowStart && !self.paid_in_proportion(rate, best, at) =>
            {
                // Faster, but far less than the added parts would carry: the
                // link (or the client) is nearly full. Settle here.
                self.best = Some((rate, self.limit));
                self.low_rounds = 0;
                self.phase = Phase::Settled { rounds: 0 };
                self.limit = self.settled_limit();
                return self.limit;
            }
            _ => {
                // The first round, or more parts paid: keep going.
                self.best = Some((rate, self.limit));
                self.low_rounds = 0;
                self.grow();
                return self.limit;
            }
        };
        if rate < best * DROP {
            self.low_rounds += 1;
            if self.low_rounds >= LOW_ROUNDS_FOR_A_DROP {
                self.back_off();
            }
            return self.limit;
        }
        self.low_rounds = 0;
        // No gain: settle with headroom over the parts the best needs, and
        // probe a quarter more now and then.
        let rounds = match self.phase {
            Phase::Settled { rounds } => rounds + 1,
            Phase::SlowStart | Phase::Growing => 0,
        };
        self.limit = self.settled_limit();
        if rounds >= PROBE_EVERY {
            self.phase = Phase::Settled { rounds: 0 };
            self.limit = self
                .limit
                .saturating_add((self.limit / 4).max(1))
                .min(self.max);
        } else {
            self.phase = Phase::Settled { rounds };
        }
        self.limit
    }

    /// A part was pushed back: halve the limit and measure anew.
    pub(crate) fn back_off(&mut self) -> usize {
        self.phase = Phase::Growing;
        self.limit = (self.limit / 2).max(1);
        self.best = None;
        self.low_rounds = 0;
        self.limit
    }

    /// Whether `rate`, measured at the current limit, gained at least
    /// [`SLOW_START_KEEP`] of what the parts added since `best` (measured at
    /// `at` parts) would carry if each moved as much as before.
    fn paid_in_proportion(&self, rate: f64, best: f64, at: usize) -> bool {
        if at >= self.limit {
            return true;
        }
        let proportional = best * self.limit as f64 / at as f64;
        rate >= best + (proportional - best) * SLOW_START_KEEP
    }

    /// `HEADROOM` times the parts that carry the best throughput at the best
    /// throughput of one part, and never fewer than the parts that reached
    /// the best: a round that opened new connections paid their set-up, so
    /// its throughput can understate what those parts carry.
    fn settled_limit(&self) -> usize {
        let Some((best, reached)) = self.best else {
            return self.limit;
        };
        let needed = if self.per_part > 0.0 {
            best / self.per_part
        } else {
            reached as f64
        };
        let with_headroom = (needed * HEADROOM).ceil();
        // Finite and positive: both throughputs are.
        (with_headroom as usize).max(reached).min(self.max)
    }

    fn grow(&mut self) {
        self.limit = match self.phase {
            Phase::SlowStart => self.limit.saturating_mul(SLOW_START_FACTOR),
            Phase::Growing | Phase::Settled { .. } => {
                self.phase = Phase::Growing;
                self.limit.saturating_add((self.limit / 4).max(1))
            }
        }
        .min(self.max);
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

    /// Rounds on `network`; each part of a round moves `round / limit`,
    /// never more than `network(1)` (one part alone).
    fn run(
        controller: &mut Controller,
        network: impl Fn(usize) -> f64,
        rounds: usize,
    ) -> Vec<usize> {
        (0..rounds)
            .map(|_| {
                let limit = controller.limit();
                let rate = network(limit);
                for _ in 0..limit {
                    controller.part_done((rate / limit as f64).min(network(1)));
                }
                controller.observe(rate)
            })
            .collect()
    }

    #[test]
    fn grows_until_the_link_is_full_then_settles_with_headroom() {
        // 32 Mbit/s per connection, 512 Mbit/s link: 16 parts fill it.
        let mut c = Controller::new(64, PathKind::Long);
        let limits = run(&mut c, path(4e6, 64e6), 30);
        // Slow start triples while the rate follows (12 -> 36 MB/s); at 27
        // parts the link gives far less than 27 parts would carry.
        assert_eq!(&limits[..2], &[9, 27], "slow start triples: {limits:?}");
        // Then 1.5 x the 16 parts that fill the link, but not below the 27
        // that reached the best; probing 33 now and then.
        assert_eq!(limits[2], 27, "{limits:?}");
        assert!(
            limits[2..].iter().all(|&l| l == 27 || l == 33),
            "{limits:?}"
        );
        assert!(limits[2..].iter().filter(|&&l| l == 27).count() >= 20);
    }

    #[test]
    fn stays_low_where_more_parts_do_not_help() {
        // Loopback: CPU-bound, the first parts already give all there is.
        let mut c = Controller::new(64, PathKind::Long);
        let limits = run(&mut c, |_| 900e6, 20);
        assert_eq!(limits[0], 9, "one step up: {limits:?}");
        // 1.5 x the 3 parts that reached the best, probing one more.
        assert!(
            limits[1..].iter().all(|&l| (5..=6).contains(&l)),
            "{limits:?}"
        );
    }

    #[test]
    fn on_a_short_path_it_grows_by_quarters_only() {
        let mut c = Controller::new(64, PathKind::Short);
        // Loopback: 3 parts give all there is; one quarter more is tried,
        // then 1.5 x the 3 parts, probing one more now and then.
        let limits = run(&mut c, |_| 900e6, 20);
        assert_eq!(limits[0], 4, "{limits:?}");
        assert!(
            limits[1..].iter().all(|&l| (5..=6).contains(&l)),
            "{limits:?}"
        );
        // A LAN where more parts do pay: it still gets there, by quarters.
        let mut c = Controller::new(64, PathKind::Short);
        let limits = run(&mut c, path(100e6, 1.2e9), 30);
        assert_eq!(&limits[..3], &[4, 5, 6], "{limits:?}");
        assert!(*limits.last().unwrap() >= 12, "{limits:?}");
    }

    #[test]
    fn one_low_round_is_noise_two_are_a_drop() {
        let mut c = Controller::new(64, PathKind::Long);
        run(&mut c, path(4e6, 64e6), 10);
        let settled = c.limit();
        // One round far below the best (a stalled part, a busy server): kept.
        assert_eq!(c.observe(30e6), settled);
        // A normal round (maybe a probe follows) starts the count over.
        let normal = c.observe(64e6);
        assert!(normal == 27 || normal == 33, "{normal}");
        // Two in a row: the path got worse (or parts now wait for retries).
        assert_eq!(c.observe(30e6), normal);
        assert_eq!(c.observe(30e6), normal / 2);
        // Then it climbs again (by quarters) from what it measures.
        let limits = run(&mut c, path(4e6, 64e6), 20);
        assert!((16..=30).contains(limits.last().unwrap()), "{limits:?}");
    }

    #[test]
    fn a_failure_halves_the_limit() {
        let mut c = Controller::new(64, PathKind::Long);
        run(&mut c, path(4e6, 64e6), 10);
        let before = c.limit();
        assert_eq!(c.back_off(), before / 2);
        assert_eq!(c.back_off(), before / 4);
        assert_eq!(Controller::new(1, PathKind::Long).back_off(), 1);
    }

    #[test]
    fn a_better_path_is_found_by_probing() {
        let mut c = Controller::new(64, PathKind::Long);
        run(&mut c, path(4e6, 32e6), 10);
        assert_eq!(c.limit(), 12, "1.5 x 8");
        // The link doubles: a probe pays, and growth resumes.
        let limits = run(&mut c, path(4e6, 64e6), 30);
        assert!(limits.iter().any(|&l| l >= 16), "{limits:?}");
        assert!((20..=30).contains(limits.last().unwrap()), "{limits:?}");
    }

    #[test]
    fn never_exceeds_its_maximum() {
        let mut c = Controller::new(11, PathKind::Long);
        let limits = run(&mut c, path(1e6, 1e12), 20);
        assert!(limits.iter().all(|&l| l <= 11), "{limits:?}");
        assert_eq!(*limits.last().unwrap(), 11);
        let mut tiny = Controller::new(0, PathKind::Long);
        assert_eq!(tiny.limit(), 1);
        assert_eq!(run(&mut tiny, path(1e6, 1e12), 5), vec![1; 5]);
    }

    fn remembered(parts: usize, throughput: f64, settled: bool) -> PathEstimate {
        PathEstimate::new(
            parts,
            512 * 1024,
            throughput,
            4e6,
            std::time::Duration::from_millis(200),
            settled,
        )
    }

    #[test]
    fn a_settled_estimate_of_the_same_path_is_where_it_starts_and_stays() {
        // The path of `grows_until_the_link_is_full_then_settles_with_headroom`, which settled
        // at 27 parts after two rounds of slow start.
        let mut c = Controller::from_estimate(64, PathKind::Long, &remembered(27, 64e6, true));
        assert_eq!(c.limit(), 27, "no ramp");
        assert!(c.started_from_estimate());
        let limits = run(&mut c, path(4e6, 64e6), 20);
        assert!(
            limits.iter().all(|&l| l == 27 || l == 33),
            "settled from the first round: {limits:?}"
        );
        let next = c.estimate(512 * 1024, std::time::Duration::from_millis(200));
        let next = next.expect("rounds were measured");
        assert!(
            next.settled && (next.parts == 27 || next.parts == 33),
            "{next:?}"
        );
        assert_eq!(next.throughput, 64e6);
        // Without an estimate the same path costs rounds of slow start.
        assert_eq!(Controller::new(64, PathKind::Long).limit(), START);
    }

    #[test]
    fn a_stale_estimate_is_corrected_by_the_first_rounds() {
        // Remembered 27 parts and 64 MB/s; the link now carries 16 MB/s.
        let mut c = Controller::from_estimate(64, PathKind::Long, &remembered(27, 64e6, true));
        let limits = run(&mut c, path(4e6, 16e6), 2);
        assert_eq!(limits, vec![27, 13], "two low rounds halve it");
        // A better path than remembered: it grows from the estimate.
        let mut c = Controller::from_estimate(64, PathKind::Long, &remembered(9, 36e6, true));
        let limits = run(&mut c, path(4e6, 64e6), 3);
        assert_eq!(
            limits[0], 14,
            "headroom over the 9 parts of the best: {limits:?}"
        );
        assert!(limits[2] > limits[0], "{limits:?}");
    }

    #[test]
    fn an_estimate_taken_during_the_ramp_goes_on_ramping_from_there() {
        let mut c = Controller::from_estimate(64, PathKind::Long, &remembered(9, 36e6, false));
        assert_eq!(c.limit(), 9);
        let limits = run(&mut c, path(4e6, 64e6), 3);
        assert_eq!(limits[0], 27, "slow start from 9: {limits:?}");
        // Never beyond the maximum, whatever the file says.
        let c = Controller::from_estimate(10, PathKind::Long, &remembered(5000, 1e9, true));
        assert_eq!(c.limit(), 10);
    }

    #[test]
    fn nothing_is_remembered_before_a_round_is_measured() {
        let mut c = Controller::new(64, PathKind::Long);
        let rt = std::time::Duration::from_millis(80);
        assert_eq!(c.estimate(512 * 1024, rt), None);
        run(&mut c, path(4e6, 64e6), 1);
        let ramping = c.estimate(512 * 1024, rt).unwrap();
        assert_eq!((ramping.parts, ramping.settled), (9, false));
        run(&mut c, path(4e6, 64e6), 5);
        assert!(c.estimate(512 * 1024, rt).unwrap().settled);
    }

    #[test]
    fn meaningless_samples_change_nothing() {
        let mut c = Controller::new(64, PathKind::Long);
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            c.part_done(rate);
            assert_eq!(c.observe(rate), START);
        }
        assert_eq!(c, Controller::new(64, PathKind::Long));
    }
}
