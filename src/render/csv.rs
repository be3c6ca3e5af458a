//! `--csv`: one line per row, every scenario in one file; `chunk` is the
//! iterations per chunk that row's kernel (Python or native) ran with.

use crate::render::fmt_opt;
use crate::report::Report;

const HEADER: [&str; 26] = [
    "scenario",
    "strategy",
    "implementation",
    "interpreter_version",
    "gil_disabled",
    "workers",
    "runs",
    "chunk",
    "wall_s_median",
    "wall_s_min",
    "wall_s_max",
    "startup_s",
    "cpu_s",
    "parallelism",
    "speedup",
    "speedup_median",
    "vs_python_sequential",
    "efficiency",
    "overlap",
    "handoffs",
    "gil_contention",
    "checksum",
    "status",
    "available",
    "note",
    "verdict",
];

pub fn render(reports: &[Report]) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    for report in reports {
        for r in &report.results {
            let num = |v: Option<f64>| fmt_opt(v, 6).replace('–', "");
            let wall = |f: fn(&crate::engine::stats::Spread) -> f64| num(r.wall_s.as_ref().map(f));
            out.write_record([
                report.scenario_id().to_string(),
                r.strategy.clone(),
                format!("{:?}", r.implementation).to_lowercase(),
                r.interpreter
                    .as_ref()
                    .map(|i| i.version.clone())
                    .unwrap_or_default(),
                r.interpreter
                    .as_ref()
                    .map(|i| i.gil_disabled.to_string())
                    .unwrap_or_default(),
                r.workers.to_string(),
                r.runs.to_string(),
                report.workload.chunk_of(r.implementation).to_string(),
                wall(|s| s.median),
                wall(|s| s.min),
                wall(|s| s.max),
                num(r.startup_s),
                num(r.cpu_s),
                num(r.parallelism),
                num(r.speedup),
                num(r.speedup_median),
                num(r.vs_python_sequential),
                num(r.efficiency),
                num(r.overlap),
                num(r.handoffs),
                num(r.gil_contention),
                r.checksum.map(|c| c.to_string()).unwrap_or_default(),
                r.status.word().to_string(),
                r.available.to_string(),
                r.note.clone().unwrap_or_default(),
                r.verdict.clone(),
            ])?;
        }
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_snapshot() {
        insta::assert_snapshot!(super::render(&[crate::render::fixture::report()]).unwrap());
    }
}
