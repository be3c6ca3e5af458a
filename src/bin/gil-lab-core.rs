//! The wheel's real binary: what `gil-lab` is everywhere else. The wheel's
//! `gil-lab` launcher starts it with the installing Python's libpython on the
//! loader's path.

fn main() {
    gil_lab::commands::main()
}
