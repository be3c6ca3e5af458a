//! `gil-lab info`: the embedded interpreter's facts.

use anyhow::Result;

use super::{print, print_json, yes_no};
use crate::cpython::interpreter::{Embedded, PYO3_VERSION};

pub fn run(python: &Embedded, json: bool) -> Result<i32> {
    let facts = python.facts()?;
    if json {
        let mut value = serde_json::to_value(&facts)?;
        value["pyo3_version"] = PYO3_VERSION.into();
        value["gil_lab_version"] = env!("CARGO_PKG_VERSION").into();
        value["python_files"] = serde_json::json!({
            "path": python.python_dir(),
            "origin": python.python_origin(),
        });
        print_json(&value)?;
        return Ok(0);
    }
    let gil = if facts.gil_disabled {
        "disabled (free-threaded)"
    } else {
        "enabled"
    };
    print(&format!(
        "gil-lab {} (pyo3 {PYO3_VERSION})\n\
         python        {}\n\
         executable    {}\n\
         prefix        {}\n\
         GIL           {gil}\n\
         own-GIL subinterpreters  {}\n\
         interpreter pool         {}\n\
         start method  {}\n\
         cpus          {}\n\
         python files  {} ({})\n",
        env!("CARGO_PKG_VERSION"),
        facts.label(),
        facts.executable,
        facts.prefix,
        yes_no(facts.own_gil_subinterpreters),
        yes_no(facts.interpreter_pool),
        facts.start_method,
        facts.cpus,
        python.python_dir().display(),
        python.python_origin().label(),
    ))?;
    Ok(0)
}
