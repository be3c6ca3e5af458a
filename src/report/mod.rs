//! Results as plain typed data, one module per command: what every renderer
//! reads and `--json` writes.

pub mod answer;
pub mod compare;
pub mod convoy;
pub mod dask;
pub mod diagnose;
pub mod free_threading;
pub mod live;
pub mod sweep;
pub mod verify;

pub use compare::*;

/// `text` cut to at most `max` characters, an ellipsis marking the cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}
