//! The `diagnose` page: the verdict, a table per thread, a lane per thread on
//! one time axis coloured by state, and the bounds of each model.

use std::fmt::Write;

use super::{escape, facts};
use crate::report::diagnose::{DiagnoseReport, Gil};

const LEFT: usize = 180;
const WIDTH: usize = 760;
const LANE: usize = 18;
const GAP: usize = 6;

/// Colour and meaning of each lane code (see `report::diagnose::ThreadState::code`).
const STATES: [(char, &str, &str); 5] = [
    ('H', "#1d4ed8", "held the GIL"),
    ('W', "#dc2626", "waiting for the GIL"),
    ('R', "#16a34a", "running without the GIL"),
    ('r', "#65a30d", "running (GIL holder unreadable)"),
    ('.', "#d1d5db", "blocked (I/O, sleep, locks, joins)"),
];

pub(super) fn diagnose(d: &DiagnoseReport) -> String {
    let mut out = format!("<h1>gil-lab diagnose {}</h1>\n", escape(&d.program));
    let _ = writeln!(
        out,
        "<p class=\"verdict\"><strong>{}</strong> — {}</p>",
        d.verdict.word(),
        escape(&d.verdict_reason)
    );
    let i = &d.instrument;
    out += &facts(&[
        ("interpreter", d.interpreter.version.clone()),
        (
            "GIL",
            match d.gil {
                Gil::Enabled => "enabled",
                Gil::Disabled => "disabled",
            }
            .into(),
        ),
        ("CPUs", d.cpus.to_string()),
        ("wall", format!("{:.2} s", d.wall_s)),
        ("exit code", d.exit_code.to_string()),
        ("sampler", i.sampler.clone()),
        (
            "sampling",
            format!("{:.0} Hz, {} samples", i.sampling_rate_hz, i.samples),
        ),
    ]);
    out += &lanes(d);
    out += "<div class=\"scroll\"><table><thead><tr><th>pid</th><th>thread</th><th>tid</th><th class=\"num\">held %</th><th class=\"num\">wait %</th><th class=\"num\">no GIL %</th><th class=\"num\">blocked %</th><th class=\"num\">CPU s</th><th class=\"num\">wall s</th><th>top functions</th></tr></thead><tbody>\n";
    for t in &d.threads {
        let top: Vec<String> = t
            .top_functions
            .iter()
            .map(|f| format!("{} {:.0} %", escape(&f.function), f.share * 100.0))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><th>{}</th><td class=\"num\">{}</td>{}<td>{}</td></tr>",
            t.pid,
            escape(&t.name),
            t.tid,
            crate::render::diagnose::thread_figures(t)
                .map(|f| format!("<td class=\"num\">{f}</td>"))
                .concat(),
            top.join("<br>")
        );
    }
    out += "</tbody></table></div>\n<h2>What each model could gain</h2>\n<p>Bounds computed from these figures, not promises.</p>\n<ul>\n";
    for p in &d.predictions {
        let bound = p.speedup_bound.map_or("no bound".to_string(), |b| {
            format!("at most {b:.2}× faster")
        });
        let caveat = p
            .caveat
            .as_ref()
            .map_or(String::new(), |c| format!(" ({})", escape(c)));
        let _ = writeln!(
            out,
            "<li><strong>{}</strong>: {bound} — {}{caveat}</li>",
            escape(p.model.label()),
            escape(&p.basis)
        );
    }
    out += "</ul>\n";
    if let Some(c) = &d.check {
        let _ = writeln!(
            out,
            "<p>Checked on {}: predicted wall ≥ {:.2} s, measured {:.2} s.</p>",
            escape(&c.python),
            c.predicted_wall_s,
            c.measured_wall_s
        );
    }
    for m in &i.missing {
        let _ = writeln!(out, "<p class=\"warning\">Not observed: {}</p>", escape(m));
    }
    out
}

/// One lane per thread on the run's time axis, a rect per run of equal cells.
fn lanes(d: &DiagnoseReport) -> String {
    let threads = &d.threads;
    let height = (threads.len() + 2) * (LANE + GAP) + 30;
    let total = LEFT + WIDTH + 20;
    let mut body = String::new();
    for (i, t) in threads.iter().enumerate() {
        let y = i * (LANE + GAP) + 10;
        let _ = write!(
            body,
            "<text x=\"4\" y=\"{}\" font-size=\"13\">{} ({})</text>",
            y + LANE - 4,
            escape(&t.name),
            t.tid
        );
        let cells: Vec<char> = t.lane.chars().collect();
        let n = cells.len().max(1);
        let mut start = 0;
        while start < cells.len() {
            let c = cells[start];
            let mut end = start + 1;
            while end < cells.len() && cells[end] == c {
                end += 1;
            }
            if let Some((_, colour, what)) = STATES.iter().find(|(k, _, _)| *k == c) {
                let _ = write!(
                    body,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{LANE}\" fill=\"{colour}\"><title>{}</title></rect>",
                    LEFT + start * WIDTH / n,
                    ((end - start) * WIDTH / n).max(1),
                    escape(what)
                );
            }
            start = end;
        }
    }
    let y = threads.len() * (LANE + GAP) + 20;
    let mut x = LEFT;
    for (_, colour, what) in STATES {
        let _ = write!(
            body,
            "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{what}</text>",
            x + 18,
            y + 12
        );
        x += 40 + what.len() * 6;
    }
    format!(
        "<h2>Threads over time (0 – {:.2} s)</h2>\n<svg class=\"lanes\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {total} {height}\" width=\"{total}\" height=\"{height}\" font-family=\"sans-serif\" role=\"img\" aria-label=\"thread lanes\">{body}</svg>\n",
        d.wall_s
    )
}
