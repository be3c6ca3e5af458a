//! Operating-system plumbing: child processes, signals, writing
//! exports, and facts about the machine.

pub mod machine;
pub mod net;
pub mod output;
pub mod processes;
pub mod serve;
pub mod signals;
pub mod tasks;
pub mod terminal;
pub mod threads;
pub mod unpack;
