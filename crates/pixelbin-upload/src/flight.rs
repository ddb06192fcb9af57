//! How many files of a many-files upload are in flight: an AIMD window, like the prediction
//! batch's jobs and TCP's congestion window.
//!
//! A folder of small files is limited by round trips, not bandwidth: each file waits about one
//! round trip for its answer whatever its size, so the files in flight, not the link, set the
//! pace. The window finds how many the path and the service take:
//!
//! 1. **Slow start** at [`START_FILES`]: one more file per file stored (the window doubles per
//!    round), while a round (a window-full of files) moves at least [`GAIN`] times the bytes
//!    per second of the best round before it. A smaller gain means more files no longer pay
//!    (the link, or the service, is full): growth goes on by one file per window-full.
//! 2. **Pushback shrinks it at once:** a file the service pushed back (429 or 503, or an attempt
//!    that failed and was retried) halves the window, once per burst: files already sent when
//!    it shrank do not shrink it again. Growth then goes by one file per window-full, so the
//!    window circles the service's rate limit instead of hammering it.
//! 3. **Never beyond [`MAX_FILES_IN_FLIGHT`]** (the same connection cap as a large file's
//!    parts), nor beyond the memory budget (`many.rs` counts the bytes each file holds).

use std::time::Duration;

use tokio::time::Instant;

/// Files in flight when an adaptive many-files upload starts: small files hold little memory
/// and one round trip each, so the first round already carries a useful amount.
pub const START_FILES: usize = 16;

/// The most files in flight an adaptive many-files upload reaches (each may hold a connection,
/// as a large file's parts do: [`MAX_AUTO_PARTS`](crate::MAX_AUTO_PARTS)).
pub const MAX_FILES_IN_FLIGHT: usize = 64;

/// A round must move this many times the best round's bytes per second for slow start to go on.
const GAIN: f64 = 1.10;

/// The adaptive number of files in flight.
#[derive(Clone, Debug)]
pub(crate) struct FilesWindow {
    size: usize,
    max: usize,
    fixed: bool,
    slow_start: bool,
    /// Files stored since the window last grew (after slow start, it grows by one per
    /// window-full).
    credit: usize,
    /// Bumped at each back-off: a pushback of a file sent before it is not reacted to again.
    epoch: u64,
    /// The current round: when it began, the window then (the files that end it), its files
    /// and bytes so far.
    round_started: Option<Instant>,
    round_size: usize,
    round_files: usize,
    round_bytes: u64,
    /// Best round throughput (bytes/s) in slow start.
    best: f64,
}

impl FilesWindow {
    /// An adaptive window growing from [`START_FILES`] up to `max` (at least 1).
    pub(crate) fn adaptive(max: usize) -> Self {
        let max = max.max(1);
        Self::new(START_FILES.min(max), max, false)
    }

    /// A window of exactly `n` files (at least 1).
    pub(crate) fn fixed(n: usize) -> Self {
        let n = n.max(1);
        Self::new(n, n, true)
    }

    fn new(size: usize, max: usize, fixed: bool) -> Self {
        FilesWindow {
            size,
            max,
            fixed,
            slow_start: !fixed,
            credit: 0,
            epoch: 0,
            round_started: None,
            round_size: size,
            round_files: 0,
            round_bytes: 0,
            best: 0.0,
        }
    }

    /// Files allowed in flight now.
    pub(crate) fn allowed(&self) -> usize {
        self.size
    }

    /// The burst a file starts in; hand it back to [`done`](Self::done).
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// A file was started at `now` (the first one starts the first round).
    pub(crate) fn started(&mut self, now: Instant) {
        self.round_started.get_or_insert(now);
    }

    /// A file of `bytes` sent in burst `epoch` ended at `now`: stored (`ok`) or not, pushed back
    /// on the way or not.
    pub(crate) fn done(
        &mut self,
        epoch: u64,
        bytes: u64,
        ok: bool,
        pushed_back: bool,
        now: Instant,
    ) {
        if self.fixed {
            return;
        }
        // A pushback halves the window once per burst; a file of an earlier burst, sent
        // before the window shrank, was reacted to already and counts as stored.
        if pushed_back && epoch == self.epoch {
            self.back_off(now);
            return;
        }
        if !ok {
            return;
        }
        self.round_files += 1;
        self.round_bytes += bytes;
        self.credit += 1;
        if self.slow_start {
            self.size = (self.size + 1).min(self.max);
        } else if self.credit >= self.size {
            self.credit = 0;
            self.size = (self.size + 1).min(self.max);
        }
        if self.round_files >= self.round_size {
            self.end_round(now);
        }
    }

    /// Ends a round: slow start goes on only while rounds keep getting faster; when one did
    /// not, the window goes back to what that round had (what it grew to during the round
    /// bought nothing), which still leaves headroom over the best round's.
    fn end_round(&mut self, now: Instant) {
        let elapsed = self
            .round_started
            .map_or(Duration::ZERO, |started| now.duration_since(started));
        let rate = self.round_bytes as f64 / elapsed.as_secs_f64().max(1e-6);
        if self.slow_start {
            if self.best > 0.0 && rate < self.best * GAIN {
                self.slow_start = false;
                self.credit = 0;
                self.size = self.round_size;
            }
            self.best = self.best.max(rate);
        }
        self.start_round(now);
    }

    fn start_round(&mut self, now: Instant) {
        self.round_started = Some(now);
        self.round_size = self.size;
        self.round_files = 0;
        self.round_bytes = 0;
    }

    /// Halves the window, starts a new burst and leaves slow start.
    fn back_off(&mut self, now: Instant) {
        self.epoch += 1;
        self.slow_start = false;
        self.credit = 0;
        self.size = (self.size / 2).max(1);
        self.start_round(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores `n` files of `bytes`, each `per_file` apart, at the window's current burst.
    fn store(w: &mut FilesWindow, n: usize, bytes: u64, now: &mut Instant, per_file: Duration) {
        for _ in 0..n {
            *now += per_file;
            let epoch = w.epoch();
            w.done(epoch, bytes, true, false, *now);
        }
    }

    #[test]
    fn doubles_while_rounds_get_faster_up_to_the_cap() {
        let mut now = Instant::now();
        let mut w = FilesWindow::adaptive(MAX_FILES_IN_FLIGHT);
        w.started(now);
        assert_eq!(w.allowed(), START_FILES);
        // Each file takes one round trip whatever the window: a window-full per 80 ms, so the
        // throughput follows the window.
        let mut size = w.allowed();
        while size < MAX_FILES_IN_FLIGHT {
            let per_file = Duration::from_millis(80) / size as u32;
            store(&mut w, size, 60_000, &mut now, per_file);
            assert!(w.allowed() > size, "grows: {} after {size}", w.allowed());
            size = w.allowed();
        }
        assert_eq!(w.allowed(), MAX_FILES_IN_FLIGHT);
        store(&mut w, 500, 60_000, &mut now, Duration::from_millis(1));
        assert_eq!(w.allowed(), MAX_FILES_IN_FLIGHT);
    }

    #[test]
    fn a_full_link_ends_slow_start() {
        let mut now = Instant::now();
        let mut w = FilesWindow::adaptive(MAX_FILES_IN_FLIGHT);
        w.started(now);
        // The link moves one file per 5 ms whatever the window: rounds do not get faster.
        store(&mut w, 16, 60_000, &mut now, Duration::from_millis(5));
        store(&mut w, 40, 60_000, &mut now, Duration::from_millis(5));
        let settled = w.allowed();
        assert!(settled < MAX_FILES_IN_FLIGHT, "{settled}");
        // Then one file per window-full.
        store(&mut w, settled, 60_000, &mut now, Duration::from_millis(5));
        assert_eq!(w.allowed(), settled + 1);
    }

    #[test]
    fn pushback_halves_once_per_burst_then_grows_by_one_per_window() {
        let now = Instant::now();
        let mut w = FilesWindow::adaptive(MAX_FILES_IN_FLIGHT);
        w.started(now);
        let sent_before = w.epoch();
        w.done(sent_before, 60_000, true, true, now);
        assert_eq!(w.allowed(), START_FILES / 2);
        // Other files of the same burst were already on their way: no second halving, and
        // once stored they count towards growth, which is additive now: one per window-full.
        for _ in 0..START_FILES / 2 {
            w.done(sent_before, 60_000, true, true, now);
        }
        assert_eq!(w.allowed(), START_FILES / 2 + 1);
        // A new burst halves again, never below one.
        for _ in 0..10 {
            let epoch = w.epoch();
            w.done(epoch, 1, true, true, now);
        }
        assert_eq!(w.allowed(), 1);
    }

    #[test]
    fn a_fixed_window_never_moves() {
        let now = Instant::now();
        let mut w = FilesWindow::fixed(5);
        w.done(0, 1, true, true, now);
        w.done(0, 1, true, false, now);
        assert_eq!(w.allowed(), 5);
        assert_eq!(FilesWindow::fixed(0).allowed(), 1);
    }
}
