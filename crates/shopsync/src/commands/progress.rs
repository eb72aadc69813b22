//! Progress bars for flows run from the command line (indicatif). Hidden when stderr is not a terminal, so
//! scripts and CI logs get only the summaries.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use shopsync_sync::Progress;

/// One bar per flow phase, drawn on stderr.
pub struct Bars {
    multi: MultiProgress,
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()), current: Mutex::new(None) }
    }

    /// Finishes the current bar and leaves it on screen.
    pub fn finish(&self) {
        if let Some(bar) = self.lock().take() {
            bar.finish();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

impl Progress for Bars {
    fn phase(&self, name: &str, total: Option<u64>) {
        let mut current = self.lock();
        if let Some(previous) = current.take() {
            previous.finish();
        }
        let bar = match total {
            Some(total) => {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>22} [{bar:32}] {pos}/{len} {rate} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = w.write_str(&rate_text(state.per_sec()));
                        })
                        .progress_chars("=> "),
                );
                bar
            }
            None => {
                let bar = ProgressBar::new_spinner();
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>22} {spinner} {pos} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            }
        };
        let bar = self.multi.add(bar);
        bar.set_prefix(name.to_string());
        *current = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.lock().as_ref() {
            bar.inc(n);
        }
    }

    fn note(&self, text: &str) {
        if let Some(bar) = self.lock().as_ref() {
            bar.set_message(text.to_string());
        }
    }

    fn done(&self) {
        self.finish();
    }
}

/// A rate as a person reads it: indicatif's `{per_sec}` printed `26,257.3377/s`. Whole numbers from 10 up (with
/// thousands separated), one decimal below, where the decimal still says something.
fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "0/s".to_string();
    }
    // 9.96 would print as 10.0: from there on, whole numbers.
    if per_sec < 9.95 {
        return format!("{per_sec:.1}/s");
    }
    let whole = format!("{:.0}", per_sec);
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}/s")
}

#[cfg(test)]
mod tests {
    use super::rate_text;

    #[test]
    fn rates_are_rounded_to_what_a_person_reads() {
        assert_eq!(rate_text(26_257.337_7), "26,257/s");
        assert_eq!(rate_text(1_234_567.8), "1,234,568/s");
        assert_eq!(rate_text(999.6), "1,000/s");
        assert_eq!(rate_text(42.49), "42/s");
        assert_eq!(rate_text(3.26), "3.3/s");
        assert_eq!(rate_text(9.97), "10/s");
        assert_eq!(rate_text(0.0), "0/s");
        assert_eq!(rate_text(f64::NAN), "0/s");
    }
}
