fn main() {
    gil_lab::commands::main()
}
