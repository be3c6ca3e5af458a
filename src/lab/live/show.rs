//! What the live experiment tells the view that shows it: the trait views implement.

use crate::engine::workload::Scenario;
use crate::lab::live::group::Group;
use crate::lab::live::sample::{Summary, Tick, Window};

/// What a run will show, told before anything runs (calibration included).
pub struct Planned<'a> {
    pub scenario: Scenario,
    /// "sum(i*i for i in range(50000))": one Python chunk.
    pub workload: &'a str,
    pub unit: Unit,
    pub duration_s: f64,
    pub cpus: usize,
    /// The version of the Python that runs the Python groups.
    pub python: &'a str,
    /// The groups, in the order they run.
    pub groups: &'a [Group],
}

/// What a view needs to know about the group it shows.
pub struct Shown<'a> {
    pub group: &'a Group,
    /// Units (iterations, waits) per chunk.
    pub per_chunk: f64,
    /// Chunks per second of one worker alone, for "× one worker" and the bar scale.
    pub reference_rate: f64,
    pub duration_s: f64,
    pub unit: Unit,
}

/// Million iterations per second, or waits per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    MegaIterations,
    Waits,
    /// Blocks of 1 MiB (hashing, compressing).
    MiB,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::MegaIterations => "M it/s",
            Unit::Waits => "waits/s",
            Unit::MiB => "MiB/s",
        }
    }

    /// Chunks per second in this unit.
    pub fn of(self, chunks_per_s: f64, per_chunk: f64) -> f64 {
        match self {
            Unit::MegaIterations => chunks_per_s * per_chunk / 1e6,
            Unit::Waits => chunks_per_s,
            Unit::MiB => chunks_per_s * per_chunk,
        }
    }
}

impl Shown<'_> {
    /// The group's state over the last half second of `ticks`.
    pub fn current(&self, ticks: &[Tick]) -> Option<Window> {
        let last = ticks.last()?;
        let from = ticks.iter().rev().find(|t| last.t_s - t.t_s >= 0.5)?;
        Window::between(from, last)
    }

    /// "38.2 M it/s = 1.01× one worker · CPUs busy 1.00 · GIL wait 0.95".
    pub fn describe(&self, w: &Window) -> String {
        let mut text = format!(
            "{:.1} {} = {:.2}× one worker · CPUs busy {:.2}",
            self.unit.of(w.rate(), self.per_chunk),
            self.unit.label(),
            w.rate() / self.reference_rate,
            w.cpus_busy
        );
        if let Some(g) = w.gil_contention {
            text += &format!(" · GIL wait {g:.2}");
        }
        text
    }

    pub fn worker_rates(&self, w: &Window) -> String {
        w.worker_rates
            .iter()
            .map(|r| format!("{:.2}×", r / self.reference_rate))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub trait View: Send {
    /// The run's plan, before the calibration and the first group.
    fn start(&mut self, _planned: &Planned) {}
    fn begin(&mut self, shown: &Shown);
    fn update(&mut self, shown: &Shown, ticks: &[Tick]);
    fn end(&mut self, shown: &Shown, summary: Option<&Summary>, error: Option<&str>);
    /// A line outside any group.
    fn note(&mut self, line: &str);
}
