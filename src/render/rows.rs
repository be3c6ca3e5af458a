//! Rows of JSON objects as a table: what the Python experiments report, shown
//! without a renderer per experiment. Nested `{median, min, max}` objects are
//! shown as "median (min–max)"; other nested objects are flattened one level.

use comfy_table::{Cell, CellAlignment, Table, presets};
use serde_json::Value;

use crate::render::fit::Fit;

/// A number as people read it: integers whole, others to 3 significant digits.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.as_f64().map_or(n.to_string(), number),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Object(o) => match (o.get("median"), o.get("min"), o.get("max")) {
            (Some(m), Some(lo), Some(hi)) => format!("{} ({}–{})", cell(m), cell(lo), cell(hi)),
            _ => o
                .iter()
                .map(|(k, v)| format!("{k} {}", cell(v)))
                .collect::<Vec<_>>()
                .join(", "),
        },
    }
}

/// Column names in order of first appearance; objects that are not spreads become `key.sub` columns.
pub fn columns(rows: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for row in rows {
        let Some(obj) = row.as_object() else { continue };
        for (k, v) in obj {
            let names: Vec<String> = match v.as_object() {
                Some(inner) if !inner.contains_key("median") => {
                    inner.keys().map(|s| format!("{k}.{s}")).collect()
                }
                _ => vec![k.clone()],
            };
            for name in names {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

fn lookup<'a>(row: &'a Value, column: &str) -> &'a Value {
    match column.split_once('.') {
        Some((a, b)) if row.get(column).is_none() => &row[a][b],
        _ => &row[column],
    }
}

/// A column name as a heading people read: `after_touch.pss_kb` → "after touch
/// PSS kB", `wall_s` → "wall s".
pub fn heading(column: &str) -> String {
    column
        .split(['.', '_'])
        .map(|word| match word {
            "pss" | "rss" | "uss" | "cpu" | "gil" | "ipc" => word.to_uppercase(),
            "kb" => "kB".into(),
            "mb" => "MB".into(),
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The headings and the cells of every row, column by column.
pub fn grid(rows: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let cols = columns(rows);
    let cells = rows
        .iter()
        .map(|r| cols.iter().map(|c| cell(lookup(r, c))).collect())
        .collect();
    (cols.iter().map(|c| heading(c)).collect(), cells)
}

/// The rows as a table arranged to `fit` (a terminal's width), or whole.
pub fn table(rows: &[Value], fit: Fit) -> String {
    let (cols, cells) = grid(rows);
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_header(cols.clone());
    for line in cells {
        t.add_row(line.into_iter().map(|c| {
            let numeric = c.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-');
            let cell = Cell::new(c);
            if numeric {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    fit.draw(&mut t)
}

pub fn markdown(rows: &[Value]) -> String {
    let (cols, cells) = grid(rows);
    let mut out = format!("| {} |\n", cols.join(" | "));
    out += &format!("|{}\n", "---|".repeat(cols.len()));
    for line in cells {
        out += &format!("| {} |\n", line.join(" | ").replace('\n', " "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_become_headings() {
        assert_eq!(heading("after_touch.pss_kb"), "after touch PSS kB");
        assert_eq!(heading("workers"), "workers");
    }
    use serde_json::json;

    #[test]
    fn spreads_read_as_median_and_range_and_objects_flatten() {
        let rows = vec![
            json!({"route": "pipe", "seconds": {"median": 0.5, "min": 0.25, "max": 1.0}, "after": {"pss_kb": 10}}),
            json!({"route": "file", "extra": null}),
        ];
        let (cols, cells) = grid(&rows);
        assert_eq!(cols, ["route", "seconds", "after PSS kB", "extra"]);
        assert_eq!(cells[0], ["pipe", "0.500 (0.250–1)", "10", "–"]);
        assert_eq!(cells[1], ["file", "–", "–", "–"]);
        assert!(
            markdown(&rows)
                .starts_with("| route | seconds | after PSS kB | extra |\n|---|---|---|---|\n")
        );
    }
}
