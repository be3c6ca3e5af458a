//! `--markdown`: a report that reads on its own.

use crate::render::{fmt_opt, fmt_spread, title, workload_line};
use crate::report::Report;

pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out += &format!("## {}\n\n{}\n\n", title(r), workload_line(r));
        out += "| strategy | workers | wall s median (min–max) | CPU s | parallelism | speedup | vs py-sequential | overlap | handoffs |\n";
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for row in &r.results {
            out += &format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                row.strategy,
                row.workers,
                fmt_spread(row),
                fmt_opt(row.cpu_s, 3),
                fmt_opt(row.parallelism, 2),
                fmt_opt(row.speedup, 2),
                fmt_opt(row.vs_python_sequential, 2),
                fmt_opt(row.overlap, 2),
                fmt_opt(row.handoffs, 0),
            );
        }
        out += "\n**Verdicts**\n\n";
        for row in &r.results {
            out += &format!("- `{}`: {}", row.strategy, row.verdict);
            if let Some(note) = &row.note {
                out += &format!(" — *{note}*");
            }
            out += "\n";
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
