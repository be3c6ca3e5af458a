//! `gil-lab sweep` through the built binary.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn sweep_chunk_quick_gives_one_curve_per_model_in_increasing_chunk_size() {
    let _one_at_a_time = exclusive();
    let out = run(&["sweep", "chunk", "--quick", "--json", "-"], 5 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let s: Value = serde_json::from_str(&stdout(&out)).expect("stdout is the JSON alone");
    assert_eq!(s["sweep"], "chunk");
    let curves = s["curves"].as_array().unwrap();
    let models: Vec<&str> = curves
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    for model in [
        "rust-threads-detached",
        "rust-threads",
        "rayon",
        "crossbeam-pipeline",
    ] {
        assert_eq!(
            models.iter().filter(|m| **m == model).count(),
            1,
            "{models:?}"
        );
    }
    assert!(
        !models.contains(&"rust-sequential"),
        "the baseline is no curve"
    );
    for c in curves {
        let chunks: Vec<u64> = c["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["chunk"].as_u64().unwrap())
            .collect();
        assert!(chunks.len() >= 2, "{c}");
        assert!(chunks.windows(2).all(|w| w[0] < w[1]), "{chunks:?}");
        for p in c["points"].as_array().unwrap() {
            assert!(p["speedup"].as_f64().unwrap() > 0.0, "{p}");
            assert!(p["wall_s"]["min"].as_f64().unwrap() > 0.0, "{p}");
            assert_eq!(
                p["vs_reference"].is_number(),
                !c["reference"].is_null(),
                "{p}"
            );
        }
    }
    assert_eq!(
        curves
            .iter()
            .find(|c| c["model"] == "rust-threads-detached")
            .unwrap()["reference"],
        "rust-threads"
    );
}

#[test]
fn compare_json_shows_the_native_chunk_beside_the_python_one() {
    let _one_at_a_time = exclusive();
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--strategies",
            "rayon",
            "--runs",
            "1",
            "--json",
            "-",
        ],
        5 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let w = &r["workload"];
    let (size, chunk, native) = (
        w["size"].as_u64().unwrap(),
        w["chunk"].as_u64().unwrap(),
        w["native_chunk"].as_u64().unwrap(),
    );
    assert!(native >= 1 && native <= size, "{w}");
    assert_eq!(chunk, size.div_ceil(100), "{w}");
}
