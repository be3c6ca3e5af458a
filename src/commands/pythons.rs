//! `gil-lab pythons`: the interpreters `--python` can name, with what each can do.

use anyhow::Result;
use serde::Serialize;

use super::{print, print_json, yes_no};
use crate::cpython::dask::{DaskAvailability, availability};
use crate::cpython::interpreter::Embedded;
use crate::cpython::pythons::{Found, discover, install_dir};

/// One interpreter as `--json` shows it: its facts and whether it has dask.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    found: &'a Found,
    dask: DaskAvailability,
}

/// The subinterpreter API Python code gets here, in a word, and whether each has its own GIL.
fn subinterpreters(facts: &crate::cpython::interpreter::InterpreterFacts) -> String {
    let api = facts
        .subinterpreter_api
        .as_deref()
        .map_or("–", |api| api.split(" (").next().unwrap_or(api));
    if facts.own_gil_subinterpreters {
        format!("{api} (own GIL)")
    } else {
        format!("{api} (shared GIL)")
    }
}

pub fn list(python: &Embedded, json: bool) -> Result<i32> {
    let found = discover(python.python_dir());
    let executables: Vec<Option<&str>> = found
        .iter()
        .map(|f| (f.source != "embedded").then_some(f.facts.executable.as_str()))
        .collect();
    let dask = availability(&executables, python.python_dir());
    if json {
        let listed: Vec<Listed> = found
            .iter()
            .zip(dask)
            .map(|(found, dask)| Listed { found, dask })
            .collect();
        print_json(&listed)?;
        return Ok(0);
    }
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header([
            "--python",
            "version",
            "GIL",
            "subinterpreters",
            "interpreter pool",
            "start method",
            "Tachyon",
            "dask",
            "path",
        ]);
    let mut install = None;
    for (f, d) in found.iter().zip(&dask) {
        if !d.available {
            install = install.or(d.install_command.clone());
        }
        table.add_row([
            f.spec.clone(),
            f.facts.python_version.clone(),
            if f.facts.gil_disabled {
                "off (free-threaded)"
            } else if f.facts.free_threaded_build {
                "on (free-threaded build)"
            } else {
                "on"
            }
            .to_string(),
            subinterpreters(&f.facts),
            match f.facts.interpreter_pool_api.as_deref() {
                Some(api) if api.contains("stdlib") => "stdlib".into(),
                Some(_) => "backport".into(),
                None => "no".into(),
            },
            f.facts.start_method.clone(),
            yes_no(f.facts.tachyon_reason.is_none()).into(),
            match &d.distributed_version {
                Some(v) if d.available => v.clone(),
                _ => "no".into(),
            },
            f.facts.executable.clone(),
        ]);
    }
    let mut text = format!(
        "{}\nsearched: the embedded interpreter, {}, python3.X[t] on PATH\n",
        super::stdout_fit().draw(&mut table),
        install_dir().display()
    );
    if let Some(command) = install {
        text += &format!("dask: {command} makes a private environment with dask for each\n");
    }
    print(&text)?;
    Ok(0)
}
