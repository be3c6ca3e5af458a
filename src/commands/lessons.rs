//! `gil-lab lessons` and `gil-lab run`: the documents' examples as lessons.

use anyhow::Result;

use super::{one_python, print, print_json};
use crate::cpython::interpreter::Embedded;
use crate::cpython::lessons::{self, catalog};

pub fn list(python: &Embedded, json: bool, spec: Option<&str>) -> Result<i32> {
    let mut lessons = catalog(python)?;
    let facts = match spec {
        Some(spec) => one_python(python, spec)?,
        None => python.facts()?,
    };
    for l in &mut lessons {
        l.available = lessons::runs_on(&l.min_python, &facts.version_info);
    }
    if json {
        print_json(&lessons)?;
        return Ok(0);
    }
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header([
            "lesson".to_string(),
            "document §".into(),
            "demonstrates".into(),
            "needs".into(),
            format!("on {}", facts.python_version),
        ]);
    for l in &lessons {
        table.add_row([
            l.name.clone(),
            format!("{} §{}", l.document, l.section),
            l.demonstrates.clone(),
            match &l.best_python {
                Some(best) => format!("{}+ (all of it: {best}+)", l.min_python),
                None => format!("{}+", l.min_python),
            },
            l.fit(&facts.version_info),
        ]);
    }
    print(&format!(
        "{}\nrun one: gil-lab run NAME [-- --quick] · process lessons take -- --start-method fork|spawn|forkserver\n",
        super::stdout_fit().draw(&mut table)
    ))?;
    Ok(0)
}

pub fn run(
    python: &Embedded,
    timeout: Option<f64>,
    spec: Option<&str>,
    target: &str,
    args: &[String],
) -> Result<i32> {
    crate::cpython::deadline::check_timeout(timeout)?;
    let catalog = catalog(python)?;
    let path = lessons::resolve(target, &catalog)?;
    let other = spec.map(|s| one_python(python, s)).transpose()?;
    if let Some(seconds) = timeout {
        crate::os::signals::watchdog(seconds, target.to_string())?;
    }
    let code = match other {
        Some(facts) => lessons::run_file_with(&facts.executable, python.python_dir(), &path, args),
        None => lessons::run_file(python, &path, args),
    };
    end_leftovers();
    code
}

/// Ends the processes the program left running, and says so in one line.
fn end_leftovers() {
    let left = crate::os::processes::end_leftovers();
    if !left.is_empty() {
        let named: Vec<String> = left
            .iter()
            .map(|(pid, cmd)| format!("{pid} {}", crate::report::shorten(cmd, 40)))
            .collect();
        eprintln!(
            "gil-lab: the program left {} process(es) running; ended them: {}",
            left.len(),
            named.join(", ")
        );
    }
}
