//! Runs a parsed command line: the whole CLI behaviour behind `main`.

pub mod live_view;

use std::io::IsTerminal;

use anyhow::Result;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{
    Cli, Command, CompareArgs, LiveArgs, LiveScenario, ScenarioArg, SweepArgs, SweepKind,
    VerifyArgs,
};
use crate::lab::compare::{CompareOptions, compare};
use crate::error::{EXIT_USAGE, UsageError};
use crate::cpython::interpreter::{Embedded, PYO3_VERSION};
use crate::cpython::lessons;
use crate::engine::measure::Progress;
use crate::os::output::Destination;
use crate::render::{self, Format};
use crate::engine::workload::Scenario;

/// The whole binary: runs the command line and ends the process with its exit code.
pub fn main() -> ! {
    let code = run(std::env::args());
    crate::os::signals::exit(code)
}

/// Parses `args`, runs the command and returns the process exit code.
pub fn run(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let _private_dir = match crate::os::signals::private_temp_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: cannot create a private temporary folder: {e}");
            return 1;
        }
    };
    if let Err(e) = crate::os::signals::install() {
        eprintln!("error: cannot install signal handlers: {e}");
        return 1;
    }
    std::panic::set_hook(Box::new(|info| {
        eprintln!("gil-lab: internal error: {info}");
    }));
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<UsageError>() {
            Some(usage) => {
                eprintln!("error: {usage}");
                if let Some(hint) = &usage.hint {
                    eprintln!("  hint: {hint}");
                }
                EXIT_USAGE
            }
            None => {
                eprintln!("error: {e:#}");
                1
            }
        },
    }
}

fn dispatch(command: Command) -> Result<i32> {
    // Check the arguments that need no interpreter before starting one.
    let compare_plan = match &command {
        Command::Compare(args) if args.scenario == ScenarioArg::Convoy => {
            check_convoy_args(args)?;
            None
        }
        Command::Compare(args) => Some(compare_plan(args)?),
        _ => None,
    };
    let python = Embedded::start()?;
    match command {
        Command::Info { json } => info(&python, json),
        Command::Lessons { json, python: spec } => list_lessons(&python, json, spec.as_deref()),
        Command::Pythons { json } => list_pythons(&python, json),
        Command::Run {
            timeout,
            python: spec,
            target,
            args,
        } => run_lesson(&python, timeout, spec.as_deref(), &target, &args),
        Command::Compare(args) if args.scenario == ScenarioArg::Convoy => {
            run_convoy(&python, &args)
        }
        Command::Compare(_) => {
            let (options, exports) = compare_plan.expect("planned above");
            run_compare(&python, &options, &exports)
        }
        Command::Live(args) => run_live(&python, &args),
        Command::Sweep(args) => run_sweep(&python, &args),
        Command::Verify(args) => run_verify(&python, &args),
    }
}

/// Progress of `verify` on stderr, one line per claim.
struct ClaimLines;

impl crate::lab::verify::VerifyProgress for ClaimLines {
    fn begin(&mut self, index: usize, total: usize, claim: &crate::lab::verify::Claim) {
        eprint!("[{:>2}/{total}] {} … ", index + 1, claim.id);
    }
    fn done(&mut self, checked: &crate::lab::verify::Checked) {
        eprintln!("{} ({:.1} s)", checked.verdict, checked.seconds);
    }
}

/// Expected duration of a whole `verify` on 2 CPUs, from the experiments' budgets.
fn verify_expectation(quick: bool) -> &'static str {
    if quick {
        "under a minute"
    } else {
        "about two minutes"
    }
}

fn run_verify(python: &Embedded, args: &VerifyArgs) -> Result<i32> {
    let timeout = crate::os::deadline::check_timeout(args.timeout)?;
    let json = args.json.as_deref().map(Destination::parse);
    let markdown = args.markdown.as_deref().map(Destination::parse);
    for (flag, d) in [("--json", &json), ("--markdown", &markdown)] {
        if let Some(d) = d {
            d.check_writable(flag)?;
        }
    }
    let known = crate::lab::verify::claims()?;
    if let Some(bad) = args.claims.iter().find(|c| {
        !known
            .iter()
            .any(|k| k.id == **c || k.number.to_string() == **c)
    }) {
        return Err(UsageError::new(format!("no claim {bad:?}"))
            .with_hint(format!(
                "claims are numbered 1-{} or named, e.g. {}",
                known.len(),
                known.first().map_or("", |k| k.id.as_str())
            ))
            .into());
    }
    let embedded = python.facts()?.executable;
    let others: Vec<crate::cpython::pythons::Found> = if args.pythons.is_empty() {
        crate::cpython::pythons::discover(python.python_dir())
    } else {
        let chosen = crate::cpython::pythons::resolve(&args.pythons, python.python_dir())?;
        crate::cpython::pythons::discover(python.python_dir())
            .into_iter()
            .filter(|f| chosen.iter().any(|c| c.executable == f.facts.executable))
            .collect()
    }
    .into_iter()
    .filter(|f| f.facts.executable != embedded)
    .collect();
    eprintln!(
        "checking {} claims ({}): expected {} on 2 CPUs",
        if args.claims.is_empty() {
            known.len()
        } else {
            args.claims.len()
        },
        if args.quick { "quick" } else { "full" },
        verify_expectation(args.quick)
    );
    let report = crate::lab::verify::verify(
        python,
        &others,
        args.quick,
        &args.claims,
        timeout,
        &mut ClaimLines,
    )?;
    let table = render::verify::table(&report);
    show_table(&table, &[&json, &markdown]);
    if let Some(d) = json {
        d.write(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    }
    if let Some(d) = markdown {
        // Charts go beside a Markdown file, named after it and the claim.
        let beside = match &d {
            Destination::File(p) => Some(p.clone()),
            Destination::Stdout => None,
        };
        let chart_path = |c: &crate::lab::verify::Checked| -> Option<std::path::PathBuf> {
            let p = beside.as_ref()?;
            crate::render::verify::chart(c)?;
            let stem = p.file_stem()?.to_string_lossy().into_owned();
            Some(p.with_file_name(format!("{stem}-claim-{:02}.svg", c.number)))
        };
        for c in &report.claims {
            if let (Some(path), Some(svg)) = (chart_path(c), crate::render::verify::chart(c)) {
                Destination::File(path).write(&svg)?;
            }
        }
        let name = |c: &crate::lab::verify::Checked| {
            chart_path(c).and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        };
        d.write(&render::verify::markdown(&report, &name))?;
    }
    if report.timed_out() > 0 {
        eprintln!(
            "error: {} claim(s) timed out; the others are reported",
            report.timed_out()
        );
        return Ok(1);
    }
    Ok(0)
}

fn run_sweep(python: &Embedded, args: &SweepArgs) -> Result<i32> {
    let dest = |flag: &str, p: &Option<String>| -> Result<Option<Destination>, UsageError> {
        let d = p.as_deref().map(Destination::parse);
        if let Some(d) = &d {
            d.check_writable(flag)?;
        }
        Ok(d)
    };
    let (json, markdown, svg) = (
        dest("--json", &args.json)?,
        dest("--markdown", &args.markdown)?,
        dest("--svg", &args.svg)?,
    );
    if let Some(n) = args.max_workers
        && (n == 0 || n > crate::lab::compare::MAX_WORKERS_PER_CPU * crate::os::machine::cpus())
    {
        return Err(UsageError::new(format!(
            "--max-workers must be between 1 and {}, not {n}",
            crate::lab::compare::MAX_WORKERS_PER_CPU * crate::os::machine::cpus()
        ))
        .with_hint("e.g. --max-workers 4")
        .into());
    }
    if args.kind != SweepKind::Workers && (!args.pythons.is_empty() || args.max_workers.is_some()) {
        return Err(
            UsageError::new("--python and --max-workers apply to sweep workers only")
                .with_hint("gil-lab sweep workers --python 3.13 --max-workers 4")
                .into(),
        );
    }
    // Reports name their chart by its file name when both are written.
    let chart_name = match &svg {
        Some(Destination::File(p)) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
        _ => None,
    };
    let (table, md, chart, data) = match args.kind {
        SweepKind::Workers => {
            let options = crate::lab::sweep::workers::WorkersOptions {
                quick: args.quick,
                pythons: args.pythons.clone(),
                max_workers: args.max_workers,
            };
            let mut bar = Bar::new();
            let s = crate::lab::sweep::workers::sweep(python, &options, &mut bar)?;
            (
                render::sweep::workers_table(&s),
                render::sweep::workers_markdown(&s, chart_name.as_deref()),
                render::sweep::workers_chart(&s),
                serde_json::to_string_pretty(&s)?,
            )
        }
        SweepKind::Ipc => {
            let v = crate::lab::sweep::ipc(args.quick)?;
            (
                render::sweep::rows_table(&v, "ipc"),
                render::sweep::rows_markdown(&v, "ipc", chart_name.as_deref()),
                render::sweep::ipc_chart(&v),
                serde_json::to_string_pretty(&v)?,
            )
        }
        SweepKind::Memory => {
            let v = crate::lab::sweep::memory(args.quick, args.preload_mb)?;
            (
                render::sweep::rows_table(&v, "memory"),
                render::sweep::rows_markdown(&v, "memory", chart_name.as_deref()),
                render::sweep::memory_chart(&v),
                serde_json::to_string_pretty(&v)?,
            )
        }
    };
    show_table(&table, &[&json, &markdown, &svg]);
    if let Some(d) = json {
        d.write(&(data + "\n"))?;
    }
    if let Some(d) = markdown {
        d.write(&md)?;
    }
    if let Some(d) = svg {
        d.write(&chart)?;
    }
    Ok(0)
}

/// Convoy measures latency, not a workload split in tasks: the workload flags do not apply.
fn check_convoy_args(args: &CompareArgs) -> Result<(), UsageError> {
    let unused = [
        ("--workers", args.workers.is_some()),
        ("--size", args.size.is_some()),
        ("--tasks", args.tasks.is_some()),
        ("--runs", args.runs.is_some()),
        ("--warmup", args.warmup.is_some()),
        ("--strategies", args.strategies.is_some()),
        ("--csv", args.csv.is_some()),
        ("--timeline", args.timeline.is_some()),
        ("--svg", args.svg.is_some()),
        ("--timeline-strip", args.timeline_strip),
    ];
    if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
        return Err(
            UsageError::new(format!("compare convoy does not take {flag}"))
                .with_hint("convoy takes --quick, --python, --start-method, --json and --markdown"),
        );
    }
    check_start_method(args.start_method.as_deref())?;
    for (flag, path) in [("--json", &args.json), ("--markdown", &args.markdown)] {
        if let Some(p) = path {
            Destination::parse(p).check_writable(flag)?;
        }
    }
    Ok(())
}

fn run_convoy(python: &Embedded, args: &CompareArgs) -> Result<i32> {
    let others = crate::cpython::pythons::resolve(&args.pythons, python.python_dir())?;
    let report = crate::lab::convoy::convoy(python, &others, args.quick, args.start_method.as_deref())?;
    let table = render::convoy::render(&report);
    let json = args.json.as_deref().map(Destination::parse);
    let markdown = args.markdown.as_deref().map(Destination::parse);
    show_table(&table, &[&json, &markdown]);
    if let Some(d) = json {
        d.write(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    }
    if let Some(d) = markdown {
        d.write(&render::convoy::markdown(&report))?;
    }
    Ok(0)
}

/// Prints the table on stdout, or on stderr when an export takes stdout, so that it stays parseable.
fn show_table(table: &str, exports: &[&Option<Destination>]) {
    if exports.iter().any(|d| **d == Some(Destination::Stdout)) {
        eprint!("{table}");
    } else {
        print!("{table}");
    }
}

fn run_live(python: &Embedded, args: &LiveArgs) -> Result<i32> {
    let scenario = match args.scenario {
        LiveScenario::Threading => Scenario::Threading,
        LiveScenario::Processes => Scenario::Processes,
        LiveScenario::Io => Scenario::Io,
    };
    let other = args
        .python
        .as_deref()
        .map(|s| one_python(python, s))
        .transpose()?;
    let options = crate::lab::live::LiveOptions {
        scenario,
        workers: args.workers,
        duration_s: args.duration,
        python: other,
        start_method: args.start_method.clone(),
        probe: !args.no_probe,
    };
    options.validate(crate::os::machine::cpus())?;
    check_start_method(args.start_method.as_deref())?;
    let json = args.json.as_deref().map(Destination::parse);
    let svg = args.svg.as_deref().map(Destination::parse);
    for (flag, d) in [("--json", &json), ("--svg", &svg)] {
        if let Some(d) = d {
            d.check_writable(flag)?;
        }
    }
    // With an export on stdout, the live view draws on stderr so stdout stays parseable.
    let screen = if [&json, &svg].contains(&&Some(Destination::Stdout)) {
        crate::commands::live_view::Screen::Stderr
    } else {
        crate::commands::live_view::Screen::Stdout
    };
    let mut view = crate::commands::live_view::for_screen(screen);
    let report = crate::lab::live::live(python, &options, view.as_mut())?;
    let table = render::live::render(&report);
    show_table(&table, &[&json, &svg]);
    if let Some(d) = &svg {
        let timelines = report.timelines();
        let captions = vec![
            format!(
                "gil-lab live {}: Python in {} · {} CPUs · the first {} s of each group",
                report.scenario.id(),
                report.python.version,
                report.machine.cpus,
                crate::lab::live::group::TIMELINE_S
            ),
            format!("chunks of {}", report.workload),
        ];
        d.write(&render::timeline::svg_sections(&[
            render::timeline::Section {
                captions,
                cpu_bound: scenario.kernel().is_cpu_bound(),
                timelines: &timelines,
            },
        ]))?;
    }
    if let Some(d) = &json {
        d.write(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    }
    let failed: Vec<&str> = report
        .groups
        .iter()
        .filter(|g| g.error.is_some())
        .map(|g| g.id.as_str())
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "error: {} group(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
        return Ok(1);
    }
    Ok(0)
}

/// The start methods multiprocessing knows on Linux.
fn check_start_method(method: Option<&str>) -> Result<(), UsageError> {
    match method {
        None | Some("fork" | "spawn" | "forkserver") => Ok(()),
        Some(other) => Err(UsageError::new(format!("unknown start method {other:?}"))
            .with_hint("one of fork, spawn, forkserver")),
    }
}

fn info(python: &Embedded, json: bool) -> Result<i32> {
    let facts = python.facts()?;
    if json {
        let mut value = serde_json::to_value(&facts)?;
        value["pyo3_version"] = PYO3_VERSION.into();
        value["gil_lab_version"] = env!("CARGO_PKG_VERSION").into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        println!(
            "gil-lab {} (pyo3 {PYO3_VERSION})",
            env!("CARGO_PKG_VERSION")
        );
        println!("python        {}", facts.label());
        println!("executable    {}", facts.executable);
        println!("prefix        {}", facts.prefix);
        println!(
            "GIL           {}",
            if facts.gil_disabled {
                "disabled (free-threaded)"
            } else {
                "enabled"
            }
        );
        println!(
            "own-GIL subinterpreters  {}",
            yes_no(facts.own_gil_subinterpreters)
        );
        println!(
            "interpreter pool         {}",
            yes_no(facts.interpreter_pool)
        );
        println!("start method  {}", facts.start_method);
        println!("cpus          {}", facts.cpus);
    }
    Ok(0)
}

/// The one interpreter a `--python` on `run` or `lessons` names.
fn one_python(python: &Embedded, spec: &str) -> Result<crate::cpython::interpreter::InterpreterFacts> {
    let mut found = crate::cpython::pythons::resolve(&[spec.to_string()], python.python_dir())?;
    if found.len() != 1 {
        return Err(UsageError::new(format!(
            "--python {spec} names {} interpreters here; name one",
            found.len()
        ))
        .with_hint("gil-lab pythons lists them")
        .into());
    }
    Ok(found.remove(0))
}

fn list_pythons(python: &Embedded, json: bool) -> Result<i32> {
    let found = crate::cpython::pythons::discover(python.python_dir());
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(0);
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header([
            "--python",
            "version",
            "GIL",
            "own-GIL subinterpreters",
            "interpreter pool",
            "found",
            "path",
        ]);
    for f in &found {
        table.add_row([
            f.spec.clone(),
            f.facts.python_version.clone(),
            if f.facts.gil_disabled {
                "disabled"
            } else {
                "enabled"
            }
            .to_string(),
            yes_no(f.facts.own_gil_subinterpreters).into(),
            yes_no(f.facts.interpreter_pool).into(),
            f.source.clone(),
            f.facts.executable.clone(),
        ]);
    }
    println!(
        "{table}\nsearched: the embedded interpreter, {}, python3.X[t] on PATH",
        crate::cpython::pythons::install_dir().display()
    );
    Ok(0)
}

fn list_lessons(python: &Embedded, json: bool, spec: Option<&str>) -> Result<i32> {
    let mut lessons = lessons::catalog(python)?;
    if let Some(spec) = spec {
        let facts = one_python(python, spec)?;
        for l in &mut lessons {
            l.available = lessons::runs_on(&l.min_python, &facts.version_info);
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&lessons)?);
        return Ok(0);
    }
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(["lesson", "document §", "demonstrates", "needs", "here"]);
    for l in &lessons {
        table.add_row([
            l.name.clone(),
            format!("{} §{}", l.document, l.section),
            l.demonstrates.clone(),
            format!("{}+", l.min_python),
            if l.available { "yes" } else { "no" }.into(),
        ]);
    }
    println!(
        "{table}\nrun one: gil-lab run NAME [-- --quick] · process lessons take -- --start-method fork|spawn|forkserver"
    );
    Ok(0)
}

fn run_lesson(
    python: &Embedded,
    timeout: Option<f64>,
    spec: Option<&str>,
    target: &str,
    args: &[String],
) -> Result<i32> {
    crate::os::deadline::check_timeout(timeout)?;
    let catalog = lessons::catalog(python)?;
    let path = lessons::resolve(target, &catalog)?;
    let other = spec.map(|s| one_python(python, s)).transpose()?;
    if let Some(seconds) = timeout {
        crate::os::signals::watchdog(seconds, target.to_string())?;
    }
    match other {
        Some(facts) => lessons::run_file_with(&facts.executable, &path, args),
        None => lessons::run_file(python, &path, args),
    }
}

/// The export destinations of a compare run.
struct Exports {
    targets: Vec<(Format, Destination)>,
    timeline: Option<Destination>,
    svg: Option<Destination>,
    strip: bool,
}

fn compare_plan(args: &CompareArgs) -> Result<(CompareOptions, Exports), UsageError> {
    let scenarios = match args.scenario {
        ScenarioArg::Threading => vec![Scenario::Threading],
        ScenarioArg::Processes => vec![Scenario::Processes],
        ScenarioArg::Io => vec![Scenario::Io],
        ScenarioArg::All => Scenario::ALL.to_vec(),
        ScenarioArg::Convoy => {
            return Err(
                UsageError::new("convoy measures latency, not a split workload")
                    .with_hint("gil-lab compare convoy [--quick] [--python SPEC]"),
            );
        }
    };
    let options = CompareOptions {
        scenarios,
        workers: args.workers,
        size: args.size,
        tasks: args.tasks,
        runs: args.runs,
        warmup: args.warmup,
        quick: args.quick,
        strategies: args.strategies.clone(),
        start_method: args.start_method.clone(),
        pythons: args.pythons.clone(),
        timeout_s: args.timeout,
        force: args.force,
        no_probe: args.no_probe,
    };
    options.validate(crate::os::machine::cpus())?;
    let mut targets = Vec::new();
    for (flag, format, path) in [
        ("--json", Format::Json, &args.json),
        ("--csv", Format::Csv, &args.csv),
        ("--markdown", Format::Markdown, &args.markdown),
    ] {
        if let Some(p) = path {
            let d = Destination::parse(p);
            d.check_writable(flag)?;
            targets.push((format, d));
        }
    }
    let timeline = args.timeline.as_deref().map(Destination::parse);
    if let Some(t) = &timeline {
        t.check_writable("--timeline")?;
    }
    let svg = args.svg.as_deref().map(Destination::parse);
    if let Some(t) = &svg {
        t.check_writable("--svg")?;
    }
    Ok((
        options,
        Exports {
            targets,
            timeline,
            svg,
            strip: args.timeline_strip,
        },
    ))
}

fn run_compare(python: &Embedded, options: &CompareOptions, exports: &Exports) -> Result<i32> {
    let mut bar = Bar::new();
    let outcomes = compare(python, options, &mut bar)?;
    let reports: Vec<_> = outcomes.iter().map(|o| o.report.clone()).collect();
    let to_stdout = exports
        .targets
        .iter()
        .any(|(_, d)| *d == Destination::Stdout)
        || exports.timeline == Some(Destination::Stdout)
        || exports.svg == Some(Destination::Stdout);
    // With an export on stdout, the table goes to stderr so stdout stays parseable.
    let table = render::render(Format::Table, &reports)?;
    let mut table = table;
    if exports.strip {
        for o in &outcomes {
            table += &crate::render::timeline::strip(&o.report, &o.timelines, 72);
        }
    }
    if to_stdout {
        eprint!("{table}");
    } else {
        print!("{table}");
    }
    if let Some(destination) = &exports.svg {
        let panels: Vec<_> = outcomes
            .iter()
            .map(|o| (&o.report, o.timelines.as_slice()))
            .collect();
        destination.write(&crate::render::timeline::svg(&panels))?;
    }
    for (format, destination) in &exports.targets {
        destination.write(&render::render(*format, &reports)?)?;
    }
    if let Some(destination) = &exports.timeline {
        let all: Vec<_> = outcomes
            .iter()
            .map(|o| serde_json::json!({"scenario": o.report.scenario, "timelines": o.timelines}))
            .collect();
        destination.write(&(serde_json::to_string(&all)? + "\n"))?;
    }
    let failed: Vec<String> = reports
        .iter()
        .flat_map(|r| &r.results)
        .filter(|row| row.error.is_some())
        .map(|row| format!("{} ({})", row.strategy, row.verdict))
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "error: {} strategy run(s) failed: {}",
            failed.len(),
            failed.join("; ")
        );
        return Ok(1);
    }
    Ok(0)
}

/// An indicatif bar on stderr when it is a terminal; nothing otherwise.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn new() -> Bar {
        Bar(std::io::stderr().is_terminal().then(ProgressBar::hidden))
    }
}

impl Progress for Bar {
    fn start(&mut self, total_steps: usize) {
        if let Some(bar) = &mut self.0 {
            *bar = ProgressBar::new(total_steps as u64);
            bar.set_style(
                ProgressStyle::with_template("measuring {bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
    }
    fn step(&mut self, label: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(label.to_string());
            bar.inc(1);
        }
    }
    fn finish(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
