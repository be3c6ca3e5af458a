//! The one place that starts another Python process.
