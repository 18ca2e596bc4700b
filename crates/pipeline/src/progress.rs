//! Progress: bytes read out of the file size, with rate and ETA. On a terminal, a bar; otherwise
//! (a log file, CI) a plain line every few seconds; nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// A progress display for one stage, or nothing when hidden.
pub struct Progress {
    bar: ProgressBar,
    plain: Option<Mutex<Plain>>,
}

/// The state of plain progress lines.
struct Plain {
    stage: String,
    total: u64,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// A bar over `total` bytes; hidden unless `visible` and stderr is a terminal.
    pub fn bytes(stage: &str, total: u64, visible: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let target = if visible && terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let plain = (visible && !terminal).then(|| {
            Mutex::new(Plain {
                stage: stage.to_string(),
                total,
                started: Instant::now(),
                last: Instant::now(),
            })
        });
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(stage.to_string());
        Progress { bar, plain }
    }

    /// Sets the bytes done.
    pub fn set(&self, position: u64) {
        self.bar.set_position(position);
        if let Some(plain) = &self.plain {
            let Ok(mut p) = plain.lock() else { return };
            if p.last.elapsed() >= PLAIN_EVERY {
                p.last = Instant::now();
                eprintln!(
                    "{}",
                    plain_line(&p.stage, position, p.total, p.started.elapsed())
                );
            }
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `learngraph: load 45% (400 of 887 MB), 80 MB/s, eta 6 s`
fn plain_line(stage: &str, done: u64, total: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let rate = done as f64 / secs;
    let eta = if rate > 0.0 {
        (total.saturating_sub(done)) as f64 / rate
    } else {
        0.0
    };
    format!(
        "learngraph: {stage} {:.0}% ({} of {} MB), {:.0} MB/s, eta {:.0} s",
        done as f64 * 100.0 / total.max(1) as f64,
        done / 1_000_000,
        total / 1_000_000,
        rate / 1e6,
        eta
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_say_share_rate_and_eta() {
        let line = plain_line("load", 400_000_000, 887_000_000, Duration::from_secs(5));
        assert_eq!(
            line,
            "learngraph: load 45% (400 of 887 MB), 80 MB/s, eta 6 s"
        );
    }
}
