//! `gil-lab pythons`: the interpreters `--python` can name, with what each can do.

use anyhow::Result;

use super::{print, print_json, yes_no};
use crate::cpython::interpreter::Embedded;
use crate::cpython::pythons::{discover, install_dir};

pub fn list(python: &Embedded, json: bool) -> Result<i32> {
    let found = discover(python.python_dir());
    if json {
        print_json(&found)?;
        return Ok(0);
    }
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header([
            "--python",
            "version",
            "GIL",
            "own-GIL subinterpreters",
            "interpreter pool",
            "found",
            "path",
        ]);
    for f in &found {
        table.add_row([
            f.spec.clone(),
            f.facts.python_version.clone(),
            if f.facts.gil_disabled {
                "disabled"
            } else {
                "enabled"
            }
            .to_string(),
            yes_no(f.facts.own_gil_subinterpreters).into(),
            yes_no(f.facts.interpreter_pool).into(),
            f.source.clone(),
            f.facts.executable.clone(),
        ]);
    }
    print(&format!(
        "{table}\nsearched: the embedded interpreter, {}, python3.X[t] on PATH\n",
        install_dir().display()
    ))?;
    Ok(0)
}
