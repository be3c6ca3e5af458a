//! Renderers: they format reports and never measure.

pub mod chart;
pub mod convoy;
pub mod csv;
pub mod diagnose;
pub mod export;
pub mod fit;
pub mod html;
pub mod json;
pub mod live;
pub mod markdown;
pub mod rows;
pub mod sweep;
pub mod sweep_dask;
pub mod table;
pub mod timeline;
pub mod verify;

use crate::cpython::interpreter::InterpreterRef;
use crate::report::{Report, Timeline};
use export::{Destinations, Export, Exporter, Rendered};

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

/// Renders one or more scenario reports.
pub fn render(format: Format, reports: &[Report]) -> anyhow::Result<String> {
    match format {
        Format::Table => Ok(table::render(reports)),
        Format::Json => json::render(reports),
        Format::Csv => csv::render(reports),
        Format::Markdown => Ok(markdown::render(reports)),
    }
}

/// What `compare` exports: its reports (one per scenario) and their timelines.
pub struct Compared<'a> {
    pub reports: &'a [Report],
    pub timelines: Vec<&'a [Timeline]>,
}

impl Exporter for Compared<'_> {
    const FORMATS: &'static [Export] = &[
        Export::Json,
        Export::Csv,
        Export::Markdown,
        Export::Html,
        Export::Svg,
        Export::Timeline,
    ];

    fn render(&self, format: Export, _: &Destinations) -> anyhow::Result<Rendered> {
        let text = match format {
            Export::Json => json::render(self.reports)?,
            Export::Csv => render(Format::Csv, self.reports)?,
            Export::Markdown => render(Format::Markdown, self.reports)?,
            // The page's data is the --json export's very text.
            Export::Html => {
                html::compare_page(self.reports, &self.timelines, &json::render(self.reports)?)?
            }
            Export::Svg => {
                let panels: Vec<_> = self
                    .reports
                    .iter()
                    .zip(&self.timelines)
                    .map(|(r, t)| (r, *t))
                    .collect();
                timeline::svg(&panels)
            }
            Export::Timeline => {
                let all: Vec<_> = self
                    .reports
                    .iter()
                    .zip(&self.timelines)
                    .map(|(r, t)| serde_json::json!({"scenario": r.scenario, "timelines": t}))
                    .collect();
                serde_json::to_string(&all)? + "\n"
            }
        };
        Ok(text.into())
    }
}

/// `1.234` with a fixed number of decimals, or `–` when not measured.
pub fn fmt_opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.decimals$}"))
}

/// `0.412 (0.401–0.430)`.
pub fn fmt_spread(report_row: &crate::report::Row) -> String {
    match report_row.wall_s {
        Some(s) => format!("{:.3} ({:.3}–{:.3})", s.median, s.min, s.max),
        None => "–".into(),
    }
}

/// The interpreters that ran the rows (path order of first appearance).
pub fn interpreters(r: &Report) -> Vec<&InterpreterRef> {
    r.interpreters()
}

/// "py-threads", or "py-threads @3.13.1t" when several interpreters share a report.
pub fn label(r: &Report, row: &crate::report::Row) -> String {
    r.label(row)
}

/// Strategies × interpreters: "speedup× (wall s)" per cell; `None` for one interpreter.
pub fn matrix(r: &Report) -> Option<Vec<Vec<String>>> {
    let interpreters = interpreters(r);
    if interpreters.len() < 2 {
        return None;
    }
    let mut header = vec!["strategy".to_string()];
    header.extend(interpreters.iter().map(|i| {
        let gil = if i.gil_disabled {
            "free-threaded"
        } else {
            "GIL"
        };
        format!("{} ({gil})", i.version)
    }));
    let mut rows = vec![header];
    let mut ids: Vec<&str> = Vec::new();
    for row in r.results.iter().filter(|row| row.interpreter.is_some()) {
        if !ids.contains(&row.strategy.as_str()) {
            ids.push(&row.strategy);
        }
    }
    for id in ids {
        let mut line = vec![id.to_string()];
        for i in &interpreters {
            let cell = r
                .results
                .iter()
                .find(|row| row.strategy == id && row.interpreter.as_ref() == Some(*i));
            line.push(match cell {
                Some(row) => match (row.speedup, row.wall_s) {
                    (Some(x), Some(w)) => format!("{x:.2}× ({:.3} s)", w.median),
                    _ => row.status.word().to_string(),
                },
                None => "–".into(),
            });
        }
        rows.push(line);
    }
    Some(rows)
}

/// One plain line per free-threaded interpreter: its build's cost and the GIL's effect.
pub fn free_threading_lines(r: &Report) -> Vec<String> {
    r.free_threading
        .iter()
        .map(|c| {
            let mut parts = Vec::new();
            if let (Some(x), Some(gil)) = (c.sequential_vs_gil_build, &c.gil_build) {
                parts.push(format!("one thread runs {x:.2}× the time of the {gil} GIL build (the build's own cost)"));
            }
            if let Some(x) = c.sequential_with_gil_vs_without {
                parts.push(format!("with PYTHON_GIL=1 one thread takes {x:.2}× as long"));
            }
            if let (Some(off), Some(on)) = (c.threads_speedup_without_gil, c.threads_speedup_with_gil) {
                parts.push(format!("threads run {off:.2}× sequential without the GIL and {on:.2}× with it (the GIL's effect)"));
            }
            format!("free-threading {}: {}", c.interpreter, if parts.is_empty() { "not enough rows measured".into() } else { parts.join("; ") })
        })
        .collect()
}

/// The columns of the table and the Markdown report, after the strategy.
pub const COLUMNS: [&str; 10] = [
    "workers",
    "wall s median (min–max)",
    "start ms",
    "CPU s",
    "parallelism",
    "speedup best (median)",
    "vs py-seq",
    "overlap",
    "handoffs",
    "GIL wait",
];

/// A row's figures, formatted for [`COLUMNS`].
pub fn cells(row: &crate::report::Row) -> [String; 10] {
    [
        row.workers.to_string(),
        fmt_spread(row),
        fmt_opt(row.startup_s.map(|s| s * 1e3), 1),
        fmt_opt(row.cpu_s, 3),
        fmt_opt(row.parallelism, 2),
        match (row.speedup, row.speedup_median) {
            (Some(best), Some(median)) => format!("{best:.2} ({median:.2})"),
            _ => "–".into(),
        },
        fmt_opt(row.vs_python_sequential, 2),
        fmt_opt(row.overlap, 2),
        fmt_opt(row.handoffs, 0),
        fmt_opt(row.gil_contention, 2),
    ]
}

/// "gil-lab compare threading: CPython 3.11.7 (GIL) · 2 CPUs, linux x86_64"
pub fn title(r: &Report) -> String {
    let host = r.interpreter.as_ref();
    let ran: Vec<&InterpreterRef> = r.interpreters();
    let python = if ran.iter().all(|i| **i == host) {
        format!("{} at {}", r.interpreter.label(), r.interpreter.executable)
    } else {
        let versions: Vec<&str> = ran.iter().map(|i| i.version.as_str()).collect();
        format!(
            "Python rows in {} (host: {} at {})",
            versions.join(" and "),
            r.interpreter.label(),
            r.interpreter.executable
        )
    };
    let what = r
        .function
        .as_ref()
        .map_or(r.scenario_id().to_string(), |f| f.callable.target.clone());
    format!(
        "gil-lab compare {}: {python} · {} CPUs, {} {}",
        what, r.machine.cpus, r.machine.os, r.machine.arch
    )
}

/// The start methods the process pools really used, by interpreter: "fork (3.11.7), forkserver (3.14.10)".
fn start_methods(r: &Report) -> String {
    let mut seen: Vec<String> = Vec::new();
    for row in &r.results {
        if let (Some(method), Some(i)) = (&row.start_method, &row.interpreter) {
            let item = format!("{method} ({})", i.version);
            if !seen.contains(&item) {
                seen.push(item);
            }
        }
    }
    if seen.is_empty() {
        r.settings.start_method.clone()
    } else {
        seen.join(", ")
    }
}

/// A warning when other work was competing for the CPUs, else nothing.
pub fn busy_warning(r: &Report) -> Option<String> {
    machine_busy(&r.machine, "rows")
}

/// "1 claim", "15 claims": a count with its noun in the right number.
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The warning for figures measured on a machine other work was already using.
/// `what`: the figures it affects ("rows", "figures").
pub fn machine_busy(machine: &crate::report::Machine, what: &str) -> Option<String> {
    machine.was_busy().then(|| {
        format!(
            "warning: other work kept {:.1} of {} CPUs busy as measuring began: parallel {what} are understated",
            machine.busy_cpus.unwrap_or(0.0),
            machine.cpus
        )
    })
}

/// "workload: 2 tasks × sum(i*i for i in range(4000000)) · chunks of … · 2 workers · …"
pub fn workload_line(r: &Report) -> String {
    if r.function.is_some() {
        return format!(
            "workload: {} · one bar per task (the function is opaque) · {} workers · {} runs after {} warm-up, interleaved · start method {}",
            r.workload.description,
            r.settings.workers,
            r.settings.runs,
            r.settings.warmup,
            start_methods(r),
        );
    }
    format!(
        "workload: {} tasks × {} · chunks of {} {unit} (Python), {} (native) · {} workers · {} runs after {} warm-up, interleaved · start method {}",
        r.workload.tasks,
        r.workload.description,
        r.workload.chunk,
        r.workload.native_chunk,
        r.settings.workers,
        r.settings.runs,
        r.settings.warmup,
        start_methods(r),
        unit = r.workload.size_unit,
    )
}

#[cfg(test)]
pub(crate) mod fixture {
    use crate::cpython::interpreter::InterpreterFacts;
    use crate::engine::outcome::Outcome;
    use crate::engine::stats::Spread;
    use crate::engine::strategies::Implementation;
    use crate::engine::workload::{Kernel, Scenario};
    use crate::report::{Machine, Report, Row, Settings, WorkloadInfo};

    fn row(strategy: &str, implementation: Implementation, wall: f64, speedup: f64) -> Row {
        Row {
            strategy: strategy.into(),
            implementation,
            method: "mock".into(),
            interpreter: None,
            workers: 2,
            runs: 3,
            repeats: 1,
            startup_s: Some(0.0015),
            wall_s: Some(Spread {
                median: wall,
                min: wall * 0.9,
                max: wall * 1.1,
            }),
            cpu_s: Some(wall * speedup),
            parallelism: Some(speedup),
            speedup: Some(speedup),
            speedup_median: Some(speedup * 0.95),
            vs_python_sequential: Some(speedup),
            efficiency: Some(speedup / 2.0),
            overlap: Some(speedup),
            handoffs: Some(12.0),
            gil_contention: Some(0.5),
            gil_contention_reason: None,
            start_method: None,
            api: None,
            tachyon: None,
            checksum: Some(crate::engine::kernels::Value::Int(21333325333334000000)),
            status: Outcome::Ok,
            available: true,
            error: None,
            note: None,
            cluster: None,
            cannot_run: None,
            results_check: None,
            costs: None,
            output: None,
            gil_reenabled_by: None,
            verdict: format!("{strategy} verdict"),
        }
    }

    /// A fixed report: what the renderers are snapshot-tested on.
    pub fn report() -> Report {
        let mut unavailable = row("py-interpreter-pool", Implementation::Python, 0.0, 0.0);
        unavailable.available = false;
        unavailable.status = Outcome::Unavailable("needs CPython 3.14".into());
        unavailable.runs = 0;
        unavailable.wall_s = None;
        unavailable.cpu_s = None;
        unavailable.startup_s = None;
        unavailable.parallelism = None;
        unavailable.speedup = None;
        unavailable.speedup_median = None;
        unavailable.vs_python_sequential = None;
        unavailable.efficiency = None;
        unavailable.overlap = None;
        unavailable.handoffs = None;
        unavailable.gil_contention = None;
        unavailable.checksum = None;
        unavailable.note = Some("needs Python 3.14".into());
        Report {
            gil_lab_version: "0.1.0".into(),
            machine: Machine {
                cpus: 2,
                os: "linux".into(),
                arch: "x86_64".into(),
                busy_cpus: Some(1.5),
            },
            interpreter: InterpreterFacts {
                implementation: "CPython".into(),
                python_version: "3.11.7".into(),
                version_info: vec![3, 11, 7],
                executable: "/opt/python3.11".into(),
                prefix: "/opt".into(),
                free_threaded_build: false,
                gil_disabled: false,
                own_gil_subinterpreters: false,
                interpreter_pool: false,
                start_method: "fork".into(),
                cpus: 2,
                ..Default::default()
            },
            scenario: Scenario::Threading,
            workload: WorkloadInfo {
                kernel: Kernel::SumSquares,
                description: "sum(i*i for i in range(4000000))".into(),
                size: 4_000_000,
                size_unit: "iterations".into(),
                tasks: 2,
                chunk: 40_000,
                native_chunk: 800_000,
            },
            settings: Settings {
                workers: 2,
                runs: 3,
                warmup: 1,
                start_method: "fork".into(),
                interleaved: true,
            },
            free_threading: Vec::new(),
            function: None,
            answer: None,
            results: vec![
                row("py-sequential", Implementation::Python, 0.5, 1.0),
                row("py-threads", Implementation::Python, 0.52, 0.96),
                unavailable,
                row("rayon", Implementation::Rust, 0.002, 1.9),
            ],
        }
    }
}
