//! `gil-lab verify` and `gil-lab sweep`, as a user runs them in quick mode.

mod common;

use common::*;
use serde_json::Value;

fn json_of(args: &[&str], minutes: u32) -> (String, Value) {
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let mut all = args.to_vec();
    all.extend(["--json", json.to_str().unwrap()]);
    let out = run(&all, minutes * MINUTE);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (stdout(&out), value)
}

const VERDICTS: [&str; 4] = ["holds", "does not hold", "depends", "cannot test here"];

#[test]
fn every_claim_gets_a_verdict_with_evidence_in_quick_mode() {
    let _ = std::fs::create_dir_all(std::env::temp_dir());
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("verify.md");
    let (text, report) = json_of(
        &["verify", "--quick", "--markdown", md.to_str().unwrap()],
        5,
    );
    let claims = report["claims"].as_array().unwrap();
    assert!(claims.len() >= 14, "{} claims", claims.len());
    let numbers: Vec<u64> = claims
        .iter()
        .map(|c| c["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=claims.len() as u64).collect::<Vec<_>>());
    for c in claims {
        let verdict = c["verdict"].as_str().unwrap();
        assert!(VERDICTS.contains(&verdict), "{c}");
        for key in [
            "id",
            "claim",
            "source",
            "experiment",
            "evidence",
            "explanation",
        ] {
            assert!(
                !c[key].as_str().unwrap_or("").is_empty(),
                "{key} empty in {c}"
            );
        }
        assert!(text.contains(c["id"].as_str().unwrap()));
    }
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.starts_with("# The documents' claims, checked"));
    for c in claims {
        assert!(markdown.contains(&format!(
            "## {}. {}",
            c["number"],
            c["id"].as_str().unwrap()
        )));
    }
    // Every chart the report links is written beside it.
    for line in markdown.lines().filter(|l| l.starts_with("![")) {
        let file = line.split("](").nth(1).unwrap().trim_end_matches(')');
        let svg = std::fs::read_to_string(dir.path().join(file)).unwrap();
        roxmltree::Document::parse(&svg).expect("well-formed SVG");
    }
}

#[test]
fn one_claim_can_be_checked_alone_and_unknown_ones_are_refused() {
    let (_, report) = json_of(
        &["verify", "--quick", "--claim", "shared-counter-needs-lock"],
        2,
    );
    let claims = report["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0]["number"], 14);
    let out = run(&["verify", "--claim", "99"], MINUTE);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no claim"));
    for bad in [
        "--timeout=0",
        "--timeout=-1",
        "--timeout=nan",
        "--timeout=inf",
    ] {
        let out = run(&["verify", bad], MINUTE);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("--timeout must be"), "{bad}");
    }
}

#[test]
fn sweep_workers_gives_a_curve_per_model_and_a_fit() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("w.svg");
    let (text, s) = json_of(
        &[
            "sweep",
            "workers",
            "--quick",
            "--max-workers",
            "2",
            "--svg",
            svg.to_str().unwrap(),
        ],
        3,
    );
    let curves = s["curves"].as_array().unwrap();
    for model in ["py-threads", "py-process-pool", "rayon"] {
        let c = curves
            .iter()
            .find(|c| {
                // "py-threads", or "py-threads @3.13.5t" where a free-threaded host adds "+GIL" rows.
                let name = c["model"].as_str().unwrap();
                name == model || name.starts_with(&format!("{model} @")) && !name.ends_with("+GIL")
            })
            .unwrap_or_else(|| panic!("{model}"));
        let workers: Vec<u64> = c["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["workers"].as_u64().unwrap())
            .collect();
        assert_eq!(workers, [1, 2], "{model}");
        let fit = &c["fit"];
        let s = fit["serial_fraction"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s), "{fit}");
    }
    assert_eq!(s["headroom"].as_array().unwrap().len(), 2);
    assert!(text.contains("serial fraction"));
    let chart = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&chart).unwrap();
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert_eq!(lines, curves.len() + 1, "one line per model and the ideal");
}

#[test]
fn sweep_ipc_and_memory_report_rows() {
    let (_, ipc) = json_of(&["sweep", "ipc", "--quick"], 3);
    let rows = ipc["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["route"] == "pickle through process pool")
    );
    assert!(rows.iter().all(|r| r["ms_per_mb"].as_f64().unwrap() >= 0.0));
    let (_, memory) = json_of(&["sweep", "memory", "--quick", "--preload-mb", "16"], 3);
    let rows = memory["rows"].as_array().unwrap();
    for kind in ["thread", "fork child", "spawn child"] {
        assert!(rows.iter().any(|r| r["worker"] == kind), "{kind} missing");
    }
    assert!(
        rows.iter()
            .all(|r| r["pss_kb"].as_f64().is_some() && r["rss_kb"].as_f64().is_some())
    );
}

#[test]
fn sweep_flags_that_do_not_apply_are_refused() {
    let out = run(&["sweep", "ipc", "--max-workers", "3"], MINUTE);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["sweep", "workers", "--max-workers", "0"], MINUTE);
    assert_eq!(out.status.code(), Some(2));
}
