//! Mistakes a user can fix: printed as one line with a hint, exit code 2.

use std::fmt;

/// A bad command line or input. `main` prints it as `error: …` + `hint: …` and exits 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    pub hint: Option<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// A number as the user typed it, short: `1e300`, not three hundred digits.
pub fn typed(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// How the process should end: a normal code, or a usage error (2).
pub const EXIT_USAGE: i32 = 2;

/// Up to three names within a small edit distance of `wanted`, nearest first.
pub fn closest_names<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = names
        .map(|n| (strsim::normalized_damerau_levenshtein(wanted, n), n))
        .filter(|(score, n)| *score >= 0.5 || n.contains(wanted) || wanted.contains(n))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_numbers_are_shown_short() {
        assert_eq!(typed(1e300), "1e300");
        assert_eq!(typed(-2.5e7), "-2.5e7");
        assert_eq!(typed(-2.0), "-2");
        assert_eq!(typed(0.5), "0.5");
        assert_eq!(typed(f64::NAN), "NaN");
    }
}
