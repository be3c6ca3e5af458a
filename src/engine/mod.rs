//! The measuring engine: workloads and kernels, the strategies that run them,
//! and the timing, timelines and statistics every row shares.

pub mod chunking;
pub mod guard;
pub mod kernels;
pub mod measure;
pub mod outcome;
pub mod probe;
pub mod stats;
pub mod strategies;
pub mod tachyon;
pub mod timeline;
pub mod user_function;
pub mod workload;
