//! What people see in a terminal and what CI logs capture: the real binary
//! against the demo service, its output piped (as in CI) or on a
//! pseudo-terminal (`script` from util-linux, as a person at a shell).

use crate::support::{Run, assert_contains, assert_lacks, check_demo_args, rollcall};
use rollcall::demo;

async fn check_demo(extra: &[&str], env: Vec<(&'static str, String)>) -> Run {
    let service = demo::Server::start().await.expect("demo service");
    let run = rollcall(check_demo_args(&service, extra), env).await;
    service.stop().await;
    run
}

#[tokio::test]
async fn piped_output_has_no_ansi_escapes_and_no_progress_bar() {
    for extra in [&[][..], &["--verbose"][..], &["--color", "auto"][..]] {
        let run = check_demo(extra, vec![]).await;
        assert_eq!(run.code, 1);
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains('\u{1b}'),
                "ANSI escape on {stream} with {extra:?}:\n{text}"
            );
            assert!(
                !text.contains("probing:"),
                "progress bar on {stream}:\n{text}"
            );
        }
        assert_contains(&run.stdout, "FAIL: ");
    }
}

#[tokio::test]
async fn color_always_colors_even_when_piped() {
    let run = check_demo(&["--color", "always"], vec![]).await;
    assert_contains(&run.stdout, "\u{1b}[31mnot_implemented");
}

#[tokio::test]
async fn color_never_wins_on_a_terminal_too() {
    let Some(run) = on_a_terminal(&["--color", "never"], &[]).await else {
        return;
    };
    let report = run.split("Petstore").nth(1).unwrap_or(&run);
    assert!(
        !report.contains("\u{1b}[3"),
        "colors with --color never:\n{run}"
    );
}

#[tokio::test]
async fn quiet_prints_only_the_totals() {
    let run = check_demo(&["--quiet"], vec![]).await;
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() <= 3, "{}", run.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("FAIL: ")),
        "{}",
        run.stdout
    );
    assert_lacks(&run.stdout, "not_implemented  GET");
}

#[tokio::test]
async fn verbose_adds_served_operations() {
    let plain = check_demo(&[], vec![]).await;
    let verbose = check_demo(&["--verbose"], vec![]).await;
    assert_lacks(&plain.stdout, "  implemented ");
    assert_contains(&verbose.stdout, "  implemented ");
}

/// Runs `rollcall check` on a pseudo-terminal (stdout and stderr both a TTY)
/// and returns everything it wrote; `None` (after saying so) without `script`.
async fn on_a_terminal(extra: &[&str], env: &[(&'static str, &str)]) -> Option<String> {
    let script = std::path::Path::new("/usr/bin/script");
    if !script.is_file() {
        eprintln!("*** SKIP: /usr/bin/script (util-linux) not found; the TTY tests need it ***");
        return None;
    }
    let service = demo::Server::start().await.expect("demo service");
    let mut args = vec![env!("CARGO_BIN_EXE_rollcall").to_string()];
    args.extend(check_demo_args(&service, extra));
    let command = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let output = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(script);
        cmd.args(["-qec", &command, "/dev/null"])
            .env_remove("CI")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("script runs")
    })
    .await
    .expect("join");
    service.stop().await;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn a_terminal_gets_a_progress_bar_and_colors() {
    let Some(text) = on_a_terminal(&[], &[]).await else {
        return;
    };
    assert!(
        text.contains("probing: "),
        "no progress bar on a TTY:\n{text}"
    );
    assert!(text.contains("\u{1b}[31m"), "no colors on a TTY:\n{text}");
}

#[tokio::test]
async fn ci_quiet_and_no_color_turn_the_extras_off_on_a_terminal() {
    let Some(ci) = on_a_terminal(&[], &[("CI", "true")]).await else {
        return;
    };
    assert!(!ci.contains("probing: "), "progress bar in CI:\n{ci}");

    let Some(quiet) = on_a_terminal(&["--quiet"], &[]).await else {
        return;
    };
    assert!(
        !quiet.contains("probing: "),
        "progress bar with --quiet:\n{quiet}"
    );

    let Some(no_color) = on_a_terminal(&[], &[("NO_COLOR", "1")]).await else {
        return;
    };
    assert!(
        !no_color.contains("\u{1b}[31m"),
        "colors with NO_COLOR:\n{no_color}"
    );
}
