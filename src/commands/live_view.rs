//! How `live` shows a running group: progress bars on a terminal, one status
//! line per group per second otherwise. Views draw readings; they measure nothing.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::lab::live::sample::{Summary, Tick};

use crate::lab::live::show::{Shown, View};

/// Where a view draws: stderr when an export (`--json -`) takes stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Stdout,
    Stderr,
}

impl Screen {
    fn is_terminal(self) -> bool {
        match self {
            Screen::Stdout => std::io::stdout().is_terminal(),
            Screen::Stderr => std::io::stderr().is_terminal(),
        }
    }

    fn line(self, text: &str) {
        let _ = match self {
            Screen::Stdout => writeln!(std::io::stdout(), "{text}"),
            Screen::Stderr => writeln!(std::io::stderr(), "{text}"),
        };
    }
}

/// Bars on a terminal, status lines otherwise.
pub fn for_screen(screen: Screen) -> Box<dyn View> {
    // A terminal that cannot move the cursor (TERM=dumb) would show bars only at the end.
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if screen.is_terminal() && !dumb {
        Box::new(Bars::new(screen))
    } else {
        Box::new(StatusLines::new(screen))
    }
}

/// One line per group per second, for pipes and CI logs.
pub struct StatusLines {
    printed_s: u64,
    screen: Screen,
}

impl StatusLines {
    pub fn new(screen: Screen) -> StatusLines {
        StatusLines {
            printed_s: 0,
            screen,
        }
    }
}

impl View for StatusLines {
    fn begin(&mut self, shown: &Shown) {
        self.printed_s = 0;
        self.screen.line(&format!(
            "{}: {} worker(s), {} s",
            shown.group.id, shown.group.workers, shown.duration_s
        ));
    }

    fn update(&mut self, shown: &Shown, ticks: &[Tick]) {
        let Some(t) = ticks.last().map(|t| t.t_s) else {
            return;
        };
        if (t.floor() as u64) <= self.printed_s {
            return;
        }
        self.printed_s = t.floor() as u64;
        if let Some(w) = shown.current(ticks) {
            self.screen.line(&format!(
                "{} t={:.1}s {} · per worker {}",
                shown.group.id,
                t,
                shown.describe(&w),
                shown.worker_rates(&w)
            ));
        } else {
            self.screen
                .line(&format!("{} t={t:.1}s starting", shown.group.id));
        }
    }

    fn end(&mut self, shown: &Shown, summary: Option<&Summary>, error: Option<&str>) {
        if let Some(e) = error {
            self.screen.line(&format!(
                "{} failed: {}",
                shown.group.id,
                crate::report::last_line(e)
            ));
        } else if summary.is_none() {
            self.screen.line(&format!(
                "{}: no chunk finished by every worker",
                shown.group.id
            ));
        }
    }

    fn note(&mut self, line: &str) {
        self.screen.line(line);
    }
}

/// Progress bars: a header per group with its live rate and parallelism, one bar per worker.
pub struct Bars {
    multi: MultiProgress,
    header: Option<ProgressBar>,
    workers: Vec<ProgressBar>,
    /// The terminal's columns: bars, labels and lines shrink to them.
    width: usize,
}

/// The widest bar, and the label beside it at full length ("1.00× one worker (median)").
const BAR_MAX: usize = 50;
const LABEL_LONG: usize = 25;
/// "  w12 " before a bar and the space after it.
const BAR_MARGIN: usize = 8;

impl Bars {
    /// Whether the long labels leave a bar of at least 20 columns.
    fn long_labels(&self) -> bool {
        self.usable() >= BAR_MARGIN + LABEL_LONG + 20
    }

    fn label(long: bool, x: f64, median: bool) -> String {
        match (long, median) {
            (true, true) => format!("{x:.2}× one worker (median)"),
            (true, false) => format!("{x:.2}× one worker"),
            (false, true) => format!("{x:.2}× med"),
            (false, false) => format!("{x:.2}×"),
        }
    }

    /// Lines stop a column short of the edge: one that fills it would wrap on some terminals.
    fn usable(&self) -> usize {
        self.width.saturating_sub(1)
    }

    fn bar_width(&self) -> usize {
        let label = if self.long_labels() { LABEL_LONG } else { 10 };
        self.usable()
            .saturating_sub(BAR_MARGIN + label)
            .clamp(5, BAR_MAX)
    }

    /// `text` cut to what fits after the header's group name.
    fn header_text(&self, shown: &Shown, text: String) -> String {
        let room = self.usable().saturating_sub(shown.group.id.len() + 1);
        if text.chars().count() <= room {
            text
        } else {
            text.chars()
                .take(room.saturating_sub(1))
                .chain(['…'])
                .collect()
        }
    }
}

/// Redraws per second: smooth enough to watch threads take turns.
const REDRAW_HZ: u8 = 20;

impl Bars {
    pub fn new(screen: Screen) -> Bars {
        let target = match screen {
            Screen::Stdout => ProgressDrawTarget::stdout_with_hz(REDRAW_HZ),
            Screen::Stderr => ProgressDrawTarget::stderr_with_hz(REDRAW_HZ),
        };
        let multi = MultiProgress::with_draw_target(target);
        let clear = multi.clone();
        crate::os::signals::on_exit(Box::new(move || {
            let _ = clear.clear();
        }));
        let stream = match screen {
            Screen::Stdout => crate::os::terminal::Stream::Stdout,
            Screen::Stderr => crate::os::terminal::Stream::Stderr,
        };
        Bars {
            multi,
            header: None,
            workers: Vec::new(),
            width: crate::os::terminal::width(stream).unwrap_or(80),
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉▊▋▌▍▎▏ ")
}

impl View for Bars {
    fn begin(&mut self, shown: &Shown) {
        let header = self.multi.add(ProgressBar::new_spinner());
        header.set_style(style("{prefix:.bold} {msg}"));
        header.set_prefix(shown.group.id);
        header.set_message(format!("{} worker(s), starting", shown.group.workers));
        // A full bar = one worker alone at full speed for the whole duration.
        let length = (shown.reference_rate * shown.duration_s).max(1.0) as u64;
        self.workers = (0..shown.group.workers)
            .map(|w| {
                let bar = self.multi.add(ProgressBar::new(length));
                bar.set_style(style(&format!(
                    "  {{prefix:>4}} {{bar:{}.cyan/blue}} {{msg}}",
                    self.bar_width()
                )));
                bar.set_prefix(format!("w{w}"));
                bar.enable_steady_tick(Duration::from_millis(1000 / REDRAW_HZ as u64));
                bar
            })
            .collect();
        self.header = Some(header);
    }

    fn update(&mut self, shown: &Shown, ticks: &[Tick]) {
        let Some(last) = ticks.last() else { return };
        let current = shown.current(ticks);
        for (w, bar) in self.workers.iter().enumerate() {
            bar.set_position(last.counts.get(w).copied().unwrap_or(0));
            if let Some(c) = &current {
                bar.set_message(Bars::label(
                    self.long_labels(),
                    c.worker_rates[w] / shown.reference_rate,
                    false,
                ));
            }
        }
        if let (Some(header), Some(c)) = (&self.header, &current) {
            let text = format!(
                "{} worker(s) · t={:.1}s · {}",
                shown.group.workers,
                last.t_s,
                shown.describe(c)
            );
            // A narrow terminal gets the figures without their words.
            let room = self.usable().saturating_sub(shown.group.id.len() + 1);
            let text = if text.chars().count() <= room {
                text
            } else {
                let gil = c
                    .gil_contention
                    .map_or(String::new(), |g| format!(" · GIL {g:.2}"));
                format!(
                    "t={:.1}s · {:.1} {} · {:.2}× · CPUs {:.2}{gil}",
                    last.t_s,
                    shown.unit.of(c.rate(), shown.per_chunk),
                    shown.unit.label(),
                    c.rate() / shown.reference_rate,
                    c.cpus_busy
                )
            };
            header.set_message(self.header_text(shown, text));
        }
    }

    fn end(&mut self, shown: &Shown, summary: Option<&Summary>, error: Option<&str>) {
        // One worker alone is its own "1×" once its whole run is known.
        let reference = match (shown.group.runner, summary) {
            (crate::lab::live::group::Runner::Python("sequential"), Some(s)) => s.rate.median,
            _ => shown.reference_rate,
        };
        let long = self.long_labels();
        for (w, bar) in self.workers.drain(..).enumerate() {
            bar.disable_steady_tick();
            // The whole run's median, not the last half second.
            match summary.and_then(|s| s.worker_rates.get(w)) {
                Some(rate) => bar.abandon_with_message(Bars::label(long, rate / reference, true)),
                None => bar.abandon(),
            }
        }
        if let Some(header) = self.header.take() {
            let text = match (error, summary) {
                (Some(e), _) => format!("failed: {}", crate::report::last_line(e)),
                (None, Some(s)) => format!(
                    "{} worker(s) · median {:.1} {} · CPUs busy {:.2}",
                    shown.group.workers,
                    shown.unit.of(s.rate.median, shown.per_chunk),
                    shown.unit.label(),
                    s.cpus_busy.median
                ),
                (None, None) => "no chunk finished by every worker".into(),
            };
            header.abandon_with_message(self.header_text(shown, text));
        }
    }

    fn note(&mut self, line: &str) {
        let fitted = crate::render::fit::Fit(Some(self.usable())).wrap(line);
        let _ = self.multi.println(fitted.trim_end());
    }
}
