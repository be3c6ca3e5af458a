//! Tables, Markdown and charts of the sweeps (`chunk.rs`: the chunk sweep's).
//! They draw; they measure nothing.

use comfy_table::{Cell, CellAlignment, Table, presets};
use serde_json::Value;

use crate::os::machine::Machine;
use crate::render::chart::{Chart, Series, bars};
use crate::render::export::{Destinations, Export, Exporter, Rendered, not_written};
use crate::render::fit::Fit;
use crate::render::rows;
use crate::report::sweep::{IpcSweep, MemorySweep, WorkersSweep};

mod chunk;
pub use chunk::{chunk_chart, chunk_markdown, chunk_table};
pub(crate) use chunk::{chunk_grid, chunk_lines};

fn largest_worker_count(s: &WorkersSweep) -> usize {
    s.curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.workers))
        .max()
        .unwrap_or(1)
}

pub(crate) fn workers_grid(s: &WorkersSweep) -> Grid {
    let max = largest_worker_count(s);
    let mut header = vec!["model".to_string()];
    header.extend((1..=max).map(|n| format!("{n} w")));
    header.extend(["serial fraction".into(), "predicted at 8".into()]);
    let lines = s
        .curves
        .iter()
        .map(|c| {
            let mut line = vec![c.model.clone()];
            for n in 1..=max {
                line.push(
                    c.points
                        .iter()
                        .find(|p| p.workers == n)
                        .map_or("–".into(), |p| format!("{:.2}", p.speedup)),
                );
            }
            match &c.fit {
                Some(f) => {
                    line.push(match f.serial_fraction_error {
                        Some(e) => format!("{:.3} ± {:.3}", f.serial_fraction, e),
                        None => format!("{:.3}", f.serial_fraction),
                    });
                    line.push(
                        f.predicted
                            .get("8")
                            .map_or("–".into(), |v| format!("{v:.2}×")),
                    );
                }
                None => line.extend(["–".into(), "–".into()]),
            }
            line
        })
        .collect();
    (header, lines)
}

pub(crate) fn headroom_lines(s: &WorkersSweep) -> Vec<String> {
    s.headroom
        .iter()
        .map(|h| {
            format!(
                "small task ({} iterations) with {} CPU(s) kept busy: median {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} probes",
                h.probe_size, h.busy_workers, h.probe_ms.median, h.probe_ms.p90, h.probe_ms.max, h.probes
            )
        })
        .collect()
}

fn workers_heading(s: &WorkersSweep) -> String {
    format!(
        "gil-lab sweep workers: {} · {} CPUs · {} · speedup = sequential fastest ÷ model fastest of {} runs, same total work",
        s.interpreter, s.machine.cpus, s.workload, s.runs
    )
}

/// A sweep drawn from its typed report: the table, the Markdown, the chart,
/// the page and the JSON (the page's data is that very text).
pub struct Drawn {
    pub table: String,
    pub markdown: String,
    pub chart: String,
    pub page: String,
    pub json: String,
}

impl Exporter for Drawn {
    const FORMATS: &'static [Export] = &[Export::Json, Export::Markdown, Export::Html, Export::Svg];

    fn render(&self, format: Export, _: &Destinations) -> anyhow::Result<Rendered> {
        Ok(match format {
            Export::Json => self.json.clone().into(),
            Export::Markdown => self.markdown.clone().into(),
            Export::Html => self.page.clone().into(),
            Export::Svg => self.chart.clone().into(),
            other => return Err(not_written(other)),
        })
    }
}

/// A table's header and lines: the first column a label, the others figures.
pub(crate) type Grid = (Vec<String>, Vec<Vec<String>>);

/// A grid for the terminal under its heading, `lines` under it, then the
/// warning when other work kept the CPUs busy; arranged to `fit`.
pub(super) fn grid_text(
    heading: &str,
    (header, lines): Grid,
    notes: &[String],
    machine: &Machine,
    fit: Fit,
) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_header(header);
    for line in lines {
        t.add_row(line.into_iter().enumerate().map(|(i, c)| {
            if i == 0 {
                Cell::new(c)
            } else {
                Cell::new(c).set_alignment(CellAlignment::Right)
            }
        }));
    }
    let t = fit.draw(&mut t);
    let mut out = format!("{}\n{t}\n", fit.wrap(heading));
    for note in notes {
        out += &fit.wrap(&format!("  {note}\n"));
    }
    if let Some(warning) = crate::render::machine_busy(machine, "figures") {
        out += &fit.wrap(&format!("  {warning}\n"));
    }
    out
}

/// A grid as a Markdown document: title, heading, the table, the chart
/// (`alt`, `path`) and `notes` as a list.
pub(super) fn grid_document(
    title: &str,
    heading: &str,
    (header, lines): Grid,
    chart: Option<(&str, &str)>,
    notes: &[String],
) -> String {
    let mut out = format!("# {title}\n\n{heading}\n\n");
    out += &format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for line in lines {
        out += &format!("| {} |\n", line.join(" | "));
    }
    if let Some((alt, path)) = chart {
        out += &format!("\n![{alt}]({path})\n");
    }
    out += "\n";
    for note in notes {
        out += &format!("- {note}\n");
    }
    out
}

pub fn workers_table(s: &WorkersSweep, fit: Fit) -> String {
    let mut notes = vec![
        "serial fraction: Amdahl's law fitted to the points up to the CPU count (± standard error)"
            .to_string(),
    ];
    notes.extend(headroom_lines(s));
    notes.extend(s.notes.iter().cloned());
    grid_text(
        &workers_heading(s),
        workers_grid(s),
        &notes,
        &s.machine,
        fit,
    )
}

pub fn workers_markdown(s: &WorkersSweep, chart: Option<&str>) -> String {
    let mut notes = headroom_lines(s);
    notes.extend(s.notes.iter().cloned());
    grid_document(
        "Speedup by worker count",
        &workers_heading(s),
        workers_grid(s),
        chart.map(|path| ("speedup curve", path)),
        &notes,
    )
}

pub fn workers_chart(s: &WorkersSweep) -> String {
    let max = largest_worker_count(s);
    speedup_chart(
        format!(
            "Speedup by workers · {} · {} CPUs",
            s.interpreter, s.machine.cpus
        ),
        ("workers", false),
        (
            "ideal (n×)".into(),
            (1..=max).map(|n| (n as f64, n as f64)).collect(),
        ),
        s.curves.iter().map(|c| {
            let points = c.points.iter().map(|p| (p.workers as f64, p.speedup));
            (c.model.clone(), points.collect())
        }),
    )
}

/// A chart of speedup curves: `x` is the axis label and whether it is log-scaled;
/// `ideal` is drawn as the dashed reference line under the measured `curves`.
fn speedup_chart(
    title: String,
    (x_label, log_x): (&str, bool),
    ideal: (String, Vec<(f64, f64)>),
    curves: impl Iterator<Item = (String, Vec<(f64, f64)>)>,
) -> String {
    let line = |(label, points), reference| Series {
        label,
        points,
        reference,
    };
    let mut series = vec![line(ideal, true)];
    series.extend(curves.map(|c| line(c, false)));
    Chart {
        title,
        x_label: x_label.into(),
        y_label: "speedup ×".into(),
        log_x,
        series,
    }
    .svg()
}

/// What the generic row renderers need from an experiment's sweep.
pub trait RowSweep {
    /// "ipc" or "memory".
    fn what(&self) -> &'static str;
    fn interpreter(&self) -> &str;
    /// The rows, as the generic table reads them.
    fn rows(&self) -> Vec<Value>;
    /// Lines shown under the table.
    fn notes(&self) -> Vec<String>;
}

impl RowSweep for IpcSweep {
    fn what(&self) -> &'static str {
        "ipc"
    }
    fn interpreter(&self) -> &str {
        &self.interpreter
    }
    fn rows(&self) -> Vec<Value> {
        as_rows(&self.rows)
    }
    fn notes(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        if let Some(c) = &self.crossover {
            let iterations = c
                .iterations
                .map_or("the pool never won".to_string(), rows::number);
            let cpu = c.cpu_seconds.map_or("–".to_string(), rows::number);
            out.push(format!(
                "crossover: measured_by: {}; workers: {}; tasks: {}; rounds: {}; start_method: {}; overhead_us_per_task: {}; iterations: {iterations}; cpu_seconds: {cpu}",
                c.measured_by,
                c.workers,
                c.tasks,
                c.rounds,
                c.start_method,
                rows::number(c.overhead_us_per_task)
            ));
        }
        out
    }
}

impl RowSweep for MemorySweep {
    fn what(&self) -> &'static str {
        "memory"
    }
    fn interpreter(&self) -> &str {
        &self.interpreter
    }
    fn rows(&self) -> Vec<Value> {
        as_rows(&self.rows)
    }
    fn notes(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        if !self.start_ms.is_empty() {
            let starts: Vec<String> = self
                .start_ms
                .iter()
                .map(|(kind, ms)| {
                    format!(
                        "{kind} {} ms ({}–{})",
                        rows::number(ms.median),
                        rows::number(ms.min),
                        rows::number(ms.max)
                    )
                })
                .collect();
            out.push(format!("start-up per worker: {}", starts.join(", ")));
        }
        for p in &self.interpreter_pool_vs_forkserver {
            out.push(format!(
                "preload {} MB: an interpreter-pool worker holds {} kB of PSS against {} kB per forkserver child ({:.2}×)",
                p.preload_mb,
                p.interpreter_pool_pss_kb,
                p.forkserver_pss_kb,
                p.interpreter_pool_over_forkserver
            ));
        }
        out
    }
}

/// Typed rows as the generic table reads them.
fn as_rows<T: serde::Serialize>(rows: &[T]) -> Vec<Value> {
    rows.iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect()
}

pub(crate) fn heading(s: &dyn RowSweep) -> String {
    format!("gil-lab sweep {}: {}", s.what(), s.interpreter())
}

pub fn rows_table(s: &dyn RowSweep, fit: Fit) -> String {
    let mut out = format!(
        "{}\n{}\n",
        fit.wrap(&heading(s)),
        rows::table(&s.rows(), fit)
    );
    for n in s.notes() {
        out += &fit.wrap(&format!("  {n}\n"));
    }
    out
}

pub fn rows_markdown(s: &dyn RowSweep, chart: Option<&str>) -> String {
    let mut out = format!("# {}\n\n{}\n", heading(s), rows::markdown(&s.rows()));
    if let Some(path) = chart {
        out += &format!("\n![{} chart]({path})\n", s.what());
    }
    out += "\n";
    for n in s.notes() {
        out += &format!("- {n}\n");
    }
    out
}

/// ms per MB against payload size, one line per route.
pub fn ipc_chart(v: &IpcSweep) -> String {
    let mut series: Vec<Series> = Vec::new();
    for r in &v.rows {
        let point = (r.payload_bytes as f64, r.ms_per_mb);
        match series.iter_mut().find(|s| s.label == r.route) {
            Some(s) => s.points.push(point),
            None => series.push(Series {
                label: r.route.clone(),
                points: vec![point],
                reference: false,
            }),
        }
    }
    Chart {
        title: format!("Round trip cost per MB · {}", v.interpreter),
        x_label: "payload bytes (log scale)".into(),
        y_label: "ms per MB".into(),
        log_x: true,
        series,
    }
    .svg()
}

/// Each worker kind's PSS in MB, labelled with its preload: the bars of every memory chart.
pub(crate) fn memory_items(v: &MemorySweep) -> Vec<(String, f64)> {
    v.rows
        .iter()
        .map(|r| {
            (
                format!("{} · preload {} MB", r.worker, r.preload_mb),
                r.loaded.pss_kb as f64 / 1024.0,
            )
        })
        .collect()
}

/// PSS per worker kind and preload.
pub fn memory_chart(v: &MemorySweep) -> String {
    bars(
        &format!("PSS per worker · {}", v.interpreter),
        "MB",
        &memory_items(v),
    )
}
