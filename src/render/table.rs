//! The terminal table, with verdicts and notes under it.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::render::fit::Fit;
use crate::render::{COLUMNS, cells, label, matrix, title, workload_line};
use crate::report::Report;

/// The full table, as a pipe or a file gets it.
pub fn render(reports: &[Report]) -> String {
    render_fit(reports, Fit::FULL, true)
}

/// The table for a terminal `fit` wide: every column when it fits (or `wide`
/// asks), else the compact set, cells wrapped and prose broken to the width.
pub fn render_fit(reports: &[Report], fit: Fit, wide: bool) -> String {
    reports
        .iter()
        .map(|r| render_one(r, fit, wide))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Of [`COLUMNS`], the ones a narrow terminal shows.
const COMPACT: [usize; 4] = [1, 4, 5, 9];

fn results(r: &Report, columns: &[usize]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(std::iter::once("strategy").chain(columns.iter().map(|&i| COLUMNS[i])));
    for row in &r.results {
        let cells = cells(row);
        let mut line = vec![Cell::new(label(r, row))];
        line.extend(
            columns
                .iter()
                .map(|&i| Cell::new(&cells[i]).set_alignment(CellAlignment::Right)),
        );
        table.add_row(line);
    }
    table
}

fn render_one(r: &Report, fit: Fit, wide: bool) -> String {
    let all: Vec<usize> = (0..COLUMNS.len()).collect();
    let mut table = results(r, &all);
    let mut left_out = "";
    if let Some(width) = fit.0 {
        let full = table.lines().next().map_or(0, |l| l.chars().count());
        if full > width && !wide {
            table = results(r, &COMPACT);
            left_out = "(--wide shows every column: workers, start ms, CPU s, vs py-seq, overlap, handoffs)\n";
        }
    }
    let table = fit.draw(&mut table);
    let mut out = format!("{}\n{}\n{table}\n{left_out}", title(r), workload_line(r));
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
        out += &format!(
            "speedup (best) and median wall time, per interpreter:\n{}\n",
            fit.draw(&mut m)
        );
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
    if let Some(answer) = &r.answer {
        out += "answer:\n";
        for line in &answer.lines {
            out += &format!("  {line}\n");
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
    fit.wrap(&out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(super::render(&[crate::render::fixture::report()]));
    }

    #[test]
    fn an_80_column_terminal_gets_lines_no_wider() {
        let r = crate::render::fixture::report();
        for wide in [false, true] {
            let text = super::render_fit(std::slice::from_ref(&r), super::Fit(Some(80)), wide);
            let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest <= 80, "wide={wide}: {widest} columns\n{text}");
            assert!(
                text.contains("py-threads") && text.contains("speedup"),
                "{text}"
            );
        }
    }
}
