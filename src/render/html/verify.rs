//! A verify report: the tally, the claims table and each claim with its chart.

use std::fmt::Write;

use super::*;
use crate::report::verify::{Checked, Verdict};

// ---------------------------------------------------------------- verify

pub(super) fn badge(verdict: Verdict) -> String {
    let class = match verdict {
        Verdict::Holds => "holds",
        Verdict::DoesNotHold => "fails",
        Verdict::Depends => "depends",
        Verdict::CannotTestHere | Verdict::TimedOut => "untested",
    };
    format!(
        "<span class=\"badge {class}\">{}</span>",
        escape(verdict.word())
    )
}

pub(super) fn verify(r: &VerifyReport) -> String {
    let mut out = format!(
        "<section class=\"report verify\">\n<h1>gil-lab verify{}: the documents' claims, checked</h1>\n",
        if r.quick { " --quick" } else { "" }
    );
    out += &facts(&[
        ("interpreter", r.interpreter.clone()),
        (
            "also used",
            if r.others.is_empty() {
                "no other interpreter found".into()
            } else {
                r.others.join(", ")
            },
        ),
        ("machine", machine_line(&r.machine)),
        (
            "checked",
            format!(
                "{} in {:.0} s",
                crate::render::counted(r.claims.len(), "claim", "claims"),
                r.seconds
            ),
        ),
        ("gil-lab", r.gil_lab_version.to_string()),
    ]);
    out += &busy_warning(&r.machine, "figures");
    out += "<p class=\"tally\">";
    for (v, n) in r.counts() {
        if n > 0 {
            let _ = write!(out, "{} × {n} ", badge(v));
        }
    }
    out += "</p>\n<div class=\"scroll\"><table class=\"claims\"><thead><tr><th class=\"num\">#</th><th>claim</th><th>verdict</th><th>evidence (measured now)</th></tr></thead><tbody>\n";
    for c in &r.claims {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{n}</td><td><a href=\"#claim-{n}\">{id}</a></td><td>{b}</td><td>{e}</td></tr>",
            n = c.number,
            id = escape(&c.id),
            b = badge(c.verdict),
            e = escape(&c.evidence)
        );
    }
    out += "</tbody></table></div>\n";
    for c in &r.claims {
        out += &claim(c);
    }
    out + "</section>\n"
}

fn claim(c: &Checked) -> String {
    let n = c.number;
    let mut out = format!(
        "<article class=\"claim\" id=\"claim-{n}\">\n<h2>{n}. {} {}</h2>\n<blockquote>{}</blockquote>\n<p class=\"source\">{}</p>\n",
        escape(&c.id),
        badge(c.verdict),
        escape(&c.claim),
        escape(&c.source)
    );
    let _ = writeln!(
        out,
        "<p><b>Experiment</b> ({}, {:.1} s): {}</p>\n<p><b>Evidence:</b> {}</p>\n<p><b>Verdict: {}.</b> {}</p>",
        escape(&c.interpreter),
        c.seconds,
        escape(&c.experiment),
        escape(&c.evidence),
        escape(c.verdict.word()),
        escape(&c.explanation)
    );
    if !c.figures.is_empty() {
        out += "<div class=\"scroll\"><table class=\"figures\"><thead><tr><th>figure</th><th class=\"num\">value</th><th>unit</th><th class=\"num\">spread (min–max)</th><th>interpreter</th></tr></thead><tbody>\n";
        for f in &c.figures {
            let spread = match f.spread.as_deref() {
                Some([a, b]) => format!("{}–{}", number(*a), number(*b)),
                _ => "–".into(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&f.name),
                number(f.value),
                escape(&f.unit),
                spread,
                escape(f.interpreter.as_deref().unwrap_or("–"))
            );
        }
        out += "</tbody></table></div>\n";
    }
    if let Some(svg) = claim_chart(c) {
        out += &svg;
    }
    out + "</article>\n"
}

/// The figures that share the commonest unit (not `bool`), as bars; `None`
/// when fewer than two do.
fn claim_chart(c: &Checked) -> Option<String> {
    let mut units: Vec<(&str, usize)> = Vec::new();
    for f in c.figures.iter().filter(|f| f.unit != "bool") {
        match units.iter_mut().find(|(k, _)| *k == f.unit) {
            Some(e) => e.1 += 1,
            None => units.push((&f.unit, 1)),
        }
    }
    let unit = units.iter().max_by_key(|(_, n)| *n)?.0;
    let items: Vec<(String, f64)> = c
        .figures
        .iter()
        .filter(|f| f.unit == unit && f.value.is_finite() && f.value >= 0.0)
        .map(|f| (f.name.clone(), f.value))
        .collect();
    (items.len() >= 2).then(|| bars(&format!("claim {}: {}", c.number, c.id), unit, &items))
}

/// Horizontal bars, one per labelled value.
pub(super) fn bars(title: &str, unit: &str, items: &[(String, f64)]) -> String {
    let (top, row, label_w, plot_w) = (40.0, 28.0, 330.0, 420.0);
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-12);
    let height = top + items.len() as f64 * row + 16.0;
    let width = label_w + plot_w + 160.0;
    let mut out = format!(
        "<svg class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"16\" fill=\"{INK}\" role=\"img\" aria-label=\"{t}\"><text x=\"10\" y=\"24\" font-size=\"17\" font-weight=\"bold\">{t}</text>\n",
        t = escape(title)
    );
    for (k, (label, value)) in items.iter().enumerate() {
        let y = top + k as f64 * row;
        let w = (value / max * plot_w).max(1.0);
        let _ = writeln!(
            out,
            "<text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{l}</text><rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{PYTHON_COLOR}\"/><text x=\"{vx:.1}\" y=\"{ty:.1}\">{v} {u}</text>",
            lx = label_w - 8.0,
            ty = y + 17.0,
            l = escape(label),
            h = row - 6.0,
            vx = label_w + w + 6.0,
            v = number(*value),
            u = escape(unit)
        );
    }
    out + "</svg>\n"
}
