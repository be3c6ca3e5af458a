//! Progress on stderr while a command measures: a bar on a terminal, nothing otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::measure::Progress;

/// An indicatif bar on stderr when it is a terminal; nothing otherwise.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new() -> Bar {
        Bar(std::io::stderr().is_terminal().then(ProgressBar::hidden))
    }
}

impl Progress for Bar {
    fn start(&mut self, total_steps: usize) {
        if let Some(bar) = &mut self.0 {
            *bar = ProgressBar::new(total_steps as u64);
            bar.set_style(
                ProgressStyle::with_template("measuring {bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
    }
    fn step(&mut self, label: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(label.to_string());
            bar.inc(1);
        }
    }
    fn finish(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
