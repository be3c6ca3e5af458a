//! `gil-lab sweep`: one figure across a range, as a table, JSON, Markdown and SVG.

use anyhow::Result;

use super::exports::Exports;
use super::progress::Bar;
use crate::cli::{SweepArgs, SweepKind};
use crate::cpython::interpreter::Embedded;
use crate::engine::guard::MAX_WORKERS_PER_CPU;
use crate::error::UsageError;
use crate::lab::sweep::{self, workers};
use crate::os::output::Destination;
use crate::render::sweep as draw;

/// What a sweep shows: table, Markdown, chart and JSON.
struct Shown {
    table: String,
    markdown: String,
    chart: String,
    json: String,
}

pub fn run(python: &Embedded, args: &SweepArgs) -> Result<i32> {
    let [json, markdown, html] = args.exports.flags();
    let exports = Exports::plan(&[json, markdown, html, ("--svg", args.svg.as_deref())])?;
    let most = MAX_WORKERS_PER_CPU * crate::os::machine::cpus();
    if let Some(n) = args.max_workers
        && (n == 0 || n > most)
    {
        return Err(UsageError::new(format!(
            "--max-workers must be between 1 and {most}, not {n}"
        ))
        .with_hint("e.g. --max-workers 4")
        .into());
    }
    if args.kind != SweepKind::Workers && (!args.pythons.is_empty() || args.max_workers.is_some()) {
        return Err(
            UsageError::new("--python and --max-workers apply to sweep workers only")
                .with_hint("gil-lab sweep workers --python 3.13 --max-workers 4")
                .into(),
        );
    }
    // Reports name their chart by its file name when both are written.
    let chart_name = match exports.get("--svg") {
        Some(Destination::File(p)) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
        _ => None,
    };
    let chart_name = chart_name.as_deref();
    let shown = match args.kind {
        SweepKind::Workers => {
            let options = workers::WorkersOptions {
                quick: args.quick,
                pythons: args.pythons.clone(),
                max_workers: args.max_workers,
            };
            let s = workers::sweep(python, &options, &mut Bar::new())?;
            Shown {
                table: draw::workers_table(&s),
                markdown: draw::workers_markdown(&s, chart_name),
                chart: draw::workers_chart(&s),
                json: serde_json::to_string_pretty(&s)?,
            }
        }
        SweepKind::Ipc => {
            let s = sweep::ipc(args.quick)?;
            Shown {
                table: draw::rows_table(&s),
                markdown: draw::rows_markdown(&s, chart_name),
                chart: draw::ipc_chart(&s),
                json: serde_json::to_string_pretty(&s)?,
            }
        }
        SweepKind::Memory => {
            let s = sweep::memory(args.quick, args.preload_mb)?;
            Shown {
                table: draw::rows_table(&s),
                markdown: draw::rows_markdown(&s, chart_name),
                chart: draw::memory_chart(&s),
                json: serde_json::to_string_pretty(&s)?,
            }
        }
    };
    exports.show(&shown.table)?;
    exports.write("--html", || {
        crate::render::html::data::from_json(&shown.json)
    })?;
    exports.write("--json", || Ok(shown.json + "\n"))?;
    exports.write("--markdown", || Ok(shown.markdown))?;
    exports.write("--svg", || Ok(shown.chart))?;
    Ok(0)
}
