//! The verdict table, the Markdown report and the per-claim charts of `verify`.
//! They draw the report; they measure nothing.

use comfy_table::{ContentArrangement, Table, presets};

use crate::render::chart::bars;
use crate::render::export::{Destinations, Export, Exporter, Rendered, json, not_written};
use crate::render::fit::Fit;
use crate::report::verify::{Checked, VerifyReport};

fn heading(r: &VerifyReport) -> String {
    let others = if r.others.is_empty() {
        "no other interpreter found (scripts/install-pythons.sh builds 3.13 and 3.13t)".to_string()
    } else {
        format!("also used: {}", r.others.join(", "))
    };
    format!(
        "gil-lab verify{}: {} checked in {:.0} s on {} · {} CPUs, {} {} · {others}",
        if r.quick { " --quick" } else { "" },
        crate::render::counted(r.claims.len(), "claim", "claims"),
        r.seconds,
        r.interpreter,
        r.machine.cpus,
        r.machine.os,
        r.machine.arch
    )
}

fn tally(r: &VerifyReport) -> String {
    r.counts()
        .iter()
        .map(|(v, n)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The verdicts under the run's heading, then each claim's explanation: the
/// table arranged to `fit` (a terminal's width) and the prose wrapped to it;
/// without a width, 170 columns, each cell on as few lines as fit them.
pub fn table(r: &VerifyReport, fit: Fit) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::DynamicFullWidth)
        .set_width(170)
        .set_header([
            "#",
            "claim (the document's words)",
            "verdict",
            "evidence (measured now)",
        ]);
    for c in &r.claims {
        t.add_row([
            c.number.to_string(),
            format!("{}\n{}", c.id, c.claim),
            c.verdict.word().to_string(),
            c.evidence.clone(),
        ]);
    }
    let t = fit.draw(&mut t);
    let mut out = format!("{}\n{t}\n{}\n", fit.wrap(&heading(r)), tally(r));
    if let Some(warning) = crate::render::machine_busy(&r.machine, "figures") {
        out += &fit.wrap(&format!("{warning}\n"));
    }
    for c in &r.claims {
        out += &fit.wrap(&format!(
            "{:>2}. {}: {}\n",
            c.number, c.verdict, c.explanation
        ));
    }
    out
}

/// Figures that share a unit, as a bar chart; `None` when fewer than two do.
pub fn chart(c: &Checked) -> Option<String> {
    let mut units: Vec<&str> = c.figures.iter().map(|f| f.unit.as_str()).collect();
    units.sort();
    units.dedup();
    let unit = units
        .iter()
        .filter(|u| **u != "bool")
        .max_by_key(|u| c.figures.iter().filter(|f| f.unit == **u).count())?;
    let items: Vec<(String, f64)> = c
        .figures
        .iter()
        .filter(|f| f.unit == *unit && f.value.is_finite() && f.value >= 0.0)
        .map(|f| (f.name.clone(), f.value))
        .collect();
    (items.len() >= 2).then(|| bars(&format!("claim {}: {}", c.number, c.id), unit, &items))
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report in Markdown; `chart_file(claim)` names the chart written beside it, if any.
pub fn markdown(r: &VerifyReport, chart_file: &dyn Fn(&Checked) -> Option<String>) -> String {
    let mut out = format!(
        "# The documents' claims, checked\n\n{}\n\n**{}**\n\n",
        heading(r),
        tally(r)
    );
    out += "| # | claim | verdict | evidence |\n|--:|---|---|---|\n";
    for c in &r.claims {
        out += &format!(
            "| {} | [{}](#claim-{}) | **{}** | {} |\n",
            c.number,
            cell(&c.id),
            c.number,
            c.verdict,
            cell(&c.evidence)
        );
    }
    for c in &r.claims {
        out += &format!(
            "\n<a id=\"claim-{}\"></a>\n## {}. {} — {}\n\n> {}\n\n*{}*\n\n",
            c.number, c.number, c.id, c.verdict, c.claim, c.source
        );
        out += &format!(
            "**Experiment** ({}, {:.1} s): {}\n\n**Verdict: {}.** {}\n\n",
            c.interpreter, c.seconds, c.experiment, c.verdict, c.explanation
        );
        if !c.figures.is_empty() {
            out += "| figure | value | unit | spread (min–max) | interpreter |\n|---|--:|---|---|---|\n";
            for f in &c.figures {
                let spread = f
                    .spread
                    .as_ref()
                    .filter(|s| s.len() == 2)
                    .map_or("–".into(), |s| format!("{}–{}", num(s[0]), num(s[1])));
                out += &format!(
                    "| {} | {} | {} | {} | {} |\n",
                    cell(&f.name),
                    num(f.value),
                    f.unit,
                    spread,
                    f.interpreter.as_deref().unwrap_or("–")
                );
            }
        }
        if let Some(file) = chart_file(c) {
            out += &format!("\n![claim {} chart]({file})\n", c.number);
        }
    }
    out
}

fn num(v: f64) -> String {
    crate::render::rows::number(v)
}

/// Claim numbers have two digits in a chart's file name.
const MOST_CLAIMS: u32 = 99;

/// `{stem}-claim-NN.svg` beside a Markdown report at `file`.
fn chart_path(file: &std::path::Path, number: u32) -> std::path::PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.with_file_name(format!("{stem}-claim-{number:02}.svg"))
}

impl Exporter for VerifyReport {
    const FORMATS: &'static [Export] = &[Export::Json, Export::Markdown, Export::Html];

    /// A Markdown file gets a chart per claim beside it.
    fn beside(format: Export, file: &std::path::Path) -> Vec<std::path::PathBuf> {
        match format {
            Export::Markdown => (1..=MOST_CLAIMS).map(|n| chart_path(file, n)).collect(),
            _ => Vec::new(),
        }
    }

    fn render(&self, format: Export, to: &Destinations) -> anyhow::Result<Rendered> {
        match format {
            Export::Json => Ok(json(self)?.into()),
            // The page's data is the --json export's very text.
            Export::Html => Ok(crate::render::html::verify_page(self, &json(self)?).into()),
            Export::Markdown => {
                // Charts go beside a Markdown file, named after it and the claim; none on stdout.
                let beside: Vec<(u32, std::path::PathBuf, String)> = match to.file(Export::Markdown)
                {
                    Some(file) => self
                        .claims
                        .iter()
                        .filter_map(|c| Some((c.number, chart_path(file, c.number), chart(c)?)))
                        .collect(),
                    None => Vec::new(),
                };
                let name = |c: &Checked| {
                    beside
                        .iter()
                        .find(|(n, _, _)| *n == c.number)
                        .and_then(|(_, p, _)| {
                            p.file_name().map(|n| n.to_string_lossy().into_owned())
                        })
                };
                Ok(Rendered {
                    text: markdown(self, &name),
                    beside: beside.into_iter().map(|(_, p, svg)| (p, svg)).collect(),
                })
            }
            other => Err(not_written(other)),
        }
    }
}
