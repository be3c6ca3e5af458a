//! The state a live run's events fold into: what `--serve`'s `/state` serves
//! and every stream starts with. The live page's script folds events the same
//! way. The server itself knows nothing of this schema: it is handed [`FOLD`].

use serde_json::{Value, json};

/// Seconds between two points of a group's history.
const HISTORY_EVERY_S: f64 = 0.2;

/// What the server folds live's events with.
pub const FOLD: crate::os::serve::Fold = crate::os::serve::Fold {
    initial: initial_state,
    apply,
};

pub fn initial_state() -> Value {
    json!({
        "schema": 1,
        "seq": 0,
        "status": "running",
        "run": null,
        "notes": [],
        "groups": [],
        "summary": null
    })
}

/// Folds one event into the state; the live page's script does the same with
/// the events it receives.
pub fn apply(state: &mut Value, event: &Value) {
    let fields = |skip: &[&str]| -> Value {
        let mut o = event.as_object().cloned().unwrap_or_default();
        for k in skip {
            o.remove(*k);
        }
        Value::Object(o)
    };
    match event["type"].as_str() {
        Some("start") => state["run"] = fields(&["type", "seq"]),
        Some("note") => {
            if let Some(notes) = state["notes"].as_array_mut() {
                notes.push(event["text"].clone());
            }
        }
        Some("begin") => {
            let mut g = fields(&["type", "seq", "group"]);
            g["id"] = event["group"].clone();
            g["status"] = json!("running");
            g["t_s"] = json!(0.0);
            g["history"] = json!([]);
            g["summary"] = Value::Null;
            if let Some(groups) = state["groups"].as_array_mut() {
                groups.retain(|x| x["id"] != event["group"]);
                groups.push(g);
            }
        }
        Some("tick") => {
            let Some(g) = group_mut(state, &event["group"]) else {
                return;
            };
            for (k, v) in fields(&["type", "seq", "group"])
                .as_object()
                .into_iter()
                .flatten()
            {
                g[k.as_str()] = v.clone();
            }
            if let (Some(t), Some(x)) = (event["t_s"].as_f64(), event["vs_one_worker"].as_f64()) {
                let last = g["history"]
                    .as_array()
                    .and_then(|h| h.last())
                    .and_then(|p| p[0].as_f64());
                if last.is_none_or(|l| t - l >= HISTORY_EVERY_S)
                    && let Some(h) = g["history"].as_array_mut()
                {
                    h.push(json!([t, x]));
                }
            }
        }
        Some("end") => {
            let Some(g) = group_mut(state, &event["group"]) else {
                return;
            };
            g["status"] = json!(if event["error"].is_string() {
                "failed"
            } else {
                "done"
            });
            g["summary"] = fields(&["type", "seq", "group"]);
        }
        Some("finished") => {
            state["status"] = json!("ended");
            state["summary"] = event["summary"].clone();
            for g in state["groups"].as_array_mut().into_iter().flatten() {
                if g["status"] == "running" {
                    g["status"] = json!("done");
                }
            }
        }
        _ => {}
    }
}

fn group_mut<'a>(state: &'a mut Value, id: &Value) -> Option<&'a mut Value> {
    state["groups"]
        .as_array_mut()?
        .iter_mut()
        .rev()
        .find(|g| g["id"] == *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fold_into_the_state() {
        let mut state = initial_state();
        for e in [
            json!({"type": "start", "scenario": "threading", "duration_s": 2.0}),
            json!({"type": "note", "text": "hello"}),
            json!({"type": "begin", "group": "py-threads", "workers": 2}),
            json!({"type": "tick", "group": "py-threads", "t_s": 0.1, "counts": [1, 1], "vs_one_worker": 0.5}),
            json!({"type": "tick", "group": "py-threads", "t_s": 0.15, "counts": [2, 1], "vs_one_worker": 0.6}),
            json!({"type": "tick", "group": "py-threads", "t_s": 0.5, "counts": [5, 4], "vs_one_worker": 0.5}),
            json!({"type": "end", "group": "py-threads", "rate": 9.0, "error": null}),
        ] {
            apply(&mut state, &e);
        }
        let g = &state["groups"][0];
        assert_eq!(state["run"]["scenario"], "threading");
        assert_eq!(state["notes"], json!(["hello"]));
        assert_eq!(g["counts"], json!([5, 4]));
        assert_eq!(
            g["history"].as_array().unwrap().len(),
            2,
            "points 0.2 s apart"
        );
        assert_eq!(g["status"], "done");
        assert_eq!(g["summary"]["rate"], 9.0);
        apply(
            &mut state,
            &json!({"type": "finished", "summary": {"groups": []}}),
        );
        assert_eq!(state["status"], "ended");
    }
}
