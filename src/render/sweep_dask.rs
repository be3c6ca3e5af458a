//! `sweep dask` as a table, Markdown and a chart (through the sweeps' row renderers).

use serde_json::{Value, json};

use crate::render::chart::{Chart, Series};
use crate::render::sweep::RowSweep;
use crate::report::dask::OverheadSweep;

impl RowSweep for OverheadSweep {
    fn what(&self) -> &'static str {
        "dask"
    }
    fn interpreter(&self) -> &str {
        &self.address
    }
    fn rows(&self) -> Vec<Value> {
        self.sweep
            .iter()
            .map(|p| {
                json!({
                    "iterations": p.iterations,
                    "tasks": p.tasks,
                    "loop_ms": p.loop_s * 1e3,
                    "dask_ms": p.dask_s * 1e3,
                    "dask_vs_loop": p.dask_vs_loop,
                })
            })
            .collect()
    }
    fn notes(&self) -> Vec<String> {
        let cluster = if self.cluster == "existing" {
            format!("existing scheduler, {} worker threads", self.threads)
        } else {
            format!(
                "LocalCluster of {} worker threads, started in {:.2} s",
                self.threads, self.cluster_start_s
            )
        };
        vec![
            format!(
                "{} on {cluster} (warm: every worker ran a task first)",
                self.strategy
            ),
            format!(
                "one empty task, submitted and awaited: {:.2} ms (median of {})",
                self.round_trip_s * 1e3,
                self.round_trips
            ),
            format!(
                "empty tasks in one Client.map: {:.3} ms per task (median of {} rounds of {})",
                self.mapped_s_per_task * 1e3,
                self.rounds,
                self.mapped_tasks
            ),
            format!(
                "overhead per task at the smallest size: {:.3} ms; dask beats the loop from {}",
                self.overhead_s_per_task * 1e3,
                self.pays_from_iterations
                    .map_or("no size measured".to_string(), |k| format!(
                        "{k} iterations per task"
                    ))
            ),
        ]
    }
}

/// dask time ÷ loop time against task size: above 1, the tasks are too small for dask.
pub fn chart(s: &OverheadSweep) -> String {
    let points = |f: fn(&crate::report::dask::OverheadPoint) -> f64| {
        s.sweep
            .iter()
            .map(|p| (p.iterations as f64, f(p)))
            .collect::<Vec<_>>()
    };
    Chart {
        title: format!("dask time ÷ plain loop, by task size · {}", s.address),
        x_label: "iterations per task (log scale)".into(),
        y_label: "dask ÷ loop".into(),
        log_x: true,
        series: vec![
            Series {
                label: "dask ÷ loop".into(),
                points: points(|p| p.dask_vs_loop),
                reference: false,
            },
            Series {
                label: "break-even".into(),
                points: points(|_| 1.0),
                reference: true,
            },
        ],
    }
    .svg()
}
