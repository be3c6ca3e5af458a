//! Output on an 80-column terminal: `compare`, `live`, `verify` and `sweep` run under `script`
//! (a real pseudo-terminal set to 80 columns), and a small screen model
//! replays what they wrote to find any text that ran past the edge. And the
//! shell's own helpers: completions and the man page.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{exclusive, run_cmd};

const COLUMNS: usize = 80;

/// Where text ran past the last column: each place as "row: the line's start".
/// The model knows what the commands send: text, `\r`, `\n`, and CSI
/// sequences (cursor up/down, erase line, colours). A character written past
/// the edge wraps, as a terminal does; that counts as overflow only when it is
/// not a space and the column before it holds text, since progress bars pad
/// their lines with spaces up to the edge and let the terminal wrap them.
fn overflows(raw: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut found = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.peek() != Some(&'[') {
                    chars.next();
                    continue;
                }
                chars.next();
                let mut arg = String::new();
                let mut end = ' ';
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() || d == '~' {
                        end = d;
                        break;
                    }
                    arg.push(d);
                }
                let n = arg.parse::<usize>().unwrap_or(1).max(1);
                match end {
                    'A' => row = row.saturating_sub(n),
                    'B' => row += n,
                    'G' => col = n - 1,
                    'K' if arg == "2" => rows[row].clear(),
                    'K' => rows[row].truncate(col),
                    _ => {}
                }
            }
            '\r' => col = 0,
            '\n' => row += 1,
            c if c.is_control() => {}
            c => {
                if col >= width {
                    let line = &rows[row];
                    if c != ' ' && line.get(width - 1).is_some_and(|p| *p != ' ') {
                        found.push(format!("row {row}: {}", line.iter().collect::<String>()));
                    }
                    row += 1;
                    col = 0;
                }
                while rows.len() <= row {
                    rows.push(Vec::new());
                }
                let line = &mut rows[row];
                while line.len() <= col {
                    line.push(' ');
                }
                line[col] = c;
                col += 1;
            }
        }
        while rows.len() <= row {
            rows.push(Vec::new());
        }
    }
    found
}

/// Runs `gil-lab ARGS` on an 80-column pseudo-terminal; `None` without `script`.
fn on_80_columns(args: &str) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIP: util-linux `script` is not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let typescript = dir.path().join("typescript");
    let bin = common::gil_lab().get_program().to_owned();
    let inner = format!(
        "stty cols {COLUMNS} rows 60; {} {args}",
        bin.to_string_lossy()
    );
    let out = run_cmd(
        Command::new("script")
            .args(["-qfc", &inner])
            .arg(&typescript)
            .env("TERM", "xterm-256color"),
        Duration::from_secs(300),
    );
    assert!(out.status.success(), "{args}: {out:?}");
    Some(read(&typescript))
}

/// The typescript without the line `script` itself writes first.
fn read(path: &Path) -> String {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("Script started") => rest.to_string(),
        _ => text,
    }
}

#[test]
fn the_screen_model_finds_text_past_the_edge_and_ignores_padding() {
    let padded = format!("{}{}next line\n", "a".repeat(10), " ".repeat(70));
    assert!(overflows(&padded, 80).is_empty());
    let long = format!("{}\n", "x".repeat(100));
    assert_eq!(overflows(&long, 80).len(), 1, "{long}");
}

#[test]
fn compare_fits_an_80_column_terminal() {
    let _one = exclusive();
    let Some(raw) =
        on_80_columns("compare threading --quick --strategies py-threads,py-process-pool,rayon")
    else {
        return;
    };
    let over = overflows(&raw, COLUMNS);
    assert!(over.is_empty(), "lines wider than {COLUMNS}: {over:#?}");
    assert!(
        raw.contains("py-process-pool") && raw.contains("--wide"),
        "{raw}"
    );
}

#[test]
fn verify_and_sweep_tables_fit_an_80_column_terminal() {
    let _one = exclusive();
    for (args, shows) in [
        (
            "verify --quick --claim 14 --claim 6",
            "shared-counter-needs-lock",
        ),
        ("sweep ipc --quick", "pickle through process pool"),
    ] {
        let Some(raw) = on_80_columns(args) else {
            return;
        };
        let over = overflows(&raw, COLUMNS);
        assert!(
            over.is_empty(),
            "{args}: lines wider than {COLUMNS}: {over:#?}"
        );
        assert!(raw.contains(shows), "{args}: {raw}");
    }
}

#[test]
fn live_bars_and_summary_fit_an_80_column_terminal() {
    let _one = exclusive();
    let Some(raw) = on_80_columns("live threading --duration 1 --no-probe") else {
        return;
    };
    let over = overflows(&raw, COLUMNS);
    assert!(over.is_empty(), "lines wider than {COLUMNS}: {over:#?}");
    assert!(raw.contains("one worker") && raw.contains("rayon"), "{raw}");
}

#[test]
fn completions_and_the_man_page_describe_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = common::run(&["completions", shell], Duration::from_secs(30));
        assert!(out.status.success(), "{shell}: {}", common::stderr(&out));
        let text = common::stdout(&out);
        assert!(
            text.contains("gil-lab") && text.contains("compare"),
            "{shell}"
        );
    }
    let out = common::run(&["man"], Duration::from_secs(30));
    let roff = common::stdout(&out);
    assert!(roff.starts_with(".ie") || roff.contains(".TH"), "{roff}");
    assert!(
        roff.contains(r"\-\-html") && roff.contains(r"\-\-serve"),
        "{roff}"
    );
    // One SYNOPSIS section; each subcommand's synopsis is a subsection of its own section.
    assert_eq!(roff.matches("\n.SH SYNOPSIS").count(), 1, "{roff}");
    assert!(roff.contains(".SH \"GIL-LAB COMPARE\""), "{roff}");
}
