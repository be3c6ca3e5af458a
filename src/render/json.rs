//! `--json`: one report as an object; several (`all`) under `reports`.

use serde::Serialize;

use crate::report::Report;

#[derive(Serialize)]
struct AllScenarios<'a> {
    gil_lab_version: &'a str,
    scenario: &'static str,
    reports: &'a [Report],
}

pub fn render(reports: &[Report]) -> anyhow::Result<String> {
    let text = match reports {
        [one] => serde_json::to_string_pretty(one)?,
        many => serde_json::to_string_pretty(&AllScenarios {
            gil_lab_version: env!("CARGO_PKG_VERSION"),
            scenario: "all",
            reports: many,
        })?,
    };
    Ok(text + "\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_snapshot() {
        let text = super::render(&[crate::render::fixture::report()]).unwrap();
        insta::assert_snapshot!(text);
    }

    #[test]
    fn several_reports_nest_under_reports() {
        let r = crate::render::fixture::report();
        let v: serde_json::Value =
            serde_json::from_str(&super::render(&[r.clone(), r]).unwrap()).unwrap();
        assert_eq!(v["scenario"], "all");
        assert_eq!(v["reports"].as_array().unwrap().len(), 2);
    }
}
