//! Output that fits a terminal: tables arranged to its width, and prose lines
//! wrapped at a space. Without a width (a pipe, a file) the text is left whole.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width};

/// The width to fit, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fit(pub Option<usize>);

impl Fit {
    /// Full width: nothing is arranged or wrapped.
    pub const FULL: Fit = Fit(None);

    /// Whether a terminal this narrow asks for the compact tables.
    pub fn narrow(self, below: usize) -> bool {
        self.0.is_some_and(|w| w < below)
    }

    /// `table` drawn to the width: wrapped headers first, so that each cell
    /// stays on one line where the cells alone fit; where even they do not, one
    /// block per row (see [`records`]) instead of numbers broken mid-token.
    /// Without a width the table stays whole.
    pub fn draw(self, table: &mut Table) -> String {
        match self.0 {
            Some(width) if !self.arrange(table) => records(table, width),
            _ => table.to_string(),
        }
    }

    /// Lets `table` wrap to the width: the headers first, so that each cell
    /// stays on one line where the cells alone fit. A full table stays as it is.
    /// False where not even the cells fit.
    fn arrange(self, table: &mut Table) -> bool {
        let Some(width) = self.0 else {
            table.set_content_arrangement(ContentArrangement::Disabled);
            return true;
        };
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width.min(u16::MAX as usize) as u16);
        let widest = |texts: Vec<String>, of: fn(&str) -> usize| -> Vec<usize> {
            texts.iter().map(|t| of(t)).collect()
        };
        let line = |s: &str| s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        let word = |s: &str| {
            s.split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0)
        };
        let mut cells: Vec<usize> = Vec::new();
        for row in table.row_iter() {
            let texts = row.cell_iter().map(|c| c.content()).collect();
            for (i, w) in widest(texts, line).into_iter().enumerate() {
                if cells.len() <= i {
                    cells.push(0);
                }
                cells[i] = cells[i].max(w);
            }
        }
        let headers = table
            .header()
            .map(|h| widest(h.cell_iter().map(|c| c.content()).collect(), word))
            .unwrap_or_default();
        let whole_words: Vec<usize> = cells
            .iter()
            .enumerate()
            .map(|(i, &w)| w.max(headers.get(i).copied().unwrap_or(0)))
            .collect();
        // Borders and one space of padding each side: 3 per column and 1.
        let fits = |widths: &[usize]| widths.iter().sum::<usize>() + 3 * widths.len() < width;
        let keep = if fits(&whole_words) {
            whole_words
        } else if fits(&cells) {
            cells
        } else {
            return false;
        };
        // A constraint's width counts the padding.
        table.set_constraints(
            keep.iter()
                .map(|&w| ColumnConstraint::LowerBoundary(Width::Fixed(w as u16 + 2))),
        );
        true
    }

    /// `text` with every line wider than the width broken at spaces; each
    /// continuation is indented two more than its line.
    pub fn wrap(self, text: &str) -> String {
        let Some(width) = self.0 else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            wrap_line(body, width, &mut out);
            out.push_str(end);
        }
        out
    }
}

/// A table too wide for `width` as one block per row: the row's first cell as
/// its title, then `header  value` lines, wrapped under the value.
///
/// ```text
/// 3.13t
///   version          3.13.5t
///   GIL              off (free-threaded)
/// ```
fn records(table: &Table, width: usize) -> String {
    let headers: Vec<String> = table
        .header()
        .map(|h| {
            h.cell_iter()
                .map(|c| c.content().replace('\n', " "))
                .collect()
        })
        .unwrap_or_default();
    let label_width = headers
        .iter()
        .skip(1)
        .map(|h| h.chars().count())
        .max()
        .unwrap_or(0);
    let fit = Fit(Some(width));
    let mut out = String::new();
    for row in table.row_iter() {
        let cells: Vec<String> = row
            .cell_iter()
            .map(|c| c.content().replace('\n', " "))
            .collect();
        let Some((first, rest)) = cells.split_first() else {
            continue;
        };
        out += &fit.wrap(&format!("{first}\n"));
        for (i, value) in rest.iter().enumerate() {
            let label = headers.get(i + 1).map_or("", String::as_str);
            out += &fit.wrap(&format!("  {label:<label_width$}  {value}\n"));
        }
    }
    out.trim_end().to_string()
}

fn wrap_line(line: &str, width: usize, out: &mut String) {
    let columns = |s: &str| s.chars().count();
    if columns(line) <= width {
        out.push_str(line);
        return;
    }
    let lead = line.len() - line.trim_start_matches(' ').len();
    // Continuations hang under the text after a label column ("  py-threads  text"),
    // else two in from the line's own indent.
    let hang = line[lead..]
        .find("  ")
        .map(|gap| {
            let after = &line[lead + gap..];
            columns(&line[..lead + gap]) + after.len() - after.trim_start_matches(' ').len()
        })
        .filter(|&h| h <= width / 2)
        .unwrap_or((lead + 2).min(width / 2));
    let mut current = line[..lead].to_string();
    let mut used = lead;
    let mut first = true;
    let mut rest = &line[lead..];
    let mut new_line = |current: &mut String, used: &mut usize| {
        out.push_str(current.trim_end());
        out.push('\n');
        *current = " ".repeat(hang);
        *used = hang;
    };
    while !rest.is_empty() {
        let gap_len = rest.len() - rest.trim_start_matches(' ').len();
        let (gap, after) = rest.split_at(gap_len);
        let (word, tail) = after.split_at(after.find(' ').unwrap_or(after.len()));
        rest = tail;
        if word.is_empty() {
            break;
        }
        if !first && used + gap.len() + columns(word) > width {
            new_line(&mut current, &mut used);
            first = true;
        }
        if !first {
            current.push_str(gap);
            used += gap.len();
        }
        // A word longer than a whole line is cut where the line ends.
        for c in word.chars() {
            if used >= width {
                new_line(&mut current, &mut used);
            }
            current.push(c);
            used += 1;
        }
        first = false;
    }
    out.push_str(&current);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_too_wide_for_its_cells_becomes_one_block_per_row_within_the_width() {
        let mut t = Table::new();
        t.set_header(["name", "a long header", "path"]);
        t.add_row([
            "3.13t",
            "0.06",
            "/a/very/long/path/to/some/python/interpreter/bin/python3",
        ]);
        t.add_row(["3.11", "4", "/usr/bin/python3.11"]);
        let drawn = Fit(Some(40)).draw(&mut t);
        assert!(drawn.lines().all(|l| l.chars().count() <= 40), "{drawn}");
        assert!(
            drawn.starts_with("3.13t\n  a long header  0.06\n"),
            "{drawn}"
        );
        assert!(drawn.contains("3.11\n  a long header  4\n"), "{drawn}");
        let whole = Fit::FULL.draw(&mut t);
        assert!(
            whole
                .lines()
                .any(|l| l.contains("0.06") && l.contains("3.13t"))
        );
    }

    #[test]
    fn long_lines_break_at_spaces_and_short_ones_stay() {
        let text = "short\n  a line of several words that is far too long for ten\nend";
        let fitted = Fit(Some(20)).wrap(text);
        assert!(fitted.lines().all(|l| l.chars().count() <= 20), "{fitted}");
        assert!(
            fitted.starts_with("short\n  a line of several\n    words"),
            "{fitted}"
        );
        let label = Fit(Some(40)).wrap("  py-threads   the verdict in words, said at length");
        assert_eq!(
            label,
            "  py-threads   the verdict in words,\n               said at length"
        );
        assert_eq!(Fit::FULL.wrap(text), text);
        let long_word = Fit(Some(8)).wrap("x abcdefghijklmnopqrstuvwxyz y");
        assert!(
            long_word.lines().all(|l| l.chars().count() <= 8),
            "{long_word}"
        );
    }
}
