//! What a page embeds, from the typed results: the `--json` export of the same
//! run (through the same renderer), plus the chunk timelines for compare and live.

use anyhow::Result;
use serde_json::Value;

use super::report_page;
use crate::report::live::LiveReport;
use crate::report::{Report, Timeline};

/// A compare run's page: its `--json` export with each report's timelines
/// (`timelines[i]` belongs to `reports[i]`).
pub fn compare(reports: &[Report], timelines: &[&[Timeline]]) -> Result<String> {
    let mut data: Value = serde_json::from_str(&crate::render::json::render(reports)?)?;
    match data.get_mut("reports").and_then(Value::as_array_mut) {
        Some(each) => {
            for (report, t) in each.iter_mut().zip(timelines) {
                report["timelines"] = serde_json::to_value(t)?;
            }
        }
        None => {
            data["timelines"] = serde_json::to_value(timelines.first().copied().unwrap_or(&[]))?
        }
    }
    Ok(report_page(&data))
}

/// A live run's page: its `--json` export with each group's timeline.
pub fn live(report: &LiveReport) -> Result<String> {
    let mut data = serde_json::to_value(report)?;
    data["timelines"] = serde_json::to_value(report.timelines())?;
    Ok(report_page(&data))
}

/// The page of a `--json` export as written (verify, sweep).
pub fn from_json(json: &str) -> Result<String> {
    Ok(report_page(&serde_json::from_str(json)?))
}
