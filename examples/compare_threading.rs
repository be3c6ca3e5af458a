//! Runs the GIL proof under three models through the library API and prints the
//! threads' verdict: `cargo run --release --example compare_threading`.

use gil_lab::render::{Format, render};
use gil_lab::{CompareOptions, Embedded, Scenario, Silent, compare};

fn main() -> anyhow::Result<()> {
    let python = Embedded::start()?;
    let options = CompareOptions {
        scenarios: vec![Scenario::Threading],
        quick: true,
        strategies: Some(vec![
            "py-threads".into(),
            "py-process-pool".into(),
            "rayon".into(),
        ]),
        ..Default::default()
    };
    let outcomes = compare(&python, &options, &mut Silent)?;
    let reports: Vec<_> = outcomes.into_iter().map(|o| o.report).collect();
    print!("{}", render(Format::Table, &reports)?);
    for row in &reports[0].results {
        if let Some(speedup) = row.speedup {
            println!(
                "{:>16}: {speedup:.2}× its sequential baseline",
                row.strategy
            );
        }
    }
    Ok(())
}
