//! The summary table `live` prints at the end. It draws the report; it measures nothing.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::engine::stats::Spread;
use crate::render::export::{Destinations, Export, Exporter, Rendered, json, not_written};
use crate::render::fit::Fit;
use crate::report::live::{GroupResult, LiveReport, TIMELINE_S};

fn spread(s: Option<Spread>, decimals: usize) -> String {
    match s {
        Some(s) => format!(
            "{:.d$} ({:.d$}–{:.d$})",
            s.median,
            s.min,
            s.max,
            d = decimals
        ),
        None => "–".into(),
    }
}

fn interpreter(g: &GroupResult) -> String {
    match &g.interpreter {
        Some(i) if g.id.starts_with("rust") => format!("Rust + {}", i.version),
        Some(i) => i.version.clone(),
        None => "Rust (native)".into(),
    }
}

/// Each worker's own "× one worker": an unfair pair shows as 0.02× and 1.01×, not "each 0.51×".
fn shares(g: &GroupResult) -> String {
    let one = match (g.rate, g.vs_one_worker) {
        (Some(rate), Some(vs)) if vs.median > 0.0 => rate.median / vs.median,
        _ => return "–".into(),
    };
    g.worker_rates
        .iter()
        .enumerate()
        .map(|(i, r)| format!("w{i} {:.2}×", r / one))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a group's figures say, in one sentence.
fn reading(g: &GroupResult) -> String {
    if let Some(e) = &g.error {
        return format!("failed: {}", crate::report::last_line(e));
    }
    let (Some(vs), Some(busy)) = (g.vs_one_worker, g.cpus_busy) else {
        return "no steady window: every worker must finish a chunk".into();
    };
    let gil = g.gil_contention.map(|s| s.median);
    let together = vs.median;
    if g.workers == 1 {
        return format!("the reference: one worker alone ({:.2}×)", together);
    }
    let per_worker = together / g.workers as f64;
    let fastest = g.worker_rates.iter().copied().fold(0.0, f64::max);
    let slowest = g.worker_rates.iter().copied().fold(f64::INFINITY, f64::min);
    let unfair = if fastest > 3.0 * slowest {
        format!(
            "; unfair: the fastest worker got {:.0} % of the work (a thread that lets go of the GIL and asks again at once often wins it back)",
            100.0 * fastest / g.worker_rates.iter().sum::<f64>()
        )
    } else {
        String::new()
    };
    let waited = gil.map_or(String::new(), |w| {
        format!(", the GIL probe waited {:.0} % of its time", w * 100.0)
    });
    let text = match gil {
        _ if busy.median >= 1.5 || per_worker >= 0.75 => format!(
            "{} workers run side by side: together {:.2}× one worker, {:.2} CPUs busy{waited}",
            g.workers, together, busy.median
        ),
        Some(w) if w < 0.2 => format!(
            "{} workers got {:.2} CPUs between them, yet the GIL was free{waited}: other work on the machine held them back",
            g.workers, busy.median
        ),
        _ => format!(
            "{} workers take turns: together {:.2}× one worker ({}), {:.2} CPUs busy{waited}",
            g.workers,
            together,
            shares(g),
            busy.median
        ),
    };
    text + &unfair
}

/// The summary as a pipe or a file gets it: every figure with its spread.
pub fn render(r: &LiveReport) -> String {
    render_fit(r, Fit::FULL)
}

fn summary_table(r: &LiveReport, spreads: bool) -> Table {
    let cell = |s: Option<Spread>, decimals: usize| match (s, spreads) {
        (Some(s), false) => format!("{:.decimals$}", s.median),
        _ => spread(s, decimals),
    };
    let median = if spreads {
        " median (min–max)"
    } else {
        " median"
    };
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "group".to_string(),
            "workers".into(),
            "runs in".into(),
            format!("rate {}{median}", r.unit),
            "× one worker".into(),
            "CPUs busy".into(),
            "GIL wait".into(),
            format!("per worker {}", r.unit),
        ]);
    for g in &r.groups {
        let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(&g.id),
            right(g.workers.to_string()),
            Cell::new(interpreter(g)),
            right(cell(g.rate, 1)),
            right(cell(g.vs_one_worker, 2)),
            right(cell(g.cpus_busy, 2)),
            right(cell(g.gil_contention, 2)),
            right(
                g.worker_rates
                    .iter()
                    .map(|x| format!("{x:.1}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ]);
    }
    table
}

/// The summary for a terminal `fit` wide: medians only where the spreads do
/// not fit, cells wrapped and lines broken to the width.
pub fn render_fit(r: &LiveReport, fit: Fit) -> String {
    let mut table = summary_table(r, true);
    if let Some(width) = fit.0
        && table.lines().next().map_or(0, |l| l.chars().count()) > width
    {
        table = summary_table(r, false);
    }
    let table = fit.draw(&mut table);
    let mut out = format!(
        "gil-lab live {}: Python in {} · {} CPUs, {} {}\n",
        r.scenario.id(),
        r.python.version,
        r.machine.cpus,
        r.machine.os,
        r.machine.arch
    );
    out += &format!(
        "chunks of {} · {} s per group · rates in {} per 0.5 s window · {}\n",
        r.workload, r.duration_s, r.unit, r.why_one_after_another
    );
    out += &format!("{table}\n");
    for reference in &r.references {
        out += &format!(
            "  1× = {}: {:.1} {} ({})\n",
            reference.what, reference.rate, r.unit, reference.measured_by
        );
    }
    let width = r.groups.iter().map(|g| g.id.len()).max().unwrap_or(0);
    for g in &r.groups {
        out += &format!("  {:width$}  {}\n", g.id, reading(g));
    }
    for s in &r.skipped {
        out += &format!("  not shown: {s}\n");
    }
    if let Some(warning) = crate::render::machine_busy(&r.machine, "figures") {
        out += &format!("  {warning}\n");
    }
    fit.wrap(&out)
}

/// The summary as Markdown: the same text as the terminal's, in a code block.
pub fn markdown(r: &LiveReport) -> String {
    format!(
        "# gil-lab live {}\n\n```text\n{}```\n",
        r.scenario.id(),
        render(r)
    )
}

impl Exporter for LiveReport {
    const FORMATS: &'static [Export] = &[Export::Json, Export::Markdown, Export::Html, Export::Svg];

    fn render(&self, format: Export, _: &Destinations) -> anyhow::Result<Rendered> {
        Ok(match format {
            Export::Json => json(self)?.into(),
            Export::Markdown => markdown(self).into(),
            // The page's data is the --json export's very text.
            Export::Html => crate::render::html::live_report_page(self, &json(self)?)?.into(),
            Export::Svg => svg(self).into(),
            other => return Err(not_written(other)),
        })
    }
}

/// Each group's first seconds of chunks, one lane per worker.
fn svg(r: &LiveReport) -> String {
    let timelines = r.timelines();
    let captions = vec![
        format!(
            "gil-lab live {}: Python in {} · {} CPUs · the first {} s of each group",
            r.scenario.id(),
            r.python.version,
            r.machine.cpus,
            TIMELINE_S
        ),
        format!("chunks of {}", r.workload),
    ];
    crate::render::timeline::svg_sections(&[crate::render::timeline::Section {
        captions,
        cpu_bound: r.scenario.kernel().is_cpu_bound(),
        timelines: &timelines,
    }])
}
