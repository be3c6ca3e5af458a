//! `live --serve`: the run in a browser. A view publishes what the sampler
//! tells the terminal view (begin, every tick, end) to the server in
//! `os::serve`, which folds it into the state a page gets on load and streams
//! the rest. Publishing takes a lock and formats a line: it never waits for a
//! browser, so watching costs the workers nothing measurable.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::error::UsageError;
use crate::lab::live::group::Runner;
use crate::lab::live::sample::{Summary, Tick};
use crate::lab::live::{Planned, Shown, View};
use crate::os::serve::{ServeError, Server};

/// Starts the server before anything runs: a port in use or a non-loopback
/// address without `--allow-remote` is a usage error (exit 2).
pub fn start(addr: &str, allow_remote: bool) -> Result<Arc<Server>, UsageError> {
    match Server::start(
        addr,
        allow_remote,
        crate::render::html::live_page(),
        crate::lab::live::events::FOLD,
    ) {
        Ok(server) => Ok(Arc::new(server)),
        Err(e) => {
            let hint = match &e {
                ServeError::NotLoopback { .. } => {
                    "the default, 127.0.0.1, is reachable from this machine only"
                }
                ServeError::AddressInUse { .. } => {
                    "--serve 127.0.0.1:0 picks a free port; the URL is printed"
                }
                ServeError::BadAddress { .. } | ServeError::Bind { .. } => {
                    "e.g. --serve 127.0.0.1:8000, or --serve alone for a free port"
                }
            };
            Err(UsageError::new(e.to_string()).with_hint(hint))
        }
    }
}

/// Publishes the run's events to `server`.
pub struct Publish {
    server: Arc<Server>,
}

impl Publish {
    pub fn new(server: Arc<Server>) -> Publish {
        Publish { server }
    }
}

/// "× one worker" of the sequential group is its own median once its run is known.
fn reference(shown: &Shown, summary: Option<&Summary>) -> f64 {
    match (shown.group.runner, summary) {
        (Runner::Python("sequential"), Some(s)) => s.rate.median,
        _ => shown.reference_rate,
    }
}

impl View for Publish {
    fn start(&mut self, planned: &Planned) {
        let groups: Vec<Value> = planned
            .groups
            .iter()
            .map(|g| json!({"id": g.id, "workers": g.workers, "runs_in": g.runs_in()}))
            .collect();
        self.server.publish(json!({
            "type": "start",
            "scenario": planned.scenario.id(),
            "workload": planned.workload,
            "unit": planned.unit.label(),
            "duration_s": planned.duration_s,
            "cpus": planned.cpus,
            "python": planned.python,
            "groups": groups,
        }));
    }

    fn begin(&mut self, shown: &Shown) {
        self.server.publish(json!({
            "type": "begin",
            "group": shown.group.id,
            "workers": shown.group.workers,
            "runs_in": shown.group.runs_in(),
            "duration_s": shown.duration_s,
            "full_chunks": (shown.reference_rate * shown.duration_s).max(1.0),
        }));
    }

    fn update(&mut self, shown: &Shown, ticks: &[Tick]) {
        let Some(last) = ticks.last() else { return };
        let mut event = json!({
            "type": "tick",
            "group": shown.group.id,
            "t_s": last.t_s,
            "counts": last.counts,
        });
        if let Some(w) = shown.current(ticks) {
            let one = shown.reference_rate;
            event["rate"] = json!(shown.unit.of(w.rate(), shown.per_chunk));
            event["vs_one_worker"] = json!(w.rate() / one);
            event["cpus_busy"] = json!(w.cpus_busy);
            event["gil_wait"] = json!(w.gil_contention);
            event["worker_x"] = json!(w.worker_rates.iter().map(|r| r / one).collect::<Vec<_>>());
        }
        self.server.publish(event);
    }

    fn end(&mut self, shown: &Shown, summary: Option<&Summary>, error: Option<&str>) {
        let one = reference(shown, summary);
        self.server.publish(json!({
            "type": "end",
            "group": shown.group.id,
            "rate": summary.map(|s| shown.unit.of(s.rate.median, shown.per_chunk)),
            "vs_one_worker": summary.map(|s| s.rate.median / one),
            "cpus_busy": summary.map(|s| s.cpus_busy.median),
            "gil_wait": summary.and_then(|s| s.gil_contention).map(|g| g.median),
            "worker_x": summary.map(|s| s.worker_rates.iter().map(|r| r / one).collect::<Vec<_>>()),
            "error": error.map(crate::report::last_line),
        }));
    }

    fn note(&mut self, line: &str) {
        self.server.publish(json!({"type": "note", "text": line}));
    }
}

/// Shows a run on two views: the terminal's and the browser's.
pub struct Both(pub Box<dyn View>, pub Box<dyn View>);

impl View for Both {
    fn start(&mut self, planned: &Planned) {
        self.0.start(planned);
        self.1.start(planned);
    }
    fn begin(&mut self, shown: &Shown) {
        self.0.begin(shown);
        self.1.begin(shown);
    }
    fn update(&mut self, shown: &Shown, ticks: &[Tick]) {
        self.0.update(shown, ticks);
        self.1.update(shown, ticks);
    }
    fn end(&mut self, shown: &Shown, summary: Option<&Summary>, error: Option<&str>) {
        self.0.end(shown, summary, error);
        self.1.end(shown, summary, error);
    }
    fn note(&mut self, line: &str) {
        self.0.note(line);
        self.1.note(line);
    }
}

/// After the run: the page shows the summary and "ended"; then the server
/// stops at once (`exit_when_done`) or serves until Ctrl-C, whose handler
/// ends the process (exit 130) and with it every connection.
pub fn finish(server: Arc<Server>, summary: Value, exit_when_done: bool) {
    server.finish(summary);
    if exit_when_done {
        // Streams send what is pending, "finished" included, before they close.
        if let Ok(server) = Arc::try_unwrap(server) {
            server.stop();
        }
        return;
    }
    eprintln!(
        "the run is over; still serving {} (Ctrl-C ends it)",
        server.url()
    );
    loop {
        std::thread::park();
    }
}
