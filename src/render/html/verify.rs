//! A verify report: the tally, the claims table and each claim with its chart.

use std::fmt::Write;

use serde_json::Value;

use super::*;

// ---------------------------------------------------------------- verify

pub(super) fn badge(verdict: &str) -> String {
    let class = match verdict {
        "holds" => "holds",
        "does not hold" => "fails",
        "depends" => "depends",
        _ => "untested",
    };
    format!("<span class=\"badge {class}\">{}</span>", escape(verdict))
}

pub(super) fn verify(r: &Value) -> String {
    let claims = list(&r["claims"]);
    let mut out = format!(
        "<section class=\"report verify\">\n<h1>gil-lab verify{}: the documents' claims, checked</h1>\n",
        if r["quick"].as_bool() == Some(true) {
            " --quick"
        } else {
            ""
        }
    );
    let others = list(&r["others"])
        .iter()
        .map(text)
        .collect::<Vec<_>>()
        .join(", ");
    out += &facts(&[
        ("interpreter", text(&r["interpreter"])),
        (
            "also used",
            if others.is_empty() {
                "no other interpreter found".into()
            } else {
                others
            },
        ),
        ("machine", machine_line(&r["machine"])),
        (
            "checked",
            format!(
                "{} in {} s",
                crate::render::counted(claims.len(), "claim", "claims"),
                r["seconds"]
                    .as_f64()
                    .map_or("–".into(), |s| format!("{s:.0}"))
            ),
        ),
        ("gil-lab", text(&r["gil_lab_version"])),
    ]);
    out += &busy_warning(&r["machine"], "figures");
    let mut verdicts: Vec<(String, usize)> = Vec::new();
    for c in claims {
        let v = text(&c["verdict"]);
        match verdicts.iter_mut().find(|(k, _)| *k == v) {
            Some(entry) => entry.1 += 1,
            None => verdicts.push((v, 1)),
        }
    }
    out += "<p class=\"tally\">";
    for (v, n) in &verdicts {
        let _ = write!(out, "{} × {n} ", badge(v));
    }
    out += "</p>\n<div class=\"scroll\"><table class=\"claims\"><thead><tr><th class=\"num\">#</th><th>claim</th><th>verdict</th><th>evidence (measured now)</th></tr></thead><tbody>\n";
    for c in claims {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{n}</td><td><a href=\"#claim-{n}\">{id}</a></td><td>{b}</td><td>{e}</td></tr>",
            n = escape(&text(&c["number"])),
            id = escape(&text(&c["id"])),
            b = badge(&text(&c["verdict"])),
            e = escape(&text(&c["evidence"]))
        );
    }
    out += "</tbody></table></div>\n";
    for c in claims {
        out += &claim(c);
    }
    out + "</section>\n"
}

pub(super) fn claim(c: &Value) -> String {
    let n = escape(&text(&c["number"]));
    let mut out = format!(
        "<article class=\"claim\" id=\"claim-{n}\">\n<h2>{n}. {} {}</h2>\n<blockquote>{}</blockquote>\n<p class=\"source\">{}</p>\n",
        escape(&text(&c["id"])),
        badge(&text(&c["verdict"])),
        escape(&text(&c["claim"])),
        escape(&text(&c["source"]))
    );
    let _ = writeln!(
        out,
        "<p><b>Experiment</b> ({}, {:.1} s): {}</p>\n<p><b>Evidence:</b> {}</p>\n<p><b>Verdict: {}.</b> {}</p>",
        escape(&text(&c["interpreter"])),
        c["seconds"].as_f64().unwrap_or(0.0),
        escape(&text(&c["experiment"])),
        escape(&text(&c["evidence"])),
        escape(&text(&c["verdict"])),
        escape(&text(&c["explanation"]))
    );
    let figures = list(&c["figures"]);
    if !figures.is_empty() {
        out += "<div class=\"scroll\"><table class=\"figures\"><thead><tr><th>figure</th><th class=\"num\">value</th><th>unit</th><th class=\"num\">spread (min–max)</th><th>interpreter</th></tr></thead><tbody>\n";
        for f in figures {
            let spread = match list(&f["spread"]) {
                [a, b] => match (a.as_f64(), b.as_f64()) {
                    (Some(a), Some(b)) => format!("{}–{}", number(a), number(b)),
                    _ => "–".into(),
                },
                _ => "–".into(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&text(&f["name"])),
                f["value"].as_f64().map_or("–".into(), number),
                escape(&text(&f["unit"])),
                spread,
                escape(&text(&f["interpreter"]))
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
pub(super) fn claim_chart(c: &Value) -> Option<String> {
    let figures = list(&c["figures"]);
    let mut units: Vec<(String, usize)> = Vec::new();
    for f in figures {
        let u = text(&f["unit"]);
        if u == "bool" {
            continue;
        }
        match units.iter_mut().find(|(k, _)| *k == u) {
            Some(e) => e.1 += 1,
            None => units.push((u, 1)),
        }
    }
    let unit = units.iter().max_by_key(|(_, n)| *n)?.0.clone();
    let items: Vec<(String, f64)> = figures
        .iter()
        .filter(|f| text(&f["unit"]) == unit)
        .filter_map(|f| {
            let v = f["value"].as_f64()?;
            (v.is_finite() && v >= 0.0).then(|| (text(&f["name"]), v))
        })
        .collect();
    (items.len() >= 2).then(|| {
        bars(
            &format!("claim {}: {}", text(&c["number"]), text(&c["id"])),
            &unit,
            &items,
        )
    })
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
