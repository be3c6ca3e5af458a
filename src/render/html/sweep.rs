//! Sweeps: the workers grid with its line chart, and the rows of ipc and memory.

use std::fmt::Write;

use serde_json::Value;

use super::compare::{tick_label, ticks};
use super::verify::bars;
use super::*;
use crate::render::sweep::{self as draw, Grid, RowSweep};
use crate::report::dask::OverheadSweep;
use crate::report::sweep::{ChunkSweep, IpcSweep, MemorySweep, WorkersSweep};

// ---------------------------------------------------------------- sweep

/// One line of a chart: its label, its points and whether it is a reference (dashed).
type Series = (String, Vec<(f64, f64)>, bool);

/// A line chart; reference series are drawn dashed and grey.
fn line_chart(title: &str, x_label: &str, y_label: &str, log_x: bool, series: &[Series]) -> String {
    let (w, h, left, right, top, bottom) = (820.0, 440.0, 70.0, 210.0, 44.0, 56.0);
    let tx = |x: f64| if log_x { x.max(1e-12).log10() } else { x };
    let points = series.iter().flat_map(|s| s.1.iter().copied());
    let (x0, x1, y1) = crate::render::chart::bounds(points, log_x);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let px = |x: f64| left + (tx(x) - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - y / y1 * ph;
    let mut out = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"16\" fill=\"{INK}\" role=\"img\" aria-label=\"{t}\"><text x=\"{left}\" y=\"26\" font-size=\"18\" font-weight=\"bold\">{t}</text><rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>\n",
        t = escape(title)
    );
    for t in ticks(0.0, y1) {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{0}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"#e3e6ea\"/><text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\" font-size=\"15\">{4}</text>",
            left + pw,
            py(t),
            left - 6.0,
            py(t) + 4.0,
            tick_label(t)
        );
    }
    // Counts (workers) get whole ticks only; a log axis gets its decades.
    let whole = log_x
        || series
            .iter()
            .flat_map(|s| s.1.iter())
            .all(|p| p.0.fract() == 0.0);
    for t in ticks(x0, x1) {
        if whole && t.fract().abs() > 1e-9 {
            continue;
        }
        let value = if log_x { 10f64.powf(t) } else { t };
        let label = if value >= 1e6 {
            format!("{}M", tick_label(value / 1e6))
        } else if value >= 1e3 {
            format!("{}k", tick_label(value / 1e3))
        } else {
            tick_label(value)
        };
        let _ = write!(
            out,
            "<text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\" font-size=\"15\">{label}</text>",
            left + (t - x0) / (x1 - x0) * pw,
            top + ph + 18.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">{2}</text><text x=\"16\" y=\"{3}\" transform=\"rotate(-90 16 {3})\" text-anchor=\"middle\">{4}</text>",
        left + pw / 2.0,
        h - 14.0,
        escape(x_label),
        top + ph / 2.0,
        escape(y_label)
    );
    let mut colors = [
        PYTHON_COLOR,
        RUST_COLOR,
        "#15803d",
        "#7e22ce",
        "#be185d",
        "#4d7c0f",
    ]
    .iter()
    .cycle();
    for (i, (label, points, reference)) in series.iter().enumerate() {
        let (stroke, dash) = if *reference {
            ("#6b7280", " stroke-dasharray=\"6 4\"")
        } else {
            (*colors.next().unwrap_or(&INK), "")
        };
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/>",
            path.join(" ")
        );
        if !reference {
            for &(x, y) in points {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{stroke}\"><title>{}: {} at {}</title></circle>",
                    px(x),
                    py(y),
                    escape(label),
                    number(y),
                    number(x)
                );
            }
        }
        let ly = top + 14.0 + i as f64 * 22.0;
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/><text x=\"{2}\" y=\"{3}\">{4}</text>",
            w - right + 12.0,
            w - right + 36.0,
            w - right + 42.0,
            ly + 5.0,
            escape(label)
        );
    }
    out + "</svg>\n"
}

/// The sweep a page shows.
pub enum Sweep<'a> {
    Workers(&'a WorkersSweep),
    Chunk(&'a ChunkSweep),
    Ipc(&'a IpcSweep),
    Memory(&'a MemorySweep),
    Dask(&'a OverheadSweep),
}

impl Sweep<'_> {
    pub(super) fn title(&self) -> String {
        match self {
            Sweep::Workers(_) => "gil-lab sweep workers".into(),
            Sweep::Chunk(_) => "gil-lab sweep chunk".into(),
            Sweep::Ipc(s) => format!("gil-lab sweep {}", s.what()),
            Sweep::Memory(s) => format!("gil-lab sweep {}", s.what()),
            Sweep::Dask(s) => format!("gil-lab sweep {}", s.what()),
        }
    }

    pub(super) fn body(&self) -> String {
        match self {
            Sweep::Workers(s) => sweep_workers(s),
            Sweep::Chunk(s) => sweep_chunk(s),
            Sweep::Ipc(s) => sweep_rows(*s, ipc_extras(s)),
            Sweep::Memory(s) => sweep_rows(*s, memory_chart(s)),
            Sweep::Dask(s) => sweep_rows(*s, String::new()),
        }
    }
}

fn notes(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"notes\">");
    for n in items {
        let _ = write!(out, "<li>{}</li>", escape(n));
    }
    out + "</ul>\n"
}

/// A grid (header, lines) as a table; each line's first cell heads its row.
fn grid_table((header, lines): Grid) -> String {
    let mut out = String::from("<div class=\"scroll\"><table class=\"results\"><thead><tr>");
    for (k, h) in header.iter().enumerate() {
        cell(&mut out, "th", if k == 0 { "" } else { "num" }, &escape(h));
    }
    out += "</tr></thead><tbody>\n";
    for line in lines {
        let Some((first, figures)) = line.split_first() else {
            continue;
        };
        let _ = write!(
            out,
            "<tr data-strategy=\"{0}\"><th>{0}</th>",
            escape(first.trim())
        );
        for f in figures {
            cell(&mut out, "td", "num", &escape(f));
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

/// A sweep's section as far as its table: heading, facts (what ran where,
/// and what `speedup` means) and the busy machine's warning.
fn section_head(
    heading: &str,
    (interpreter, machine, workload): (&str, &Machine, &str),
    speedup: String,
) -> String {
    let mut out = format!(
        "<section class=\"report sweep\">\n<h1>{}</h1>\n",
        escape(heading)
    );
    out += &facts(&[
        ("interpreter", interpreter.to_string()),
        ("machine", machine_line(machine)),
        ("workload", workload.to_string()),
        ("speedup", speedup),
    ]);
    out + &busy_warning(machine, "figures")
}

fn sweep_workers(s: &WorkersSweep) -> String {
    let mut out = section_head(
        "gil-lab sweep workers: speedup by worker count",
        (&s.interpreter, &s.machine, &s.workload),
        format!(
            "sequential fastest ÷ model fastest of {} runs, same total work",
            s.runs
        ),
    );
    out += &grid_table(draw::workers_grid(s));
    out += "<p>Serial fraction: Amdahl's law fitted to the points up to the CPU count (± standard error).</p>\n";
    let max = s
        .curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.workers))
        .max()
        .unwrap_or(1);
    let mut series = vec![(
        "ideal (n×)".to_string(),
        (1..=max).map(|n| (n as f64, n as f64)).collect::<Vec<_>>(),
        true,
    )];
    for c in &s.curves {
        series.push((
            c.model.clone(),
            c.points
                .iter()
                .map(|p| (p.workers as f64, p.speedup))
                .collect(),
            false,
        ));
    }
    out += &line_chart(
        &format!("Speedup by workers · {}", s.interpreter),
        "workers",
        "speedup ×",
        false,
        &series,
    );
    for line in draw::headroom_lines(s) {
        let mut chars = line.chars();
        let capital: String = chars
            .next()
            .into_iter()
            .flat_map(char::to_uppercase)
            .collect();
        let _ = writeln!(out, "<p>{}.</p>", escape(&(capital + chars.as_str())));
    }
    out += &notes(&s.notes);
    out + "</section>\n"
}

fn sweep_chunk(s: &ChunkSweep) -> String {
    let mut out = section_head(
        "gil-lab sweep chunk: speedup by iterations per chunk",
        (&s.interpreter, &s.machine, &s.workload),
        format!(
            "rust-sequential fastest ÷ model fastest of {} runs (median ÷ median), {} workers, same chunks; {} native iterations per ms",
            s.runs, s.workers, s.iterations_per_ms
        ),
    );
    out += &grid_table(draw::chunk_grid(s));
    let series: Vec<Series> = s
        .curves
        .iter()
        .map(|c| {
            let points = c.points.iter().map(|p| (p.chunk as f64, p.speedup));
            (c.model.clone(), points.collect(), false)
        })
        .collect();
    out += &line_chart(
        &format!("Speedup by chunk size · {}", s.interpreter),
        "iterations per chunk (log scale)",
        "speedup ×",
        true,
        &series,
    );
    for line in draw::chunk_lines(s) {
        let _ = writeln!(out, "<p>{}.</p>", escape(&line));
    }
    out += &notes(&s.notes);
    out + "</section>\n"
}

/// Rows of figures as a table, in the generic columns the terminal table
/// shows too (`render::rows::grid`).
fn rows_table(rows: &[Value]) -> String {
    let (columns, lines) = crate::render::rows::grid(rows);
    let mut out = String::from("<div class=\"scroll\"><table class=\"results\"><thead><tr>");
    for c in &columns {
        // Long keys (after_touch.pss_kb) may break after a dot or an underscore.
        let name = escape(c).replace('.', ".<wbr>").replace('_', "_<wbr>");
        let _ = write!(out, "<th>{name}</th>");
    }
    out += "</tr></thead><tbody>\n";
    for line in lines {
        out += "<tr>";
        for c in line {
            let numeric = c.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-');
            cell(
                &mut out,
                "td",
                if numeric { "num" } else { "" },
                &escape(&c),
            );
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

/// The page of an ipc, memory or dask sweep: its rows, its chart, its notes.
fn sweep_rows(s: &dyn RowSweep, chart: String) -> String {
    let mut out = format!(
        "<section class=\"report sweep\">\n<h1>{}</h1>\n",
        escape(&draw::heading(s))
    );
    out += &rows_table(&s.rows());
    out += &chart;
    out += &notes(&s.notes());
    out + "</section>\n"
}

/// Round trip cost per MB by payload, a line per route; then where a pool
/// starts to pay, when measured.
fn ipc_extras(s: &IpcSweep) -> String {
    let mut series: Vec<Series> = Vec::new();
    for r in &s.rows {
        let point = (r.payload_bytes as f64, r.ms_per_mb);
        match series.iter_mut().find(|line| line.0 == r.route) {
            Some(line) => line.1.push(point),
            None => series.push((r.route.clone(), vec![point], false)),
        }
    }
    let mut out = line_chart(
        "Round trip cost per MB",
        "payload bytes (log scale)",
        "ms per MB",
        true,
        &series,
    );
    if let Some(c) = &s.crossover {
        let rows = serde_json::to_value(&c.rows).unwrap_or_default();
        let _ = writeln!(
            out,
            "<h2>Where a process pool starts to pay</h2>\n<p>{}</p>",
            escape(&c.measured_by)
        );
        out += &rows_table(rows.as_array().map_or(&[], Vec::as_slice));
    }
    out
}

/// PSS per worker kind and preload.
fn memory_chart(s: &MemorySweep) -> String {
    let items = draw::memory_items(s);
    if items.is_empty() {
        return String::new();
    }
    bars("PSS per worker", "MB", &items)
}
