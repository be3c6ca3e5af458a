//! The terminal table, with verdicts and notes under it.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::render::{COLUMNS, cells, label, matrix, title, workload_line};
use crate::report::Report;

pub fn render(reports: &[Report]) -> String {
    reports
        .iter()
        .map(render_one)
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_one(r: &Report) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(std::iter::once("strategy").chain(COLUMNS));
    for row in &r.results {
        let cells = cells(row);
        let mut line = vec![Cell::new(label(r, row))];
        line.extend(
            cells
                .into_iter()
                .map(|c| Cell::new(c).set_alignment(CellAlignment::Right)),
        );
        table.add_row(line);
    }
    let mut out = format!("{}\n{}\n{table}\n", title(r), workload_line(r));
    if let Some(grid) = matrix(r) {
        let mut m = Table::new();
        m.load_style(presets::UTF8_FULL_CONDENSED);
        let mut lines = grid.into_iter();
        if let Some(header) = lines.next() {
            m.set_header(header);
        }
        for line in lines {
            m.add_row(line);
        }
        out += &format!("speedup (best) and median wall time, per interpreter:\n{m}\n");
    }
    for line in crate::render::free_threading_lines(r) {
        out += &format!("{line}\n");
    }
    let width = r
        .results
        .iter()
        .map(|x| label(r, x).chars().count())
        .max()
        .unwrap_or(0);
    for row in &r.results {
        out += &format!("  {:width$}  {}\n", label(r, row), row.verdict);
        if let Some(note) = &row.note {
            out += &format!("  {:width$}  note: {note}\n", "");
        }
        if let Some(check) = &row.tachyon {
            out += &format!("  {:width$}  GIL cross-check: {}\n", "", check.summary());
        }
    }
    if let Some(warning) = crate::render::busy_warning(r) {
        out += &format!("{warning}\n");
    }
    out += "speedup = fastest sequential run / this row's fastest run (in brackets: median / median), \
against py-sequential for Python rows and rust-sequential for native rows\n\
start ms = until the first chunk of work; parallelism = CPU s / wall s; \
overlap = mean number of workers running at once (chunk timeline)\n\
GIL wait = share of time a probe thread waited for the GIL, inside the row's own interpreter\n";
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(super::render(&[crate::render::fixture::report()]));
    }
}
