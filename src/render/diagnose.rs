//! `diagnose`'s outputs: the terminal report (a table per process, a strip per
//! thread, the verdict and the bounds), Markdown, and the HTML page's body.
//! Formats only: every figure comes from the [`DiagnoseReport`].

use crate::report::shorten;
use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, Table, presets};

use crate::render::export::{Destinations, Export, Exporter, Rendered, json, not_written};
use crate::render::fit::Fit;
use crate::report::diagnose::{
    DiagnoseReport, Gil, LANE_CELLS, Prediction, ThreadRow, ThreadState,
};

/// Threads shown per process in the terminal table; the rest are counted (all are in --json).
const MAX_ROWS: usize = 30;
/// Width of a thread's strip in the terminal.
const STRIP: usize = 60;

fn pct(share: f64) -> String {
    format!("{:.0}", share * 100.0)
}

/// A thread's figures as every renderer shows them: held %, wait %, no GIL %,
/// blocked %, CPU s, wall s.
pub fn thread_figures(t: &ThreadRow) -> [String; 6] {
    [
        pct(t.gil_held_share),
        pct(t.gil_wait_share),
        pct(t.running_without_gil_share + t.running_gil_unknown_share),
        pct(t.blocked_share),
        format!("{:.2}", t.cpu_s),
        format!("{:.2}", t.wall_s),
    ]
}

/// The threads of `pid`, busiest first.
fn threads_of(r: &DiagnoseReport, pid: u32) -> Vec<&ThreadRow> {
    let mut mine: Vec<&ThreadRow> = r.threads.iter().filter(|t| t.pid == pid).collect();
    mine.sort_by(|a, b| b.cpu_s.total_cmp(&a.cpu_s).then(a.tid.cmp(&b.tid)));
    mine
}

fn header(r: &DiagnoseReport) -> String {
    let gil = match r.gil {
        Gil::Enabled => "GIL",
        Gil::Disabled => "free-threaded, GIL off",
    };
    let args = if r.args.is_empty() {
        String::new()
    } else {
        format!(" {}", r.args.join(" "))
    };
    format!(
        "gil-lab diagnose {}{args}\nCPython {} ({gil}) · {} CPUs · wall {:.2} s · exit {}\n",
        r.program, r.interpreter.version, r.cpus, r.wall_s, r.exit_code
    )
}

/// The largest standard error of a share over the thread with fewest samples.
fn spread(r: &DiagnoseReport) -> Option<f64> {
    r.threads
        .iter()
        .filter(|t| t.samples > 0)
        .map(|t| t.samples)
        .max()
        .map(|n| 0.5 / (n as f64).sqrt())
}

/// The terminal report.
pub fn table(r: &DiagnoseReport, fit: Fit) -> String {
    let mut out = header(r);
    out += "shares: % of each thread's samples; noGIL: running without the GIL\n";
    let achieved = r.instrument.achieved_rate_hz;
    let slower = if achieved < 0.9 * r.instrument.sampling_rate_hz {
        format!(" (achieved {achieved:.0} Hz: a round over every thread took longer than a tick)")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "sampled at {:.0} Hz{slower}, {} samples, the sampler using {:.2} CPU s ({:.1} % of one CPU): {}",
        r.instrument.sampling_rate_hz,
        r.instrument.samples,
        r.instrument.sampler_cpu_s,
        100.0 * r.instrument.sampler_cpu_s / r.wall_s.max(1e-9),
        r.instrument.sampler
    );
    for p in &r.processes {
        let threads = threads_of(r, p.info.pid);
        if threads.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\nprocess {} · {} thread{} · CPU {:.2} s · {}",
            p.info.pid,
            p.threads,
            if p.threads == 1 { "" } else { "s" },
            p.cpu_s,
            shorten(&p.info.command, 32)
        );
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED).set_header([
            "thread", "tid", "held%", "wait%", "noGIL%", "block%", "CPU s", "wall s",
        ]);
        for th in threads.iter().take(MAX_ROWS) {
            let mut row = vec![Cell::new(shorten(&th.name, 14)), Cell::new(th.tid)];
            row.extend(thread_figures(th).map(Cell::new));
            for c in row.iter_mut().skip(1) {
                *c = c.clone().set_alignment(CellAlignment::Right);
            }
            t.add_row(row);
        }
        let _ = writeln!(out, "{}", fit.draw(&mut t));
        if threads.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "… and {} more threads (every one is in --json)",
                threads.len() - MAX_ROWS
            );
        }
    }
    out += &strips(r);
    out += "\ntop Python functions (share of each thread's samples):\n";
    for th in busiest(r, 8) {
        let top: Vec<String> = th
            .top_functions
            .iter()
            .map(|f| format!("{} {:.0} %", shorten(&f.function, 34), f.share * 100.0))
            .collect();
        if !top.is_empty() {
            let _ = writeln!(out, "  {:<14} {}", shorten(&th.name, 14), top.join(", "));
        }
    }
    if let Some(se) = spread(r) {
        let _ = writeln!(
            out,
            "shares are of each thread's own samples, ± {:.1} % at most (standard error)",
            se * 100.0
        );
    }
    let _ = writeln!(out, "\nverdict: {}", r.verdict_reason);
    out += &predictions(r);
    if let Some(view) = &r.instrument.tachyon {
        out += &tachyon_line(view);
    }
    for m in &r.instrument.missing {
        let _ = writeln!(out, "not observed: {m}");
    }
    fit.wrap(&out)
}

/// Threads that did something, busiest first, at most `n`.
fn busiest(r: &DiagnoseReport, n: usize) -> Vec<&ThreadRow> {
    let mut all: Vec<&ThreadRow> = r
        .threads
        .iter()
        .filter(|t| t.blocked_share < 0.999 || t.cpu_s > 0.05)
        .collect();
    all.sort_by(|a, b| b.cpu_s.total_cmp(&a.cpu_s).then(a.tid.cmp(&b.tid)));
    if all.is_empty() {
        all = r.threads.iter().collect();
    }
    all.truncate(n);
    all
}

/// A text strip per thread on one time axis.
pub fn strips(r: &DiagnoseReport) -> String {
    let mut out = format!(
        "\ntimeline, 0 – {:.2} s: H held, W waiting for the GIL, R running without\nit, . blocked\n",
        r.wall_s
    );
    for th in busiest(r, 12) {
        let _ = writeln!(
            out,
            "  {:<12} {}",
            shorten(&th.name, 12),
            resample(&th.lane, STRIP)
        );
    }
    out
}

/// `lane` (of [`LANE_CELLS`] cells) squeezed to `width` cells.
fn resample(lane: &str, width: usize) -> String {
    let cells: Vec<char> = lane.chars().collect();
    (0..width)
        .map(|i| {
            let at = i * cells.len().max(1) / width;
            let c = cells.get(at.min(LANE_CELLS - 1)).copied().unwrap_or(' ');
            if c == 'r' { 'R' } else { c }
        })
        .collect::<String>()
        .trim_end()
        .to_string()
}

fn bound_text(p: &Prediction) -> String {
    match (p.speedup_bound, p.predicted_wall_s) {
        (Some(b), Some(w)) if b < 1.005 => {
            format!("no gain: at best {b:.2}× (wall ≥ {w:.2} s)")
        }
        (Some(b), Some(w)) => format!("at most {b:.2}× faster (wall ≥ {w:.2} s)"),
        (Some(b), None) if b < 1.005 => format!("no gain: at best {b:.2}×"),
        (Some(b), None) => format!("at most {b:.2}× faster"),
        _ => "no bound".into(),
    }
}

fn predictions(r: &DiagnoseReport) -> String {
    let mut out =
        String::from("what each model could gain (bounds from these figures, not promises):\n");
    for p in &r.predictions {
        let caveat = p
            .caveat
            .as_ref()
            .map_or(String::new(), |c| format!(" — {c}"));
        let _ = writeln!(
            out,
            "  {:<20} {}: {}{caveat}",
            p.model.label(),
            bound_text(p),
            p.basis
        );
    }
    if let Some(c) = &r.check {
        let _ = writeln!(
            out,
            "checked on {} (free-threaded): predicted wall ≥ {:.2} s, measured {:.2} s, measured/predicted {:.2} ({})",
            c.python,
            c.predicted_wall_s,
            c.measured_wall_s,
            c.measured_over_predicted,
            if c.measured_over_predicted >= 1.0 {
                "the bound held"
            } else if c.bound_held {
                "under the bound by less than the 10 % two runs differ"
            } else {
                "faster than the bound: the prediction was wrong"
            }
        );
    }
    out
}

fn tachyon_line(view: &crate::report::diagnose::TachyonView) -> String {
    if let Some(why) = &view.unavailable {
        return format!("Tachyon ({}): no figures: {why}\n", view.python);
    }
    let threads: Vec<String> = view
        .threads
        .iter()
        .map(|t| {
            format!(
                "{} waiting {:.2} (gil-lab {:.2})",
                shorten(&t.name, 12),
                t.tachyon_gil_wait_share,
                t.gil_lab_gil_wait_share
            )
        })
        .collect();
    format!(
        "Tachyon {} at {:.0} Hz on the same run: {}; {} (largest difference {:.2}, limit {})\n",
        view.python,
        view.sampling_rate_hz,
        threads.join(", "),
        match view.agree {
            Some(true) => "the instruments agree",
            Some(false) => "the instruments DISAGREE",
            None => "nothing to compare",
        },
        view.max_abs_wait_difference.unwrap_or(0.0),
        crate::engine::tachyon::AGREEMENT
    )
}

/// The Markdown report.
pub fn markdown(r: &DiagnoseReport) -> String {
    let mut out = format!(
        "# gil-lab diagnose {}\n\nCPython {} · {} CPUs · wall {:.2} s · exit {} · sampled at {:.0} Hz ({} samples) by {}\n\n**Verdict: {}** — {}\n\n",
        r.program,
        r.interpreter.version,
        r.cpus,
        r.wall_s,
        r.exit_code,
        r.instrument.sampling_rate_hz,
        r.instrument.samples,
        r.instrument.sampler,
        r.verdict.word(),
        r.verdict_reason
    );
    out += "| pid | thread | tid | held % | wait % | no GIL % | blocked % | CPU s | wall s | top function |\n";
    out += "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for t in &r.threads {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            t.pid,
            t.name.replace('|', "\\|"),
            t.tid,
            thread_figures(t).join(" | "),
            t.top_functions
                .first()
                .map_or(String::new(), |f| f.function.replace('|', "\\|"))
        );
    }
    out += "\n## What each model could gain (bounds, not promises)\n\n";
    for p in &r.predictions {
        let _ = writeln!(
            out,
            "- **{}**: {} — {}{}",
            p.model.label(),
            bound_text(p),
            p.basis,
            p.caveat
                .as_ref()
                .map_or(String::new(), |c| format!(" ({c})"))
        );
    }
    if let Some(c) = &r.check {
        let _ = writeln!(
            out,
            "- checked on {}: predicted wall ≥ {:.2} s, measured {:.2} s",
            c.python, c.predicted_wall_s, c.measured_wall_s
        );
    }
    if let Some(view) = &r.instrument.tachyon {
        let _ = write!(out, "\n{}", tachyon_line(view));
    }
    for m in &r.instrument.missing {
        let _ = writeln!(out, "\nNot observed: {m}");
    }
    out
}

/// The CSS class of a lane cell's state.
pub fn state_of(code: char) -> Option<ThreadState> {
    ThreadState::ALL.into_iter().find(|s| s.code() == code)
}

impl Exporter for DiagnoseReport {
    const FORMATS: &'static [Export] = &[Export::Json, Export::Markdown, Export::Html];

    fn render(&self, format: Export, _: &Destinations) -> anyhow::Result<Rendered> {
        match format {
            Export::Json => Ok(json(self)?.into()),
            Export::Markdown => Ok(markdown(self).into()),
            // The page's data is the --json export's very text.
            Export::Html => Ok(crate::render::html::diagnose_page(self, &json(self)?).into()),
            other => Err(not_written(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_squeezes_to_the_strip_width() {
        let lane: String = "H".repeat(50) + &"W".repeat(50);
        let s = resample(&lane, 10);
        assert_eq!(s, "HHHHHWWWWW");
        assert_eq!(resample(&" ".repeat(100), 10), "");
    }
}
