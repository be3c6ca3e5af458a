//! CPython: the embedded interpreter, the other interpreters found on this
//! machine, the harness process that runs work in one of them, the one place
//! that launches another Python, and the lessons' catalog.

pub mod dask;
pub mod deadline;
pub mod harness;
pub mod interpreter;
pub mod launcher;
pub mod lessons;
pub mod python_files;
pub mod pythons;
