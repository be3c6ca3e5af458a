//! Tables, Markdown and charts of the sweeps. They draw; they measure nothing.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde_json::Value;

use crate::render::chart::{Chart, Series, bars};
use crate::render::rows;
use crate::report::sweep::{ChunkSweep, IpcSweep, MemorySweep, WorkersSweep};

fn largest_worker_count(s: &WorkersSweep) -> usize {
    s.curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.workers))
        .max()
        .unwrap_or(1)
}

fn workers_grid(s: &WorkersSweep) -> (Vec<String>, Vec<Vec<String>>) {
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

fn headroom_lines(s: &WorkersSweep) -> Vec<String> {
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

/// A terminal table: the first column is a label, the others figures.
fn grid_table(header: Vec<String>, lines: Vec<Vec<String>>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
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
    t
}

/// The same grid as a Markdown table.
fn grid_markdown(header: &[String], lines: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for line in lines {
        out += &format!("| {} |\n", line.join(" | "));
    }
    out
}

pub fn workers_table(s: &WorkersSweep) -> String {
    let (header, lines) = workers_grid(s);
    let t = grid_table(header, lines);
    let mut out = format!("{}\n{t}\n", workers_heading(s));
    out += "  serial fraction: Amdahl's law fitted to the points up to the CPU count (± standard error)\n";
    for line in headroom_lines(s) {
        out += &format!("  {line}\n");
    }
    for note in &s.notes {
        out += &format!("  {note}\n");
    }
    if let Some(warning) = crate::render::machine_busy(&s.machine, "figures") {
        out += &format!("  {warning}\n");
    }
    out
}

pub fn workers_markdown(s: &WorkersSweep, chart: Option<&str>) -> String {
    let (header, lines) = workers_grid(s);
    let mut out = format!("# Speedup by worker count\n\n{}\n\n", workers_heading(s));
    out += &grid_markdown(&header, &lines);
    if let Some(path) = chart {
        out += &format!("\n![speedup curve]({path})\n");
    }
    out += "\n";
    for line in headroom_lines(s).iter().chain(&s.notes) {
        out += &format!("- {line}\n");
    }
    out
}

pub fn workers_chart(s: &WorkersSweep) -> String {
    let max = largest_worker_count(s);
    let mut series = vec![Series {
        label: "ideal (n×)".into(),
        points: (1..=max).map(|n| (n as f64, n as f64)).collect(),
        reference: true,
    }];
    series.extend(s.curves.iter().map(|c| {
        Series {
            label: c.model.clone(),
            points: c
                .points
                .iter()
                .map(|p| (p.workers as f64, p.speedup))
                .collect(),
            reference: false,
        }
    }));
    Chart {
        title: format!(
            "Speedup by workers · {} · {} CPUs",
            s.interpreter, s.machine.cpus
        ),
        x_label: "workers".into(),
        y_label: "speedup ×".into(),
        log_x: false,
        series,
    }
    .svg()
}

/// "1k", "256k", "1M": a chunk size in a column header.
fn short_count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// "1.1 µs", "1.05 ms".
fn duration_us(us: f64) -> String {
    if us >= 1_000.0 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

/// Rows: each model's speedup (best, median) per chunk size; under a model
/// that hands off per chunk, its ratio to its reference.
fn chunk_grid(s: &ChunkSweep) -> (Vec<String>, Vec<Vec<String>>) {
    let chunks = s.chunks();
    let point = |c: &crate::report::sweep::ChunkCurve, chunk| {
        c.points.iter().find(|p| p.chunk == chunk).cloned()
    };
    let mut header = vec!["iterations per chunk →".to_string()];
    header.extend(chunks.iter().map(|&c| {
        let us = s
            .curves
            .iter()
            .find_map(|curve| point(curve, c))
            .map_or(0.0, |p| p.chunk_us);
        format!("{} ({})", short_count(c), duration_us(us))
    }));
    let mut lines = Vec::new();
    for curve in &s.curves {
        let mut line = vec![curve.model.clone()];
        line.extend(chunks.iter().map(|&c| match point(curve, c) {
            Some(p) => match p.speedup_median {
                Some(m) => format!("{:.2} ({m:.2})", p.speedup),
                None => format!("{:.2}", p.speedup),
            },
            None => "–".into(),
        }));
        lines.push(line);
        if let Some(reference) = &curve.reference {
            let mut ratio = vec![format!("  ÷ {reference}")];
            ratio.extend(chunks.iter().map(|&c| {
                point(curve, c)
                    .and_then(|p| p.vs_reference)
                    .map_or("–".into(), |r| format!("{r:.2}"))
            }));
            lines.push(ratio);
        }
    }
    (header, lines)
}

/// One line per model that hands off per chunk: the cost at the smallest chunk,
/// and how close it comes to its reference at the largest.
fn chunk_lines(s: &ChunkSweep) -> Vec<String> {
    let mut out = Vec::new();
    for curve in s.curves.iter().filter(|c| c.reference.is_some()) {
        let reference = curve.reference.as_deref().unwrap_or("");
        let (Some(small), Some(large)) = (curve.points.first(), curve.points.last()) else {
            continue;
        };
        let cost = match small.extra_us_per_chunk {
            Some(us) if us > 0.0 => format!("about {us:.2} µs more per chunk"),
            Some(_) => "no measurable extra time per chunk".into(),
            None => "extra time per chunk not measured".into(),
        };
        let ratio = |r: Option<f64>| r.map_or("–".into(), |r| format!("{r:.2}×"));
        out.push(format!(
            "{} reached {} the speedup of {reference} at {} iterations per chunk ({} of work each: {cost}), {} at {} ({})",
            curve.model,
            ratio(small.vs_reference),
            short_count(small.chunk),
            duration_us(small.chunk_us),
            ratio(large.vs_reference),
            short_count(large.chunk),
            duration_us(large.chunk_us),
        ));
    }
    out
}

fn chunk_heading(s: &ChunkSweep) -> String {
    format!(
        "gil-lab sweep chunk: {} · {} CPUs, {} workers · {} · {} native iterations per ms · speedup = rust-sequential fastest ÷ model fastest of {} runs (median ÷ median), same chunks",
        s.interpreter, s.machine.cpus, s.workers, s.workload, s.iterations_per_ms, s.runs
    )
}

pub fn chunk_table(s: &ChunkSweep) -> String {
    let (header, lines) = chunk_grid(s);
    let mut out = format!("{}\n{}\n", chunk_heading(s), grid_table(header, lines));
    for line in chunk_lines(s).iter().chain(&s.notes) {
        out += &format!("  {line}\n");
    }
    out += "  ÷ reference: the model's speedup over its reference's at the same chunk size; compare sizes its native chunks to about 1 ms\n";
    if let Some(warning) = crate::render::machine_busy(&s.machine, "figures") {
        out += &format!("  {warning}\n");
    }
    out
}

pub fn chunk_markdown(s: &ChunkSweep, chart: Option<&str>) -> String {
    let (header, lines) = chunk_grid(s);
    let mut out = format!("# Speedup by chunk size\n\n{}\n\n", chunk_heading(s));
    out += &grid_markdown(&header, &lines);
    if let Some(path) = chart {
        out += &format!("\n![speedup by chunk size]({path})\n");
    }
    out += "\n";
    for line in chunk_lines(s).iter().chain(&s.notes) {
        out += &format!("- {line}\n");
    }
    out
}

/// Speedup against iterations per chunk (log scale), one line per model.
pub fn chunk_chart(s: &ChunkSweep) -> String {
    let chunks = s.chunks();
    let mut series = vec![Series {
        label: format!("ideal ({}×)", s.workers),
        points: chunks
            .iter()
            .map(|&c| (c as f64, s.workers as f64))
            .collect(),
        reference: true,
    }];
    series.extend(s.curves.iter().map(|c| {
        Series {
            label: c.model.clone(),
            points: c
                .points
                .iter()
                .map(|p| (p.chunk as f64, p.speedup))
                .collect(),
            reference: false,
        }
    }));
    Chart {
        title: format!(
            "Speedup by chunk size · {} workers · {}",
            s.workers, s.interpreter
        ),
        x_label: "iterations per chunk (log scale)".into(),
        y_label: "speedup ×".into(),
        log_x: true,
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
        self.notes.clone()
    }
}

/// Typed rows as the generic table reads them.
fn as_rows<T: serde::Serialize>(rows: &[T]) -> Vec<Value> {
    rows.iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect()
}

fn heading(s: &dyn RowSweep) -> String {
    format!("gil-lab sweep {}: {}", s.what(), s.interpreter())
}

pub fn rows_table(s: &dyn RowSweep) -> String {
    let mut out = format!("{}\n{}\n", heading(s), rows::table(&s.rows()));
    for n in s.notes() {
        out += &format!("  {n}\n");
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

/// PSS per worker kind and preload.
pub fn memory_chart(v: &MemorySweep) -> String {
    let items: Vec<(String, f64)> = v
        .rows
        .iter()
        .map(|r| {
            (
                format!("{} · preload {} MB", r.worker, r.preload_mb),
                r.loaded.pss_kb as f64 / 1024.0,
            )
        })
        .collect();
    bars(&format!("PSS per worker · {}", v.interpreter), "MB", &items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sweep::fixture::chunk_sweep;

    fn related() -> ChunkSweep {
        let mut s = chunk_sweep();
        s.relate_to_references(|chunk| 1_000_000.0 / chunk as f64);
        s
    }

    #[test]
    fn the_chunk_table_has_a_column_per_size_and_a_ratio_under_each_handing_off_model() {
        let t = chunk_table(&related());
        assert!(t.starts_with("gil-lab sweep chunk: CPython 3.11.7 (GIL) · 2 CPUs, 2 workers"));
        assert!(
            t.contains("1k (1.0 µs)") && t.contains("1M (1.00 ms)"),
            "{t}"
        );
        assert!(
            t.contains("0.50 (0.45)") && t.contains("÷ rust-threads"),
            "{t}"
        );
        assert!(t.contains("0.25") && t.contains("0.95"), "{t}");
        assert!(
            t.contains("rust-threads-detached reached 0.25× the speedup of rust-threads at 1k iterations per chunk (1.0 µs of work each: about 15.00 µs more per chunk), 0.95× at 1M (1.00 ms)"),
            "{t}"
        );
        assert!(t.contains("  a note\n"));
        assert!(!t.contains("warning:"));
    }

    #[test]
    fn the_chunk_markdown_is_a_table_with_its_chart() {
        let md = chunk_markdown(&related(), Some("chunk.svg"));
        assert!(md.starts_with("# Speedup by chunk size\n"));
        assert!(
            md.contains("| iterations per chunk → | 1k (1.0 µs) | 1M (1.00 ms) |\n|---|---|---|\n")
        );
        assert!(
            md.contains("| rust-threads | 2.00 (1.80) | 2.00 (1.80) |"),
            "{md}"
        );
        assert!(md.contains("![speedup by chunk size](chunk.svg)"));
        assert!(md.contains("- rust-threads-detached reached 0.25×"));
    }

    #[test]
    fn the_chunk_chart_draws_every_model_and_the_ideal() {
        let svg = chunk_chart(&related());
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        for label in [
            "ideal (2×)",
            "rust-threads-detached",
            "rust-threads",
            "log scale",
        ] {
            assert!(svg.contains(label), "{label}");
        }
    }

    #[test]
    fn chunk_sizes_read_short() {
        assert_eq!(short_count(1_000), "1k");
        assert_eq!(short_count(256_000), "256k");
        assert_eq!(short_count(1_000_000), "1M");
        assert_eq!(short_count(1_500), "1500");
        assert_eq!(duration_us(15.2), "15.2 µs");
        assert_eq!(duration_us(1_500.0), "1.50 ms");
    }
}
