fn main() {
    let code = gil_lab::app::run(std::env::args());
    gil_lab::signals::exit(code);
}
