//! `--markdown`: a report that reads on its own.

use crate::render::{COLUMNS, cells, label, title, workload_line};
use crate::report::Report;

pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out += &format!("## {}\n\n{}\n\n", title(r), workload_line(r));
        out += &format!("| strategy | {} |\n", COLUMNS.join(" | "));
        out += &format!("|---|{}\n", "---:|".repeat(COLUMNS.len()));
        for row in &r.results {
            out += &format!("| `{}` | {} |\n", label(r, row), cells(row).join(" | "));
        }
        for line in crate::render::free_threading_lines(r) {
            out += &format!("\n{line}\n");
        }
        out += "\n**Verdicts**\n\n";
        for row in &r.results {
            out += &format!("- `{}`: {}", label(r, row), row.verdict);
            if let Some(note) = &row.note {
                out += &format!(" — *{note}*");
            }
            out += "\n";
        }
        if let Some(answer) = &r.answer {
            out += "\n**Answer**\n\n";
            for line in &answer.lines {
                out += &format!("- {line}\n");
            }
        }
        if let Some(warning) = crate::render::busy_warning(r) {
            out += &format!("\n> {warning}\n");
        }
        out += "\n";
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(super::render(&[crate::render::fixture::report()]));
    }
}
