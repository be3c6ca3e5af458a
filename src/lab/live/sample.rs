//! What the sampler reads while a group runs, and the windows it is cut into.

use serde::Serialize;

use crate::engine::stats::Spread;

/// One reading, taken without the GIL: progress, CPU time and the probe's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Seconds since the group started.
    pub t_s: f64,
    /// Chunks finished per worker.
    pub counts: Vec<u64>,
    /// CPU seconds used so far by this process and its descendants.
    pub cpu_s: f64,
    /// The GIL probe's `(waited, elapsed)` seconds so far, for embedded groups.
    pub probe_s: Option<(f64, f64)>,
}

/// Rates over one stretch of time between two ticks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub from_s: f64,
    pub to_s: f64,
    /// Chunks per second, per worker.
    pub worker_rates: Vec<f64>,
    /// CPU seconds per wall second: how many CPUs the group kept busy.
    pub cpus_busy: f64,
    /// Share of the probe's time spent waiting to attach (0–1).
    pub gil_contention: Option<f64>,
}

impl Window {
    pub fn between(a: &Tick, b: &Tick) -> Option<Window> {
        let dt = b.t_s - a.t_s;
        if dt <= 0.0 {
            return None;
        }
        let worker_rates = a
            .counts
            .iter()
            .zip(&b.counts)
            .map(|(x, y)| y.saturating_sub(*x) as f64 / dt)
            .collect();
        let gil_contention = match (a.probe_s, b.probe_s) {
            (Some((w0, e0)), Some((w1, e1))) if e1 > e0 => {
                Some(((w1 - w0) / (e1 - e0)).clamp(0.0, 1.0))
            }
            _ => None,
        };
        Some(Window {
            from_s: a.t_s,
            to_s: b.t_s,
            worker_rates,
            cpus_busy: ((b.cpu_s - a.cpu_s) / dt).max(0.0),
            gil_contention,
        })
    }

    /// Chunks per second of the whole group.
    pub fn rate(&self) -> f64 {
        self.worker_rates.iter().sum()
    }
}

/// The ticks up to the one that asked the workers to stop (the first at or past
/// `duration_s`): later ones only watch workers wind down, and a rate that
/// counted that time would read low.
pub fn until_stop(ticks: &[Tick], duration_s: f64) -> &[Tick] {
    match ticks.iter().position(|t| t.t_s >= duration_s) {
        Some(stop) => &ticks[..=stop],
        None => ticks,
    }
}

/// Cuts `ticks` into windows of at least `width_s`, starting at the first tick
/// where every worker has finished a chunk (start-up is not steady state).
pub fn windows(ticks: &[Tick], width_s: f64) -> Vec<Window> {
    let Some(first) = ticks
        .iter()
        .position(|t| !t.counts.is_empty() && t.counts.iter().all(|&c| c > 0))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut from = &ticks[first];
    for tick in &ticks[first + 1..] {
        if tick.t_s - from.t_s >= width_s {
            out.extend(Window::between(from, tick));
            from = tick;
        }
    }
    out
}

/// A group's figures over its windows, each with its spread across windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Chunks per second of the group.
    pub rate: Spread,
    pub cpus_busy: Spread,
    pub gil_contention: Option<Spread>,
    /// Median chunks per second of each worker.
    pub worker_rates: Vec<f64>,
    pub windows: usize,
}

pub fn summarize(windows: &[Window]) -> Option<Summary> {
    let rates: Vec<f64> = windows.iter().map(Window::rate).collect();
    let busy: Vec<f64> = windows.iter().map(|w| w.cpus_busy).collect();
    let gil: Vec<f64> = windows.iter().filter_map(|w| w.gil_contention).collect();
    let workers = windows.first()?.worker_rates.len();
    let worker_rates = (0..workers)
        .map(|i| {
            crate::engine::stats::median(
                &windows
                    .iter()
                    .map(|w| w.worker_rates[i])
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Some(Summary {
        rate: Spread::of(&rates)?,
        cpus_busy: Spread::of(&busy)?,
        gil_contention: Spread::of(&gil),
        worker_rates,
        windows: windows.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(t_s: f64, counts: &[u64], cpu_s: f64, probe: Option<(f64, f64)>) -> Tick {
        Tick {
            t_s,
            counts: counts.to_vec(),
            cpu_s,
            probe_s: probe,
        }
    }

    #[test]
    fn a_window_turns_differences_into_rates() {
        let a = tick(1.0, &[10, 20], 1.0, Some((0.1, 1.0)));
        let b = tick(1.5, &[20, 25], 1.5, Some((0.5, 1.5)));
        let w = Window::between(&a, &b).unwrap();
        assert_eq!(w.worker_rates, vec![20.0, 10.0]);
        assert_eq!(w.rate(), 30.0);
        assert!((w.cpus_busy - 1.0).abs() < 1e-12);
        assert!((w.gil_contention.unwrap() - 0.8).abs() < 1e-12);
        assert!(Window::between(&b, &a).is_none());
    }

    #[test]
    fn windows_start_once_every_worker_has_progressed() {
        let ticks: Vec<Tick> = (0..=20)
            .map(|i| {
                let t = i as f64 * 0.1;
                let c = if i < 3 { 0 } else { i as u64 };
                tick(t, &[c, c], t, None)
            })
            .collect();
        let w = windows(&ticks, 0.5);
        assert_eq!(w.len(), 3);
        assert!((w[0].from_s - 0.3).abs() < 1e-9);
        let s = summarize(&w).unwrap();
        assert_eq!(s.windows, 3);
        assert!((s.rate.median - 20.0).abs() < 1e-6);
        assert_eq!(s.worker_rates.len(), 2);
        assert!(s.gil_contention.is_none());
    }

    #[test]
    fn rates_end_at_the_tick_that_stopped_the_workers() {
        // Ten chunks a second until the stop at 1.0 s, then 0.3 s of winding down.
        let ticks: Vec<Tick> = (0..=13)
            .map(|i| {
                let t = i as f64 * 0.1;
                tick(t, &[i.min(10) as u64], t, None)
            })
            .collect();
        let kept = until_stop(&ticks, 1.0);
        assert_eq!(kept.len(), 11);
        assert!((kept.last().unwrap().t_s - 1.0).abs() < 1e-9);
        let s = summarize(&windows(kept, 0.3)).unwrap();
        assert!((s.rate.min - 10.0).abs() < 1e-6, "{s:?}");
        assert_eq!(until_stop(&ticks[..5], 1.0).len(), 5);
    }

    #[test]
    fn no_progress_means_no_windows() {
        let ticks = vec![tick(0.0, &[0], 0.0, None), tick(1.0, &[0], 0.0, None)];
        assert!(windows(&ticks, 0.5).is_empty());
        assert!(summarize(&[]).is_none());
    }
}
