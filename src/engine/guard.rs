//! The resource guard: work that would overwhelm the machine is refused before it starts.
