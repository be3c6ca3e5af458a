fn main() {
    let code = gil_lab::app::run(std::env::args());
    std::process::exit(code);
}
