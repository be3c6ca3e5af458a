//! Property tests: no command line, however odd, makes the parser or the option
//! checks panic, and every zero or non-positive quantity is refused.

use clap::Parser;
use gil_lab::cli::Cli;
use gil_lab::{CompareOptions, Scenario};
use proptest::prelude::*;

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("compare".to_string()),
        Just("run".to_string()),
        Just("info".to_string()),
        Just("lessons".to_string()),
        Just("threading".to_string()),
        Just("io".to_string()),
        Just("all".to_string()),
        Just("--".to_string()),
        Just("--workers".to_string()),
        Just("--size".to_string()),
        Just("--timeout".to_string()),
        Just("--strategies".to_string()),
        Just("--json".to_string()),
        Just("--quick".to_string()),
        "-?[0-9]{1,25}(\\.[0-9]+)?",
        "[a-z,_-]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn parsing_any_arguments_never_panics(args in prop::collection::vec(token(), 0..8)) {
        let _ = Cli::try_parse_from(std::iter::once("gil-lab".to_string()).chain(args));
    }

    #[test]
    fn option_checks_never_panic_and_refuse_zeros(
        workers in prop::option::of(0usize..usize::MAX),
        size in prop::option::of(any::<u64>()),
        tasks in prop::option::of(0usize..1_000_000),
        runs in prop::option::of(0usize..1_000),
        timeout_s in prop::option::of(any::<f64>()),
        strategies in prop::option::of(prop::collection::vec("[a-z-]{0,24}", 0..4)),
        force in any::<bool>(),
    ) {
        let options = CompareOptions {
            scenarios: Scenario::ALL.to_vec(),
            workers, size, tasks, runs, timeout_s, strategies, force,
            ..Default::default()
        };
        let verdict = options.validate(2);
        let zero = workers == Some(0) || size == Some(0) || tasks == Some(0) || runs == Some(0);
        let bad_timeout =
            timeout_s.is_some_and(|t| !(t > 0.0 && t <= gil_lab::testing::MAX_TIMEOUT_S));
        if zero || bad_timeout {
            prop_assert!(verdict.is_err());
        }
        if let Err(e) = verdict {
            prop_assert!(!e.message.is_empty() && !e.message.contains('\n'));
        }
    }
}
