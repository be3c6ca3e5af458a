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

    /// Lets `table` wrap to the width: the headers first, so that each cell
    /// stays on one line where the cells alone fit. A full table stays as it is.
    pub fn arrange(self, table: &mut Table) {
        let Some(width) = self.0 else {
            table.set_content_arrangement(ContentArrangement::Disabled);
            return;
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
            return;
        };
        // A constraint's width counts the padding.
        table.set_constraints(
            keep.iter()
                .map(|&w| ColumnConstraint::LowerBoundary(Width::Fixed(w as u16 + 2))),
        );
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
