//! `--html`: one self-contained page per report (compare, verify, sweep, live,
//! diagnose).
//!
//! The figures are drawn here, on the server side, from the typed reports
//! (`crate::report`), as a plain HTML table and inline SVG, so the page reads
//! the same without JavaScript (or with `chromium --dump-dom`); the inline
//! script (`report.js`) only adds hover details and keeps the axis toggle's
//! choice. Nothing is loaded from the network: the page's own
//! Content-Security-Policy forbids it. The assets (`web/report.html`,
//! `report.css`, `report.js`, `live.html`, `live.js`) are compiled in with
//! `include_str!`.
//!
//! The page also carries its data, never read back by the drawing:
//! - `<script type="application/json" id="gil-lab-data">` holds the very text
//!   the `--json` export of the same run writes (the command serializes once
//!   and hands the same string to both), so the two agree byte for byte; only
//!   `<`, `>`, `&`, U+2028 and U+2029 are written as their `\u` escapes there
//!   ([`script_json`]), which JSON reads back as the same characters.
//! - `<script type="application/json" id="gil-lab-timelines">` holds what the
//!   `--json` export does not: the chunk timelines, an array with one entry
//!   per report section (each report of `compare all`, or the live run), each
//!   an array of `report::Timeline` as it serializes: `{"strategy",
//!   "interpreter": {version, path, gil_disabled} | null, "wall_s", "workers",
//!   "overlap", "chunks": [{"worker", "start_ns", "end_ns", "cpu_ns"}]}`.
//!   Kept apart so that the export's text is embedded untouched rather than
//!   merged into a second serialization of the same report.

use std::fmt::Write;

use anyhow::Result;

use crate::cpython::interpreter::InterpreterRef;
use crate::engine::stats::Spread;
use crate::report::Machine;
use crate::report::diagnose::DiagnoseReport;
use crate::report::live::LiveReport;
use crate::report::verify::VerifyReport;
use crate::report::{Report, Timeline};

mod compare;
mod diagnose;
mod live;
mod sweep;
mod timelines;
mod verify;

pub use live::live_page;
pub use sweep::Sweep;

const TEMPLATE: &str = include_str!("../../../web/report.html");
const CSS: &str = include_str!("../../../web/report.css");
const JS: &str = include_str!("../../../web/report.js");

/// A compare run's page: each report with its timelines (`timelines[i]`
/// belongs to `reports[i]`); `json` is the run's `--json` export.
pub fn compare_page(reports: &[Report], timelines: &[&[Timeline]], json: &str) -> Result<String> {
    let timeline = |i: usize| timelines.get(i).copied().unwrap_or(&[]);
    let (title, body) = match reports {
        [one] => (
            format!("gil-lab compare {}", one.scenario.id()),
            compare::compare(one, timeline(0), 0, 1),
        ),
        many => {
            let mut body = String::from("<h1>gil-lab compare all</h1>\n");
            for (i, r) in many.iter().enumerate() {
                body += &compare::compare(r, timeline(i), i, 2);
            }
            ("gil-lab compare all".to_string(), body)
        }
    };
    Ok(page(
        &title,
        json,
        &serde_json::to_string(timelines)?,
        &body,
    ))
}

/// A verify run's page; `json` is its `--json` export.
pub fn verify_page(report: &VerifyReport, json: &str) -> String {
    page("gil-lab verify", json, "[]", &verify::verify(report))
}

/// A sweep's page; `json` is its `--json` export.
pub fn sweep_page(sweep: Sweep, json: &str) -> String {
    page(&sweep.title(), json, "[]", &sweep.body())
}

/// A live run's page, with each group's timeline; `json` is its `--json` export.
pub fn live_report_page(report: &LiveReport, json: &str) -> Result<String> {
    let timelines = report.timelines();
    Ok(page(
        &format!("gil-lab live {}", report.scenario.id()),
        json,
        &serde_json::to_string(&[&timelines])?,
        &live::live(report, &timelines),
    ))
}

/// A diagnosed program's page; `json` is its `--json` export.
pub fn diagnose_page(report: &DiagnoseReport, json: &str) -> String {
    page(
        &format!("gil-lab diagnose {}", report.program),
        json,
        "[]",
        &diagnose::diagnose(report),
    )
}

/// The page: `title`, the `static_body` (HTML, shown as is), `json` (the
/// `--json` export) and `timelines` (a JSON array) embedded as its data. Both
/// must be valid JSON; they are escaped so that nothing in them can end the
/// script element that holds them.
fn page(title: &str, json: &str, timelines: &str, static_body: &str) -> String {
    fill(
        TEMPLATE,
        &[
            ("{{TITLE}}", &escape(title)),
            ("{{CSS}}", CSS),
            ("{{BODY}}", static_body),
            ("{{DATA}}", &script_json(json)),
            ("{{TIMELINES}}", &script_json(timelines)),
            ("{{JS}}", JS),
        ],
    )
}

/// JSON made safe inside `<script type="application/json">`: every `<`, `>`
/// and `&` becomes its `\u00XX` escape. They can only occur inside JSON
/// strings, where the escape means the same character, so `JSON.parse` reads
/// the same value back, while `</script>` or `<!--` can no longer appear.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text made safe in HTML and SVG content and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces each marker once, in the template only: a value that happens to
/// contain a marker is never substituted again.
fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + pairs.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    loop {
        let next = pairs
            .iter()
            .filter_map(|(m, v)| rest.find(m).map(|at| (at, *m, *v)))
            .min_by_key(|(at, _, _)| *at);
        match next {
            Some((at, marker, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + marker.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

// ---------------------------------------------------------------- helpers

/// `0.412 (0.401–0.430)`, or `–` when not measured.
fn spread(s: Option<Spread>, decimals: usize) -> String {
    s.map_or_else(
        || "–".into(),
        |s| {
            format!(
                "{:.decimals$} ({:.decimals$}–{:.decimals$})",
                s.median, s.min, s.max
            )
        },
    )
}

/// A figure with as many digits as it needs to be read.
fn number(x: f64) -> String {
    let a = x.abs();
    if (x.fract() == 0.0 && a < 1e15) || a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

fn cell(out: &mut String, tag: &str, class: &str, content: &str) {
    if class.is_empty() {
        let _ = write!(out, "<{tag}>{content}</{tag}>");
    } else {
        let _ = write!(out, "<{tag} class=\"{class}\">{content}</{tag}>");
    }
}

fn facts(items: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"facts\">");
    for (k, v) in items {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    out + "</dl>\n"
}

/// The warning for figures measured on a machine other work was already using.
fn busy_warning(machine: &Machine, what: &str) -> String {
    match machine.busy_cpus {
        Some(b) if machine.was_busy() => format!(
            "<p class=\"warning\" role=\"alert\">Other work kept {b:.1} of {} CPUs busy as measuring began: parallel {what} are understated.</p>\n",
            machine.cpus
        ),
        _ => String::new(),
    }
}

fn machine_line(m: &Machine) -> String {
    format!(
        "{} CPUs, {} {}{}",
        m.cpus,
        m.os,
        m.arch,
        m.busy_cpus.map_or(String::new(), |b| format!(
            " · {b:.2} CPUs busy with other work before measuring"
        ))
    )
}

fn interpreter_ref(i: Option<&InterpreterRef>) -> String {
    match i {
        None => "native (no Python)".into(),
        Some(i) => {
            let gil = if i.gil_disabled {
                "free-threaded"
            } else {
                "GIL"
            };
            format!("{} ({gil}) at {}", i.version, i.path)
        }
    }
}

const PYTHON_COLOR: &str = "#1f5fa8";
const RUST_COLOR: &str = "#c2410c";
const RUNNING: &str = "#1f5fa8";
const WAITING: &str = "#f2a93b";
const LANE_BG: &str = "#e8ecf2";
const INK: &str = "#1a1a1a";
const GRID: &str = "#c8ccd2";

#[cfg(test)]
mod tests;
