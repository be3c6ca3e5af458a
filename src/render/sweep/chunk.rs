//! `sweep chunk`'s table, Markdown and chart: speedup by iterations per chunk,
//! and each handing-off model's ratio to its reference.

use super::{Grid, grid_document, grid_text, speedup_chart};
use crate::render::fit::Fit;
use crate::report::sweep::{ChunkCurve, ChunkPoint, ChunkSweep};

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
pub(crate) fn chunk_grid(s: &ChunkSweep) -> Grid {
    let chunks = s.chunks();
    let point = |c: &ChunkCurve, chunk| -> Option<ChunkPoint> {
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
pub(crate) fn chunk_lines(s: &ChunkSweep) -> Vec<String> {
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

pub fn chunk_table(s: &ChunkSweep, fit: Fit) -> String {
    let mut notes = chunk_lines(s);
    notes.extend(s.notes.iter().cloned());
    notes.push("÷ reference: the model's speedup over its reference's at the same chunk size; compare sizes its native chunks to about 1 ms".into());
    grid_text(&chunk_heading(s), chunk_grid(s), &notes, &s.machine, fit)
}

pub fn chunk_markdown(s: &ChunkSweep, chart: Option<&str>) -> String {
    let mut notes = chunk_lines(s);
    notes.extend(s.notes.iter().cloned());
    grid_document(
        "Speedup by chunk size",
        &chunk_heading(s),
        chunk_grid(s),
        chart.map(|path| ("speedup by chunk size", path)),
        &notes,
    )
}

/// Speedup against iterations per chunk (log scale), one line per model.
pub fn chunk_chart(s: &ChunkSweep) -> String {
    let ideal = s
        .chunks()
        .iter()
        .map(|&c| (c as f64, s.workers as f64))
        .collect();
    speedup_chart(
        format!(
            "Speedup by chunk size · {} workers · {}",
            s.workers, s.interpreter
        ),
        ("iterations per chunk (log scale)", true),
        (format!("ideal ({}×)", s.workers), ideal),
        s.curves.iter().map(|c| {
            let points = c.points.iter().map(|p| (p.chunk as f64, p.speedup));
            (c.model.clone(), points.collect())
        }),
    )
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
        let t = chunk_table(&related(), Fit::FULL);
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
