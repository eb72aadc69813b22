//! Progress bars for flows run from the command line (indicatif). Hidden when stderr is not a terminal, so
//! scripts and CI logs get only the summaries.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
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
                    ProgressStyle::with_template("{prefix:>22} [{bar:32}] {pos}/{len} {per_sec} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
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
