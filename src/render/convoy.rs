//! The convoy table. It draws the report; it measures nothing.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::render::export::{Destinations, Export, Exporter, Rendered, json, not_written};
use crate::report::convoy::{ConvoyReport, baseline, verdict};

/// The convoy writes its JSON and Markdown; its figure is the table itself.
impl Exporter for ConvoyReport {
    const FORMATS: &'static [Export] = &[Export::Json, Export::Markdown];

    fn render(&self, format: Export, _: &Destinations) -> anyhow::Result<Rendered> {
        match format {
            Export::Json => Ok(json(self)?.into()),
            Export::Markdown => Ok(markdown(self).into()),
            other => Err(not_written(other)),
        }
    }
}

pub fn render(r: &ConvoyReport, fit: crate::render::fit::Fit) -> String {
    let mut out = String::new();
    for run in &r.runs {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header([
                "CPU work",
                "K",
                "switch ms",
                "round trips",
                "p50 ms",
                "p99 ms",
                "max ms",
                "near k×interval",
                "verdict",
            ]);
        for row in &run.rows {
            let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
            table.add_row(vec![
                Cell::new(&row.cpu_workers),
                right(row.k.to_string()),
                right(format!("{}", row.switch_interval_ms)),
                right(row.round_trips.to_string()),
                right(format!("{:.3}", row.p50_ms)),
                right(format!("{:.3}", row.p99_ms)),
                right(format!("{:.3}", row.max_ms)),
                right(
                    row.at_interval_multiples
                        .map_or("–".into(), |s| format!("{:.0} %", s * 100.0)),
                ),
                Cell::new(verdict(row, baseline(&run.rows, row))),
            ]);
        }
        out += &format!(
            "{}{}\n\n",
            fit.wrap(&format!(
                "gil-lab compare convoy: {} · {} CPUs, {} {}\n{}\n",
                run.interpreter, r.machine.cpus, r.machine.os, r.machine.arch, run.setup
            )),
            fit.draw(&mut table)
        );
    }
    out
}

/// The same tables in Markdown, one section per interpreter.
pub fn markdown(r: &ConvoyReport) -> String {
    let mut out = String::from("# The convoy effect\n\n");
    for run in &r.runs {
        out += &format!(
            "## {}\n\n{} CPUs, {} {}. {}\n\n",
            run.interpreter, r.machine.cpus, r.machine.os, r.machine.arch, run.setup
        );
        out += "| CPU work | K | switch ms | round trips | p50 ms | p99 ms | max ms | near k×interval | verdict |\n";
        out += "|---|--:|--:|--:|--:|--:|--:|--:|---|\n";
        for row in &run.rows {
            out += &format!(
                "| {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {} | {} |\n",
                row.cpu_workers,
                row.k,
                row.switch_interval_ms,
                row.round_trips,
                row.p50_ms,
                row.p99_ms,
                row.max_ms,
                row.at_interval_multiples
                    .map_or("–".into(), |s| format!("{:.0} %", s * 100.0)),
                verdict(row, baseline(&run.rows, row))
            );
        }
        out += "\n";
    }
    out
}
