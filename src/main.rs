//! The `gil-lab` binary. Built for the pip wheel (feature `wheel`), it is a
//! launcher that starts the real binary (`gil-lab-core`) on the Python it was
//! installed into; see src/wheel/launcher.rs.

#[cfg(feature = "wheel")]
#[path = "wheel/launcher.rs"]
mod launcher;

fn main() {
    #[cfg(feature = "wheel")]
    launcher::main();
    #[cfg(not(feature = "wheel"))]
    gil_lab::commands::main()
}
