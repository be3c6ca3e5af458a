//! One experiment per command: each runs the engine over its models and
//! builds that command's typed report.

pub mod compare;
pub mod convoy;
pub mod diagnose;
pub mod live;
pub mod sweep;
pub mod verify;
