//! The command line: one module per subcommand, and the dispatcher that maps
//! their errors to exit codes (a usage error is one `error:` line, a `hint:`
//! and exit 2; a closed stdout ends the run quietly).

mod compare;
mod convoy;
mod diagnose;
mod exports;
mod info;
mod lessons;
mod live;
mod live_serve;
mod live_view;
mod progress;
mod pythons;
mod shell;
mod sweep;
mod verify;

use std::io::Write;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Command, CompareTarget, ScenarioArg};
use crate::cpython::interpreter::{Embedded, InterpreterFacts};
use crate::error::{EXIT_USAGE, UsageError};

/// The whole binary: runs the command line and ends the process with its exit code.
pub fn main() -> ! {
    let code = run(std::env::args());
    crate::os::signals::exit(code)
}

/// Parses `args`, runs the command and returns the process exit code.
pub fn run(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return argument_error(&e),
    };
    // SAFETY: no other thread has been started yet.
    unsafe { crate::cpython::python_files::keep_bytecode_out_of_the_tree() };
    let _private_dir = match crate::os::signals::private_temp_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: cannot create a private temporary folder: {e}");
            eprintln!("  hint: point TMPDIR at a writable folder, e.g. TMPDIR=/tmp");
            return EXIT_USAGE;
        }
    };
    if let Err(e) = crate::os::signals::install() {
        eprintln!("error: cannot install signal handlers: {e}");
        return 1;
    }
    std::panic::set_hook(Box::new(|info| {
        // A `print!` somewhere deep that met a closed stdout: end as a pipe expects.
        if info.to_string().contains("Broken pipe") {
            crate::os::signals::exit_quietly(0);
        }
        eprintln!("gil-lab: internal error: {info}");
    }));
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) if closed_stdout(&e) => 0,
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

/// Whether the run failed only because whoever read stdout went away.
fn closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn dispatch(command: Command) -> Result<i32> {
    // Check the arguments that need no interpreter before starting one.
    let compare_plan = match &command {
        Command::Compare(args) if args.target == CompareTarget::Scenario(ScenarioArg::Convoy) => {
            convoy::check_args(args)?;
            None
        }
        Command::Compare(args) => Some(compare::plan(args)?),
        Command::Completions { shell } => {
            shell::completions(*shell)?;
            return Ok(0);
        }
        Command::Man => {
            shell::man()?;
            return Ok(0);
        }
        _ => None,
    };
    let python = Embedded::start()?;
    match command {
        Command::Info { json } => info::run(&python, json),
        Command::Lessons { json, python: spec } => lessons::list(&python, json, spec.as_deref()),
        Command::Pythons { json } => pythons::list(&python, json),
        Command::Run {
            timeout,
            python: spec,
            target,
            args,
        } => lessons::run(&python, timeout, spec.as_deref(), &target, &args),
        Command::Compare(args) if args.target == CompareTarget::Scenario(ScenarioArg::Convoy) => {
            convoy::run(&python, &args)
        }
        Command::Compare(args) => {
            let (options, exports) = compare_plan.expect("planned above");
            compare::run(&python, &options, &exports, args.timeline_strip, args.wide)
        }
        Command::Diagnose(args) => diagnose::run(&python, &args),
        Command::Live(args) => live::run(&python, &args),
        Command::Sweep(args) => sweep::run(&python, &args),
        Command::Verify(args) => verify::run(&python, &args),
        Command::Completions { .. } | Command::Man => Ok(0),
    }
}

/// Prints `text` on stdout; a closed stdout comes back as an error, not a panic.
fn print(text: &str) -> Result<()> {
    print_raw(&stdout_fit().wrap(text))
}

/// Prints `text` on stdout as it is (JSON: a line break inside it would change it).
fn print_raw(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// clap's answer to a bad command line, as every other usage error is said:
/// one `error:` line and a `hint:` (clap's own tip where it has one), exit 2.
/// `--help` and `--version` print as clap prints them.
fn argument_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return e.exit_code();
    }
    let text = e.to_string();
    let error = text
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("error: the command line could not be read");
    let hint = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("tip:"))
        .map(str::trim)
        .unwrap_or("add --help to the command to see what it takes");
    eprintln!("{error}");
    eprintln!("  hint: {hint}");
    EXIT_USAGE
}

/// The width of stdout, where it is a terminal.
fn stdout_fit() -> crate::render::fit::Fit {
    crate::render::fit::Fit(crate::os::terminal::width(
        crate::os::terminal::Stream::Stdout,
    ))
}

/// Prints `value` as pretty JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> Result<()> {
    print_raw(&(serde_json::to_string_pretty(value)? + "\n"))
}

/// The one interpreter a `--python` on `run`, `lessons` or `live` names.
fn one_python(python: &Embedded, spec: &str) -> Result<InterpreterFacts> {
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

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
