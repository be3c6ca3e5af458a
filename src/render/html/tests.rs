//! The report page's tests.
use super::*;
use serde_json::json;

/// The JSON between the data element's tags, read back as the page's script reads it.
fn embedded(page: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"gil-lab-data\">";
    let from = page.find(open).expect("data element") + open.len();
    let to = from
        + page[from..]
            .find("</script>")
            .expect("end of the data element");
    serde_json::from_str(&page[from..to]).expect("embedded JSON parses")
}

#[test]
fn json_cannot_close_its_script_element() {
    let nasty = json!({
        "note": "</script><script>alert(1)</script> <!-- & -->",
        "scenario": "x</SCRIPT>",
        "line": "a\u{2028}b"
    });
    let page = page("t", &nasty.to_string(), "<p>body</p>");
    assert_eq!(
        page.matches("</script>").count(),
        2,
        "only the two real ends"
    );
    assert!(!page.to_lowercase().contains("</script><script>alert"));
    assert!(!page.contains("<!-- &"));
    assert_eq!(embedded(&page), nasty, "the same data reads back");
}

#[test]
fn markers_in_values_are_not_substituted_again() {
    let page = page("{{BODY}}", "{\"a\":\"{{JS}}\"}", "{{DATA}}");
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

fn report() -> Value {
    let row = |strategy: &str, implementation: &str, wall: f64, speedup: f64| {
        json!({
            "strategy": strategy, "implementation": implementation, "method": "mock",
            "interpreter": null, "workers": 2, "runs": 3, "repeats": 1,
            "wall_s": {"median": wall, "min": wall * 0.9, "max": wall * 1.1},
            "startup_s": 0.0015, "cpu_s": wall * speedup, "parallelism": speedup,
            "speedup": speedup, "speedup_median": speedup * 0.95,
            "vs_python_sequential": speedup, "efficiency": speedup / 2.0,
            "overlap": speedup, "handoffs": 12.0, "gil_contention": 0.5,
            "checksum": 1, "status": "ok", "available": true, "error": null,
            "note": null, "verdict": format!("{strategy} <verdict>")
        })
    };
    let chunk = |worker: u64, start_ns: u64, end_ns: u64, cpu_ns: u64| json!({"worker": worker, "start_ns": start_ns, "end_ns": end_ns, "cpu_ns": cpu_ns});
    json!({
        "gil_lab_version": "0.1.0",
        "machine": {"cpus": 2, "os": "linux", "arch": "x86_64", "busy_cpus": 1.5},
        "interpreter": {"implementation": "CPython", "python_version": "3.11.7",
            "executable": "/opt/python3.11", "gil_disabled": false},
        "scenario": "threading",
        "workload": {"kernel": "sum_squares", "description": "sum(i*i for i in range(4000000))",
            "size": 4000000, "size_unit": "iterations", "tasks": 2, "chunk": 40000},
        "settings": {"workers": 2, "runs": 3, "warmup": 1, "start_method": "fork", "interleaved": true},
        "results": [row("py-sequential", "python", 0.5, 1.0), row("py-threads", "python", 0.52, 0.96),
                    row("rayon", "rust", 0.002, 1.9)],
        "free_threading": [],
        "timelines": [
            {"strategy": "py-threads", "interpreter": null, "wall_s": 0.03, "workers": 2, "overlap": 1.0,
             "chunks": [chunk(0, 0, MS, MS), chunk(1, 0, 2 * MS, MS), chunk(0, MS, 3 * MS, MS)]},
            {"strategy": "rayon", "interpreter": null, "wall_s": 3e-6, "workers": 2, "overlap": 2.0,
             "chunks": [chunk(0, 100, 3100, 3000), chunk(1, 100, 3100, 3000)]}
        ]
    })
}

#[test]
fn a_compare_page_draws_table_bars_and_timelines_without_script() {
    let data = report();
    assert_eq!(kind(&data), Kind::Compare);
    let page = report_page(&data);
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
    let reread: Value = serde_json::from_str(&data.to_string()).unwrap();
    assert_eq!(embedded(&page), reread);
}

#[test]
fn timelines_share_one_axis_unless_each_row_has_its_own() {
    let data = report();
    let html = timelines_block(list(&data["timelines"]), true, "a", "t");
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
    let data = json!({
        "gil_lab_version": "0.1.0", "machine": {"cpus": 2, "os": "linux", "arch": "x86_64", "busy_cpus": 0.0},
        "interpreter": "CPython 3.11.7", "others": [], "quick": true, "seconds": 3.0,
        "claims": [{"id": "shared-counter-needs-lock", "number": 14, "claim": "c", "source": "s",
            "experiment": "e", "interpreter": "3.11.7", "evidence": "lost 0 of 400000",
            "verdict": "holds", "explanation": "x", "seconds": 1.0,
            "figures": [{"name": "a", "value": 1.0, "unit": "s", "spread": [0.9, 1.1], "interpreter": null},
                        {"name": "b", "value": 2.0, "unit": "s", "spread": null, "interpreter": null}]}]
    });
    assert_eq!(kind(&data), Kind::Verify);
    let html = body(&data);
    assert!(html.contains("<span class=\"badge holds\">holds</span>"));
    assert!(html.contains("<svg class=\"bars\""));
    assert!(html.contains("id=\"claim-14\""));
}

#[test]
fn every_kind_is_recognised_by_its_shape() {
    assert_eq!(kind(&json!({"reports": []})), Kind::CompareAll);
    assert_eq!(kind(&json!({"curves": []})), Kind::SweepWorkers);
    assert_eq!(kind(&json!({"rows": []})), Kind::SweepRows);
    assert_eq!(kind(&json!({"groups": [], "references": []})), Kind::Live);
    assert_eq!(kind(&json!({})), Kind::Unknown);
}
