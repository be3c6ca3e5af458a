//! Sweeps: the workers grid with its line chart, and the rows of ipc and memory.

use std::fmt::Write;

use serde_json::Value;

use super::*;

// ---------------------------------------------------------------- sweep

/// One line of a chart: its label, its points and whether it is a reference (dashed).
pub(super) type Series = (String, Vec<(f64, f64)>, bool);

/// A line chart; reference series are drawn dashed and grey.
pub(super) fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    log_x: bool,
    series: &[Series],
) -> String {
    let (w, h, left, right, top, bottom) = (820.0, 440.0, 70.0, 210.0, 44.0, 56.0);
    let tx = |x: f64| if log_x { x.max(1e-12).log10() } else { x };
    let points = series.iter().flat_map(|s| s.1.iter().copied());
    let (x0, x1, y1) = crate::render::chart::bounds(points, log_x);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let px = |x: f64| left + (tx(x) - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - y / y1 * ph;
    let mut out = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"16\" fill=\"{INK}\" role=\"img\" aria-label=\"{t}\"><text x=\"{left}\" y=\"26\" font-size=\"18\" font-weight=\"bold\">{t}</text><rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>\n",
        t = escape(title)
    );
    for t in ticks(0.0, y1) {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{0}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"#e3e6ea\"/><text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\" font-size=\"15\">{4}</text>",
            left + pw,
            py(t),
            left - 6.0,
            py(t) + 4.0,
            tick_label(t)
        );
    }
    // Counts (workers) get whole ticks only; a log axis gets its decades.
    let whole = log_x
        || series
            .iter()
            .flat_map(|s| s.1.iter())
            .all(|p| p.0.fract() == 0.0);
    for t in ticks(x0, x1) {
        if whole && t.fract().abs() > 1e-9 {
            continue;
        }
        let value = if log_x { 10f64.powf(t) } else { t };
        let label = if value >= 1e6 {
            format!("{}M", tick_label(value / 1e6))
        } else if value >= 1e3 {
            format!("{}k", tick_label(value / 1e3))
        } else {
            tick_label(value)
        };
        let _ = write!(
            out,
            "<text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\" font-size=\"15\">{label}</text>",
            left + (t - x0) / (x1 - x0) * pw,
            top + ph + 18.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">{2}</text><text x=\"16\" y=\"{3}\" transform=\"rotate(-90 16 {3})\" text-anchor=\"middle\">{4}</text>",
        left + pw / 2.0,
        h - 14.0,
        escape(x_label),
        top + ph / 2.0,
        escape(y_label)
    );
    let mut colors = [
        PYTHON_COLOR,
        RUST_COLOR,
        "#15803d",
        "#7e22ce",
        "#be185d",
        "#4d7c0f",
    ]
    .iter()
    .cycle();
    for (i, (label, points, reference)) in series.iter().enumerate() {
        let (stroke, dash) = if *reference {
            ("#6b7280", " stroke-dasharray=\"6 4\"")
        } else {
            (*colors.next().unwrap_or(&INK), "")
        };
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/>",
            path.join(" ")
        );
        if !reference {
            for &(x, y) in points {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{stroke}\"><title>{}: {} at {}</title></circle>",
                    px(x),
                    py(y),
                    escape(label),
                    number(y),
                    number(x)
                );
            }
        }
        let ly = top + 14.0 + i as f64 * 22.0;
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/><text x=\"{2}\" y=\"{3}\">{4}</text>",
            w - right + 12.0,
            w - right + 36.0,
            w - right + 42.0,
            ly + 5.0,
            escape(label)
        );
    }
    out + "</svg>\n"
}

pub(super) fn notes(v: &Value) -> String {
    let items: Vec<String> = list(&v["notes"]).iter().map(text).collect();
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"notes\">");
    for n in items {
        let _ = write!(out, "<li>{}</li>", escape(&n));
    }
    out + "</ul>\n"
}

pub(super) fn sweep_workers(s: &Value) -> String {
    let curves = list(&s["curves"]);
    let max = curves
        .iter()
        .flat_map(|c| {
            list(&c["points"])
                .iter()
                .filter_map(|p| p["workers"].as_u64())
        })
        .max()
        .unwrap_or(1);
    let mut out = String::from(
        "<section class=\"report sweep\">\n<h1>gil-lab sweep workers: speedup by worker count</h1>\n",
    );
    out += &facts(&[
        ("interpreter", text(&s["interpreter"])),
        ("machine", machine_line(&s["machine"])),
        ("workload", text(&s["workload"])),
        (
            "speedup",
            format!(
                "sequential fastest ÷ model fastest of {} runs, same total work",
                text(&s["runs"])
            ),
        ),
    ]);
    out += &busy_warning(&s["machine"], "figures");
    out += "<div class=\"scroll\"><table class=\"results\"><thead><tr><th>model</th>";
    for n in 1..=max {
        let _ = write!(out, "<th class=\"num\">{n} w</th>");
    }
    out += "<th class=\"num\">serial fraction</th><th class=\"num\">predicted at 8</th></tr></thead><tbody>\n";
    for c in curves {
        let _ = write!(
            out,
            "<tr data-strategy=\"{0}\"><th>{0}</th>",
            escape(&text(&c["model"]))
        );
        let points = list(&c["points"]);
        for n in 1..=max {
            let cell = points
                .iter()
                .find(|p| p["workers"].as_u64() == Some(n))
                .map_or("–".into(), |p| num(&p["speedup"], 2));
            let _ = write!(out, "<td class=\"num\">{cell}</td>");
        }
        let fit = &c["fit"];
        let serial = match (
            fit["serial_fraction"].as_f64(),
            fit["serial_fraction_error"].as_f64(),
        ) {
            (Some(f), Some(e)) => format!("{f:.3} ± {e:.3}"),
            (Some(f), None) => format!("{f:.3}"),
            _ => "–".into(),
        };
        let _ = writeln!(
            out,
            "<td class=\"num\">{serial}</td><td class=\"num\">{}</td></tr>",
            fit["predicted"]["8"]
                .as_f64()
                .map_or("–".into(), |v| format!("{v:.2}×"))
        );
    }
    out += "</tbody></table></div>\n<p>Serial fraction: Amdahl's law fitted to the points up to the CPU count (± standard error).</p>\n";
    let mut series = vec![(
        "ideal (n×)".to_string(),
        (1..=max).map(|n| (n as f64, n as f64)).collect::<Vec<_>>(),
        true,
    )];
    for c in curves {
        series.push((
            text(&c["model"]),
            list(&c["points"])
                .iter()
                .filter_map(|p| Some((p["workers"].as_f64()?, p["speedup"].as_f64()?)))
                .collect(),
            false,
        ));
    }
    out += &line_chart(
        &format!("Speedup by workers · {}", text(&s["interpreter"])),
        "workers",
        "speedup ×",
        false,
        &series,
    );
    for h in list(&s["headroom"]) {
        let _ = writeln!(
            out,
            "<p>Small task ({} iterations) with {} CPU(s) kept busy: median {} ms, max {} ms over {} probes.</p>",
            escape(&text(&h["probe_size"])),
            escape(&text(&h["busy_workers"])),
            num(&h["probe_ms"]["median"], 2),
            num(&h["probe_ms"]["max"], 2),
            escape(&text(&h["probes"]))
        );
    }
    out += &notes(s);
    out + "</section>\n"
}

/// A row's value as a cell: spreads as `median (min–max)`, nested objects in one line.
pub(super) fn value_cell(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or(n.to_string(), number),
        Value::Object(o) if o.contains_key("median") => match (
            o["median"].as_f64(),
            o.get("min").and_then(Value::as_f64),
            o.get("max").and_then(Value::as_f64),
        ) {
            (Some(m), Some(a), Some(b)) => format!("{} ({}–{})", number(m), number(a), number(b)),
            (Some(m), _, _) => number(m),
            _ => v.to_string(),
        },
        other => text(other),
    }
}

/// A row's columns: nested objects that are not spreads become `key.sub` columns.
pub(super) fn flatten(row: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in row.as_object().into_iter().flatten() {
        match v.as_object() {
            Some(o) if !o.contains_key("median") => {
                out.extend(o.iter().map(|(sub, x)| (format!("{k}.{sub}"), x.clone())))
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    out
}

pub(super) fn rows_table(rows: &[Value]) -> String {
    let flat: Vec<Vec<(String, Value)>> = rows.iter().map(flatten).collect();
    let mut columns: Vec<&str> = Vec::new();
    for r in &flat {
        for (k, _) in r {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let mut out = String::from("<div class=\"scroll\"><table class=\"results\"><thead><tr>");
    for c in &columns {
        // Long keys (after_touch.pss_kb) may break after a dot or an underscore.
        let name = escape(c).replace('.', ".<wbr>").replace('_', "_<wbr>");
        let _ = write!(out, "<th>{name}</th>");
    }
    out += "</tr></thead><tbody>\n";
    for r in &flat {
        out += "<tr>";
        for c in &columns {
            let v = r
                .iter()
                .find(|(k, _)| k == c)
                .map_or(&Value::Null, |(_, v)| v);
            let class = if v.is_number() || v.is_object() {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(&value_cell(v)));
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

pub(super) fn sweep_rows(v: &Value) -> String {
    let rows = list(&v["rows"]);
    let what = if rows.iter().any(|r| r.get("route").is_some()) {
        "ipc"
    } else if rows.iter().any(|r| r.get("pss_kb").is_some()) {
        "memory"
    } else {
        ""
    };
    let mut out = format!(
        "<section class=\"report sweep\">\n<h1>gil-lab sweep {what}</h1>\n{}",
        facts(&[("interpreter", text(&v["interpreter"]))])
    );
    out += &rows_table(rows);
    if what == "ipc" {
        let mut series: Vec<Series> = Vec::new();
        for r in rows {
            let (Some(route), Some(bytes), Some(ms)) = (
                r["route"].as_str(),
                r["payload_bytes"].as_f64(),
                r["ms_per_mb"].as_f64(),
            ) else {
                continue;
            };
            match series.iter_mut().find(|s| s.0 == route) {
                Some(s) => s.1.push((bytes, ms)),
                None => series.push((route.into(), vec![(bytes, ms)], false)),
            }
        }
        out += &line_chart(
            "Round trip cost per MB",
            "payload bytes (log scale)",
            "ms per MB",
            true,
            &series,
        );
        if let Some(c) = v["crossover"].as_object() {
            out += "<h2>Where a process pool starts to pay</h2>\n";
            if let Some(m) = c.get("measured_by") {
                let _ = writeln!(out, "<p>{}</p>", escape(&text(m)));
            }
            out += &rows_table(list(&v["crossover"]["rows"]));
            let _ = writeln!(
                out,
                "<p>Crossover: {} iterations per task ({} CPU s); pool overhead {} µs per task.</p>",
                escape(&value_cell(&v["crossover"]["iterations"])),
                escape(&value_cell(&v["crossover"]["cpu_seconds"])),
                escape(&value_cell(&v["crossover"]["overhead_us_per_task"]))
            );
        }
    } else if what == "memory" {
        let items: Vec<(String, f64)> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    format!(
                        "{} · preload {} MB",
                        r["worker"].as_str()?,
                        r["preload_mb"].as_u64().unwrap_or(0)
                    ),
                    r["pss_kb"].as_f64()? / 1024.0,
                ))
            })
            .collect();
        if !items.is_empty() {
            out += &bars("PSS per worker", "MB", &items);
        }
    }
    out += &notes(v);
    out + "</section>\n"
}
