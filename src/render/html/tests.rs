//! The report page's tests.
use super::timelines::{TL_WIDTH, timelines_block};
use super::*;
use crate::engine::timeline::Chunk;
use crate::render::fixture;
use serde_json::{Value, json};

/// The text between the tags of the data element `id`, as the page holds it.
fn element<'a>(page: &'a str, id: &str) -> &'a str {
    let open = format!("<script type=\"application/json\" id=\"{id}\">");
    let from = page.find(&open).expect("data element") + open.len();
    let to = from
        + page[from..]
            .find("</script>")
            .expect("end of the data element");
    &page[from..to]
}

/// The JSON of the data element, read back as the page's script reads it.
fn embedded(page: &str) -> Value {
    serde_json::from_str(element(page, "gil-lab-data")).expect("embedded JSON parses")
}

#[test]
fn json_cannot_close_its_script_element() {
    let nasty = json!({
        "note": "</script><script>alert(1)</script> <!-- & -->",
        "scenario": "x</SCRIPT>",
        "line": "a\u{2028}b"
    });
    let page = page("t", &nasty.to_string(), "[]", "<p>body</p>");
    assert_eq!(
        page.matches("</script>").count(),
        3,
        "only the three real ends"
    );
    assert!(!page.to_lowercase().contains("</script><script>alert"));
    assert!(!page.contains("<!-- &"));
    assert_eq!(embedded(&page), nasty, "the same data reads back");
}

#[test]
fn markers_in_values_are_not_substituted_again() {
    let page = page("{{BODY}}", "{\"a\":\"{{JS}}\"}", "[]", "{{DATA}}");
    assert!(page.contains("<title>{{BODY}}</title>"));
    assert!(page.contains("{{DATA}}"));
    assert_eq!(embedded(&page)["a"], "{{JS}}");
}

#[test]
fn text_is_escaped_in_html() {
    assert_eq!(
        escape("<a href=\"x\">&'"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    );
}

/// 10 ms in ns: py-threads' staircase steps.
const MS: u64 = 10_000_000;

fn chunk(worker: u64, start_ns: u64, end_ns: u64, cpu_ns: u64) -> Chunk {
    Chunk {
        worker,
        start_ns,
        end_ns,
        cpu_ns,
    }
}

/// py-threads taking turns on the GIL for 30 ms, rayon done in 3 µs.
fn timelines() -> Vec<Timeline> {
    vec![
        Timeline {
            strategy: "py-threads".into(),
            interpreter: None,
            wall_s: 0.03,
            workers: 2,
            overlap: 1.0,
            chunks: vec![
                chunk(0, 0, MS, MS),
                chunk(1, 0, 2 * MS, MS),
                chunk(0, MS, 3 * MS, MS),
            ],
        },
        Timeline {
            strategy: "rayon".into(),
            interpreter: None,
            wall_s: 3e-6,
            workers: 2,
            overlap: 2.0,
            chunks: vec![chunk(0, 100, 3100, 3000), chunk(1, 100, 3100, 3000)],
        },
    ]
}

fn report() -> Report {
    let mut r = fixture::report();
    r.results[1].verdict = "py-threads <verdict>".into();
    r
}

#[test]
fn a_compare_page_draws_table_bars_and_timelines_without_script() {
    let r = report();
    let t = timelines();
    let json = crate::render::json::render(std::slice::from_ref(&r)).unwrap();
    let page = compare_page(std::slice::from_ref(&r), &[&t], &json).unwrap();
    for s in ["py-sequential", "py-threads", "rayon"] {
        assert!(
            page.contains(&format!("<tr data-strategy=\"{s}\"")),
            "{s} row"
        );
    }
    assert!(page.contains("py-threads &lt;verdict&gt;"));
    assert!(page.contains("<svg class=\"speedup\""));
    assert!(page.contains("<svg class=\"timelines\""));
    assert!(page.contains("class=\"own-axis\""));
    assert!(page.contains("class=\"warning\""), "busy machine");
    assert_eq!(page.matches("<g class=\"panel\"").count(), 2);
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    assert_eq!(
        element(&page, "gil-lab-data"),
        script_json(&json),
        "the export's own text"
    );
    let lanes: Value = serde_json::from_str(element(&page, "gil-lab-timelines")).unwrap();
    assert_eq!(lanes[0].as_array().unwrap().len(), 2, "{lanes}");
    assert_eq!(lanes[0][1]["strategy"], "rayon");
}

#[test]
fn a_row_and_its_lane_say_when_a_free_threaded_build_ran_with_its_gil() {
    let mut r = report();
    let with_gil = InterpreterRef {
        version: "3.13.5t".into(),
        path: "/opt/python3.13t".into(),
        gil_disabled: false,
    };
    r.results[1].interpreter = Some(with_gil.clone());
    r.results[0].interpreter = Some(r.interpreter.as_ref());
    let mut t = timelines();
    t[0].interpreter = Some(with_gil);
    let page = compare_page(std::slice::from_ref(&r), &[&t], "{}").unwrap();
    let label = "py-threads @3.13.5t+GIL";
    assert_eq!(r.label(&r.results[1]), label);
    let table = &page[page.find("<table class=\"results\"").unwrap()..];
    assert!(table.contains(&format!(">{label}</th>")), "the table row");
    let lanes = &page[page.find("<svg class=\"timelines\"").unwrap()..];
    assert!(lanes.contains(&format!(">{label}</text>")), "the lane");
}

#[test]
fn timelines_share_one_axis_unless_each_row_has_its_own() {
    let html = timelines_block(&timelines(), true, "a", "t");
    // rayon's 3 µs: under a pixel beside 30 ms on the shared axis, the full width on its own.
    let rayon = &html[html.find("data-strategy=\"rayon\"").unwrap()..];
    let shared = &rayon
        [rayon.find("<g class=\"shared\">").unwrap()..rayon.find("<g class=\"own\">").unwrap()];
    let own = &rayon[rayon.find("<g class=\"own\">").unwrap()..];
    assert!(shared.contains("width=\"0.5\""), "{shared}");
    assert!(own.contains(&format!("width=\"{TL_WIDTH:.1}\"")), "{own}");
    // py-threads: the staircase has two waits (w1 from 0, w0 from 10).
    let threads = &html[..html.find("data-strategy=\"rayon\"").unwrap()];
    let own = &threads[threads.find("<g class=\"own\">").unwrap()..];
    assert_eq!(own.matches(&format!("fill=\"{WAITING}\"")).count(), 2);
    assert_eq!(own.matches(&format!("fill=\"{RUNNING}\"")).count(), 3);
}

#[test]
fn verify_claims_get_badges_and_charts() {
    let figure = |name: &str, value: f64, spread: Option<Vec<f64>>| crate::report::verify::Figure {
        name: name.into(),
        value,
        unit: "s".into(),
        spread,
        interpreter: None,
    };
    let report = VerifyReport {
        gil_lab_version: "0.1.0",
        machine: fixture::report().machine,
        interpreter: "CPython 3.11.7".into(),
        others: Vec::new(),
        quick: true,
        seconds: 3.0,
        claims: vec![crate::report::verify::Checked {
            id: "shared-counter-needs-lock".into(),
            number: 14,
            claim: "c".into(),
            source: "s".into(),
            experiment: "e".into(),
            interpreter: "3.11.7".into(),
            figures: vec![
                figure("a", 1.0, Some(vec![0.9, 1.1])),
                figure("b", 2.0, None),
            ],
            evidence: "lost 0 of 400000".into(),
            verdict: crate::report::verify::Verdict::Holds,
            explanation: "x".into(),
            seconds: 1.0,
        }],
    };
    let html = verify_page(&report, "{}");
    assert!(html.contains("<span class=\"badge holds\">holds</span>"));
    assert!(html.contains("<svg class=\"bars\""));
    assert!(html.contains("id=\"claim-14\""));
    assert!(html.contains("0.900–1.10"), "the spread");
}
