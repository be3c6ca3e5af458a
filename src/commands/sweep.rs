//! `gil-lab sweep`: one figure across a range, as a table, JSON, Markdown and SVG.

use anyhow::Result;

use super::exports::Exports;
use super::progress::Bar;
use crate::cli::{SweepArgs, SweepKind};
use crate::cpython::interpreter::Embedded;
use crate::engine::guard::MAX_WORKERS_PER_CPU;
use crate::error::UsageError;
use crate::lab::sweep::{self, chunk, workers};
use crate::render::export::Export;
use crate::render::html::Sweep;
use crate::render::sweep::{self as draw, Drawn};

pub fn run(python: &Embedded, args: &SweepArgs) -> Result<i32> {
    let [json, markdown, html] = args.exports.flags();
    let exports =
        Exports::plan::<Drawn>(&[json, markdown, html, (Export::Svg, args.svg.as_deref())])?;
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
    if args.kind != SweepKind::Workers && args.max_workers.is_some() {
        return Err(
            UsageError::new("--max-workers applies to sweep workers only")
                .with_hint("gil-lab sweep workers --max-workers 4")
                .into(),
        );
    }
    let one_python = matches!(args.kind, SweepKind::Ipc | SweepKind::Memory);
    if !one_python && args.kind != SweepKind::Workers && !args.pythons.is_empty() {
        return Err(
            UsageError::new("--python applies to sweep workers, ipc and memory")
                .with_hint("gil-lab sweep memory --python 3.14")
                .into(),
        );
    }
    let other = match (one_python, args.pythons.as_slice()) {
        (true, [spec]) => Some(super::one_python(python, spec)?),
        (true, [_, _, ..]) => {
            return Err(
                UsageError::new("sweep ipc and memory run in one interpreter")
                    .with_hint("name one: --python 3.14")
                    .into(),
            );
        }
        _ => None,
    };
    let other = other.as_ref().map(|f| (f, python.python_dir()));
    if args.kind != SweepKind::Dask && args.dask.is_some() {
        return Err(UsageError::new("--dask applies to sweep dask only")
            .with_hint("gil-lab sweep dask --dask tcp://127.0.0.1:8786")
            .into());
    }
    // Reports name their chart by its file name when both are written.
    let chart_name = exports.destinations().file_name(Export::Svg);
    let chart_name = chart_name.as_deref();
    let fit = exports.fit();
    let drawn = match args.kind {
        SweepKind::Workers => {
            let options = workers::WorkersOptions {
                quick: args.quick,
                pythons: args.pythons.clone(),
                max_workers: args.max_workers,
            };
            let s = workers::sweep(python, &options, &mut Bar::new())?;
            let json = serde_json::to_string_pretty(&s)? + "\n";
            Drawn {
                table: draw::workers_table(&s, fit),
                markdown: draw::workers_markdown(&s, chart_name),
                chart: draw::workers_chart(&s),
                page: crate::render::html::sweep_page(Sweep::Workers(&s), &json),
                json,
            }
        }
        SweepKind::Chunk => {
            let options = chunk::ChunkOptions { quick: args.quick };
            let s = chunk::sweep(python, &options, &mut Bar::new())?;
            let json = serde_json::to_string_pretty(&s)? + "\n";
            Drawn {
                table: draw::chunk_table(&s, fit),
                markdown: draw::chunk_markdown(&s, chart_name),
                chart: draw::chunk_chart(&s),
                page: crate::render::html::sweep_page(Sweep::Chunk(&s), &json),
                json,
            }
        }
        SweepKind::Ipc => {
            let s = sweep::ipc(args.quick, other)?;
            let json = serde_json::to_string_pretty(&s)? + "\n";
            Drawn {
                table: draw::rows_table(&s, fit),
                markdown: draw::rows_markdown(&s, chart_name),
                chart: draw::ipc_chart(&s),
                page: crate::render::html::sweep_page(Sweep::Ipc(&s), &json),
                json,
            }
        }
        SweepKind::Dask => {
            let s = sweep::dask::overhead(args.quick, args.dask.as_deref())?;
            let json = serde_json::to_string_pretty(&s)? + "\n";
            Drawn {
                table: draw::rows_table(&s, fit),
                markdown: draw::rows_markdown(&s, chart_name),
                chart: crate::render::sweep_dask::chart(&s),
                page: crate::render::html::sweep_page(Sweep::Dask(&s), &json),
                json,
            }
        }
        SweepKind::Memory => {
            let s = sweep::memory(args.quick, args.preload_mb, other)?;
            let json = serde_json::to_string_pretty(&s)? + "\n";
            Drawn {
                table: draw::rows_table(&s, fit),
                markdown: draw::rows_markdown(&s, chart_name),
                chart: draw::memory_chart(&s),
                page: crate::render::html::sweep_page(Sweep::Memory(&s), &json),
                json,
            }
        }
    };
    exports.show(&drawn.table)?;
    exports.write_all(&drawn)?;
    Ok(0)
}
