//! Facts about the machine the figures are measured on.

use serde::Serialize;

/// CPUs this process may run on (its affinity mask, as `taskset` sets it).
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The machine the figures were measured on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub os: String,
    pub arch: String,
    /// CPUs that other work kept busy in the quarter second before measuring began.
    pub busy_cpus: Option<f64>,
}

impl Machine {
    pub fn this() -> Machine {
        Machine {
            cpus: cpus(),
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            busy_cpus: busy_cpus(),
        }
    }

    /// Other work was using at least half a CPU: parallel rows are understated.
    pub fn was_busy(&self) -> bool {
        self.busy_cpus.is_some_and(|b| b >= 0.5)
    }
}

/// CPUs busy over a quarter second, from /proc/stat (this process is idle meanwhile).
pub fn busy_cpus() -> Option<f64> {
    fn ticks() -> Option<(f64, f64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<f64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        Some((
            fields.iter().sum(),
            fields.get(3)? + fields.get(4).unwrap_or(&0.0),
        ))
    }
    let (total0, idle0) = ticks()?;
    std::thread::sleep(std::time::Duration::from_millis(250));
    let (total1, idle1) = ticks()?;
    let busy = 1.0 - (idle1 - idle0) / (total1 - total0).max(1.0);
    Some((busy * cpus() as f64 * 100.0).round() / 100.0)
}
