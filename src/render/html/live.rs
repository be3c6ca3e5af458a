//! A live report: its facts, summary table and timelines.

use std::fmt::Write;

use serde_json::Value;

use super::*;

const LIVE_HTML: &str = include_str!("../../../web/live.html");
const LIVE_JS: &str = include_str!("../../../web/live.js");

/// The live page `live --serve` serves, with its script and style inlined: it
/// draws what `/state` and `/events` send (the schema is in `web/README.md`).
pub fn live_page() -> String {
    LIVE_HTML
        .replacen("{{CSS}}", CSS, 1)
        .replacen("{{JS}}", LIVE_JS, 1)
}

// ---------------------------------------------------------------- live

pub(super) fn live(r: &Value) -> String {
    let unit = text(&r["unit"]);
    let mut out = format!(
        "<section class=\"report live\">\n<h1>gil-lab live {}</h1>\n",
        escape(&text(&r["scenario"]))
    );
    out += &facts(&[
        ("Python", interpreter_ref(&r["python"])),
        ("machine", machine_line(&r["machine"])),
        (
            "workload",
            format!(
                "chunks of {} · {} s per group · rates in {unit} per 0.5 s window",
                text(&r["workload"]),
                text(&r["duration_s"])
            ),
        ),
        ("groups", text(&r["why_one_after_another"])),
    ]);
    out += &busy_warning(&r["machine"], "figures");
    out += &live_table(r);
    let timelines = list(&r["timelines"]);
    if !timelines.is_empty() {
        out += &timelines_block(
            timelines,
            r["unit"].as_str() != Some("waits/s"),
            "axis-live",
            "Chunk timelines (the first 1.5 s of each group)",
        );
    }
    out + "</section>\n"
}

/// The summary table of a live report; the live page draws the same from the same JSON.
pub fn live_table(r: &Value) -> String {
    let unit = escape(&text(&r["unit"]));
    let mut out = format!(
        "<div class=\"scroll\"><table class=\"results summary\"><thead><tr><th>group</th><th class=\"num\">workers</th><th>runs in</th><th class=\"num\">rate {unit} median (min–max)</th><th class=\"num\">× one worker</th><th class=\"num\">CPUs busy</th><th class=\"num\">GIL wait</th><th class=\"num\">per worker {unit}</th></tr></thead><tbody>\n"
    );
    for g in list(&r["groups"]) {
        let id = text(&g["id"]);
        let runs_in = match g["interpreter"]["version"].as_str() {
            Some(v) if id.starts_with("rust") => format!("Rust + {v}"),
            Some(v) => v.to_string(),
            None => "Rust (native)".into(),
        };
        let per_worker = list(&g["worker_rates"])
            .iter()
            .filter_map(Value::as_f64)
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "<tr data-strategy=\"{id}\"><th>{id}</th><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&text(&g["workers"])),
            escape(&runs_in),
            spread(&g["rate"], 1),
            spread(&g["vs_one_worker"], 2),
            spread(&g["cpus_busy"], 2),
            spread(&g["gil_contention"], 2),
            escape(&per_worker),
            id = escape(&id)
        );
        if let Some(e) = g["error"].as_str() {
            let _ = writeln!(
                out,
                "<tr class=\"error\"><td colspan=\"8\">{} failed: {}</td></tr>",
                escape(&id),
                escape(e.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(e))
            );
        }
    }
    out += "</tbody></table></div>\n<ul class=\"notes\">";
    for reference in list(&r["references"]) {
        let _ = write!(
            out,
            "<li>1× = {}: {} {unit} ({})</li>",
            escape(&text(&reference["what"])),
            num(&reference["rate"], 1),
            escape(&text(&reference["measured_by"]))
        );
    }
    for s in list(&r["skipped"]) {
        let _ = write!(out, "<li>not shown: {}</li>", escape(&text(s)));
    }
    out + "</ul>\n"
}
