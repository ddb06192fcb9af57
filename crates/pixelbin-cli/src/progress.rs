//! Spinners and progress bars, drawn on stderr only when it is a terminal and the output is
//! not JSON; otherwise they are hidden and cost nothing.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::Output;

/// A spinner with a message (e.g. a prediction's status), ticking on its own.
pub fn spinner(out: Output, message: String) -> ProgressBar {
    if !out.show_progress() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// One bar over a batch of `total` inputs: position, rate, and a message with the counts.
pub fn count_bar(out: Output, total: u64) -> ProgressBar {
    if !out.show_progress() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Shows a batch's counts on its [`count_bar`]: finished well, finished badly, and in flight
/// (the inputs started and not finished; unknown ones show as left to do).
pub fn set_batch_message(bar: &ProgressBar, done: usize, failed: usize, in_flight: Option<usize>) {
    let message = match in_flight {
        Some(n) => format!("done {done}, failed {failed}, in flight {n}"),
        None => {
            let left = bar.length().unwrap_or(0).saturating_sub(bar.position());
            format!("done {done}, failed {failed}, left {left}")
        }
    };
    bar.set_message(message);
}

/// A byte progress bar with rate and ETA for an upload of `total` bytes (if known); a byte
/// counter until [`set_bytes_total`] gives the total.
pub fn bytes_bar(out: Output, total: Option<u64>) -> ProgressBar {
    if !out.show_progress() {
        return ProgressBar::hidden();
    }
    let bar = bytes_bar_to(ProgressDrawTarget::stderr(), total);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// [`bytes_bar`] drawn on `target`.
fn bytes_bar_to(target: ProgressDrawTarget, total: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, target);
    bar.set_style(bytes_style(total.is_some()));
    bar
}

/// Sets the total of a [`bytes_bar`] once the upload knows it (a file's size is read when it
/// is opened, a stream's at its end), turning the byte counter into a bar with an ETA.
pub fn set_bytes_total(bar: &ProgressBar, total: u64) {
    match bar.length() {
        Some(known) if known == total => {}
        Some(_) => bar.set_length(total),
        None => {
            bar.set_length(total);
            bar.set_style(bytes_style(true));
        }
    }
}

/// The bar with rate and ETA when the total is known, else a spinner with a byte count.
fn bytes_style(total_known: bool) -> ProgressStyle {
    let template = if total_known {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {msg} {bytes} {binary_bytes_per_sec}"
    };
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    /// A terminal that keeps the last line drawn (indicatif also writes blank padding).
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            if !s.trim().is_empty() {
                *self.0.lock().unwrap() = s.to_string();
            }
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_total_learned_during_the_upload_turns_the_counter_into_a_bar() {
        // `pixelbin upload FILE` starts with no total: the file is opened by the uploader.
        let screen = Screen::default();
        let bar = bytes_bar_to(
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
            None,
        );
        bar.set_message("uploading");
        bar.set_position(100);
        assert!(!screen.0.lock().unwrap().contains("eta"));

        set_bytes_total(&bar, 1000);
        bar.set_position(500);
        let line = screen.0.lock().unwrap().clone();
        assert!(line.contains("500 B/1000 B"), "{line}");
        assert!(line.contains("eta"), "{line}");
        assert_eq!(bar.length(), Some(1000));
    }
}
