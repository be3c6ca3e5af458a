//! CPython's own GIL instrument beside gil-lab's: on 3.15, Tachyon
//! (`profiling.sampling`) samples the same threads work, and each worker's
//! GIL-waiting share is compared with the one gil-lab reads from its chunk timeline.

use serde::{Deserialize, Serialize};

/// Instruments that differ by more than this share of a worker's time disagree.
pub const AGREEMENT: f64 = 0.15;

/// One worker as both instruments saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TachyonWorker {
    pub worker: u64,
    /// Share of its span the chunk timeline shows it running / not running.
    pub gil_lab_running_share: f64,
    pub gil_lab_gil_wait_share: f64,
    /// Share of Tachyon's samples that found the thread holding / waiting for the GIL.
    pub tachyon_gil_held_share: f64,
    pub tachyon_gil_wait_share: f64,
    /// gil-lab's wait − Tachyon's wait.
    pub wait_difference: f64,
}

/// How Tachyon ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TachyonRun {
    pub python: String,
    pub command: String,
    pub sampling_rate_hz: f64,
    pub wall_s: f64,
}

/// The two instruments over one run of the same work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TachyonCheck {
    pub tachyon: TachyonRun,
    pub workers: Vec<TachyonWorker>,
    pub max_abs_wait_difference: f64,
    /// `max_abs_wait_difference` within [`AGREEMENT`].
    #[serde(default)]
    pub agree: bool,
}

impl TachyonCheck {
    /// Reads the harness's answer and decides whether the instruments agree.
    pub fn from_answer(answer: &serde_json::Value) -> anyhow::Result<TachyonCheck> {
        let mut check: TachyonCheck = serde_json::from_value(answer.clone())?;
        check.agree = check.max_abs_wait_difference <= AGREEMENT;
        Ok(check)
    }

    /// One line for the table's footer.
    pub fn summary(&self) -> String {
        let workers: Vec<String> = self
            .workers
            .iter()
            .map(|w| {
                format!(
                    "w{} held {:.2} / waiting {:.2} (gil-lab waiting {:.2})",
                    w.worker,
                    w.tachyon_gil_held_share,
                    w.tachyon_gil_wait_share,
                    w.gil_lab_gil_wait_share
                )
            })
            .collect();
        format!(
            "Tachyon {} at {} Hz: {}; {} (largest difference {:.2}, limit {AGREEMENT})",
            self.tachyon.python,
            self.tachyon.sampling_rate_hz,
            workers.join(", "),
            if self.agree {
                "the instruments agree"
            } else {
                "the instruments DISAGREE: gil-lab counts a thread that holds the GIL but has no CPU as waiting, Tachyon as holding"
            },
            self.max_abs_wait_difference
        )
    }
}
