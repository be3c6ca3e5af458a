//! How one model's row ended: the one type every layer matches on, instead of
//! status words compared as strings.

use serde::{Serialize, Serializer};

/// How a row ended. `--json` writes it as the row's `status` word (see
/// [`Outcome::word`]); the reason travels beside it in the row's own fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Measured.
    Ok,
    /// Not measured: this model does not exist here (no subinterpreters before
    /// 3.12, no dask environment…); the reason is the strategy's own sentence.
    Unavailable(String),
    /// It started and broke (a killed pool worker, a raising function): the error.
    Failed(String),
    /// A run overran `--timeout`, whose budget this was.
    TimedOut { budget_s: f64 },
    /// A user's function that this model cannot run, in Python's words: a finding.
    CannotRun(String),
}

impl Outcome {
    /// The word `--json`, the tables and the notes use.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Unavailable(_) => "unavailable",
            Outcome::Failed(_) => "failed",
            Outcome::TimedOut { .. } => "timed out",
            Outcome::CannotRun(_) => "cannot run",
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// Why it did not run, or what stopped it, in one sentence (`None` when measured).
    pub fn reason(&self) -> Option<String> {
        match self {
            Outcome::Ok => None,
            Outcome::Unavailable(why) | Outcome::CannotRun(why) | Outcome::Failed(why) => {
                Some(why.clone())
            }
            Outcome::TimedOut { budget_s } => Some(format!("timed out after {budget_s} s")),
        }
    }

    /// The error of a row that started and stopped (failed or timed out).
    pub fn error(&self) -> Option<String> {
        match self {
            Outcome::Failed(_) | Outcome::TimedOut { .. } => self.reason(),
            Outcome::Ok | Outcome::Unavailable(_) | Outcome::CannotRun(_) => None,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_row_says_its_budget_and_serializes_as_its_word() {
        let o = Outcome::TimedOut { budget_s: 2.5 };
        assert_eq!(o.error().as_deref(), Some("timed out after 2.5 s"));
        assert_eq!(serde_json::to_string(&o).unwrap(), "\"timed out\"");
        assert_eq!(
            serde_json::to_string(&Outcome::CannotRun("x".into())).unwrap(),
            "\"cannot run\""
        );
        assert!(Outcome::Unavailable("no".into()).error().is_none());
    }
}
