//! The parity and `--since` parts of every renderer, on the shared two-target
//! fixture with the parity comparison added (reference: `stable`). Kept apart
//! from each renderer's own tests so the single-target and parity behaviours
//! read separately.

use crate::contract::diff::ReleaseChange;
use crate::report::terminal::TerminalOptions;
use crate::report::testing::{
    assert_contains, fixture, fixture_where_targets_agree, fixture_with_parity as with_parity,
};
use crate::report::{RunReport, json, junit, markdown, terminal};
use crate::verdict::Verdict;

fn plain() -> TerminalOptions {
    TerminalOptions::default()
}

/// Labels of the operations whose verdicts differ in the fixture.
fn differing(report: &RunReport) -> Vec<String> {
    report
        .parity
        .as_ref()
        .map(|p| p.differences.iter().map(|d| d.label()).collect())
        .unwrap_or_default()
}

#[test]
fn parity_lists_exactly_the_operations_whose_verdicts_differ() {
    let report = with_parity();
    let expected: Vec<String> = report
        .operations
        .iter()
        .filter(|op| op.results[0].verdict != op.results[1].verdict)
        .map(|op| op.label())
        .collect();
    assert!(!expected.is_empty(), "the fixture has drift");
    assert_eq!(differing(&report), expected);
}

#[test]
fn terminal_shows_matrix_of_differing_rows_legend_diff_and_parity_line() {
    let report = with_parity();
    let text = terminal::render(&report, &plain());
    assert_contains(&text, "\nParity: ");
    assert_contains(
        &text,
        "  * differs from the reference (stable); only operations whose verdicts differ are shown (--all shows every one)",
    );
    let matrix_rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  operation"))
        .skip(1)
        .take_while(|l| !l.starts_with("  * differs"))
        .collect();
    assert_eq!(matrix_rows.len(), differing(&report).len(), "{text}");
    assert!(
        matrix_rows
            .iter()
            .any(|row| row.contains("POST /pets") && row.contains("not_implemented*")),
        "{matrix_rows:?}"
    );
    assert_contains(&text, "  --- stable\n  +++ canary\n");
    assert_contains(&text, "\n  +POST /pets");
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("PARITY FAIL: "),
        "{text}"
    );

    let all = terminal::render(
        &report,
        &TerminalOptions {
            all_parity_rows: true,
            ..plain()
        },
    );
    assert!(
        all.contains("  GET /health "),
        "--all shows agreeing rows\n{all}"
    );
}

#[test]
fn quiet_terminal_keeps_the_parity_line() {
    let report = with_parity();
    let text = terminal::render(
        &report,
        &TerminalOptions {
            quiet: true,
            ..plain()
        },
    );
    assert!(!text.contains("Parity:"), "no matrix when quiet\n{text}");
    assert!(
        text.lines().last().unwrap().starts_with("PARITY FAIL: "),
        "{text}"
    );
}

#[test]
fn markdown_matrix_bolds_cells_that_differ_and_folds_the_diff() {
    let report = with_parity();
    let text = markdown::render(&report);
    assert_contains(&text, "\n## Parity\n");
    assert_contains(
        &text,
        "| `POST /pets` | implemented | **not_implemented** |",
    );
    assert!(!text.contains("| `GET /health` | implemented | implemented |\n| `GET /pets`"));
    assert_contains(
        &text,
        "<summary>Capability diff: stable → canary</summary>\n\n```diff\n--- stable\n+++ canary\n",
    );
    let all = markdown::render_with(
        &report,
        &markdown::MarkdownOptions {
            all_parity_rows: true,
        },
    );
    let parity = &all[all.find("## Parity").unwrap()..];
    assert_contains(parity, "| `GET /health` | implemented | implemented |");
}

#[test]
fn agreeing_targets_say_so_without_a_matrix() {
    let mut report = fixture_where_targets_agree();
    report.parity = Some(report.parity_matrix().compare("stable"));
    let text = markdown::render(&report);
    assert_contains(
        &text,
        "Every operation has the same verdict on all 2 targets (reference: `stable`).",
    );
    assert!(!text.contains("Capability diff"), "{text}");
    let terminal = terminal::render(&report, &plain());
    assert_contains(&terminal, "PARITY OK: 9 operations");
    assert!(!terminal.contains("--- stable"), "{terminal}");
}

#[test]
fn junit_parity_suite_has_one_failing_testcase_per_differing_operation() {
    let report = with_parity();
    let xml = junit::render(&report);
    let suite = &xml[xml
        .find("<testsuite name=\"rollcall/parity\"")
        .expect("parity suite")..];
    let suite = &suite[..suite.find("</testsuite>").unwrap()];
    // Operations that agree add no testcase: no count is inflated.
    assert_eq!(
        suite.matches("<testcase ").count(),
        differing(&report).len()
    );
    assert_eq!(
        suite.matches("<failure ").count(),
        differing(&report).len(),
        "{suite}"
    );
    assert_contains(
        suite,
        "<testcase name=\"POST /pets\" classname=\"rollcall/parity.pets\"",
    );
    assert_contains(
        suite,
        "message=\"verdicts differ between targets: stable: implemented, canary: not_implemented (reference: stable)\" type=\"parity\"",
    );
    assert!(suite.contains("<property name=\"reference\" value=\"stable\"/>"));
    let target_failures = report
        .results()
        .filter(|(_, r)| r.verdict.outcome() == crate::verdict::Outcome::Fail)
        .count();
    let failures = target_failures + differing(&report).len();
    assert!(
        xml.contains(&format!(
            "tests=\"{}\" failures=\"{failures}\"",
            18 + differing(&report).len()
        )),
        "the root counts the differences once\n{}",
        xml.lines().nth(1).unwrap()
    );
}

#[test]
fn a_target_called_parity_does_not_clash_with_the_parity_suite() {
    let mut report = with_parity();
    report.targets[1].name = "parity".into();
    for op in &mut report.operations {
        op.results[1].target = "parity".into();
    }
    report.parity = Some(report.parity_matrix().compare("stable"));
    let xml = junit::render(&report);
    assert_eq!(xml.matches("<testsuite name=\"parity\"").count(), 1);
    assert_eq!(
        xml.matches("<testsuite name=\"rollcall/parity\"").count(),
        1
    );
    let classnames: Vec<&str> = xml
        .match_indices("classname=\"")
        .map(|(i, m)| {
            let rest = &xml[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert!(classnames.iter().any(|c| c.starts_with("parity.")));
    assert!(classnames.iter().any(|c| c.starts_with("rollcall/parity.")));
}

#[test]
fn json_has_parity_and_change_only_when_present() {
    let plain_json = json::render(&fixture());
    assert!(!plain_json.contains("\"parity\""));
    assert!(!plain_json.contains("\"change\""));

    let mut report = with_parity();
    report.operations[0].change = Some(ReleaseChange::New);
    let text = json::render(&report);
    assert_contains(&text, "\"parity\": {\n    \"reference\": \"stable\"");
    assert_contains(&text, "\"change\": \"new\"");
    assert_eq!(json::parse(&text).unwrap(), report);
}

#[test]
fn since_marks_operations_in_terminal_markdown_and_junit() {
    let mut report = fixture();
    for op in &mut report.operations {
        op.change = Some(ReleaseChange::Unchanged);
    }
    let post = report
        .operations
        .iter_mut()
        .find(|op| op.label() == "POST /pets")
        .unwrap();
    post.change = Some(ReleaseChange::New);

    let text = terminal::render(&report, &plain());
    assert!(
        text.lines().any(|l| l.contains("POST /pets")
            && l.contains("(new)")
            && l.contains("not_implemented")),
        "{text}"
    );
    assert_contains(
        &text,
        "since the older contract: 1 new, 0 changed, 8 unchanged operations",
    );

    let md = markdown::render(&report);
    assert_contains(&md, "| `POST /pets` (new) | canary |");
    assert_contains(&md, "Since the older contract: 1 new");

    let xml = junit::render(&report);
    assert_contains(&xml, "<system-out>change: new</system-out>");
    assert_eq!(
        // Alone, or after the verdict line of a passing testcase.
        xml.matches("change: unchanged</system-out>").count(),
        2 * 8
    );
}

#[test]
fn inconsistent_counts_as_a_failure_everywhere() {
    let mut report = fixture();
    report.operations[0].results[0].verdict = Verdict::Inconsistent;
    report.operations[0].results[0].evidence =
        "3 of 5 requests answered 501 (not_implemented); 2 of 5 answered 200 (implemented)".into();
    report.summary = report.verdict_counts();
    let text = terminal::render(&report, &plain());
    assert_contains(&text, "  inconsistent     GET /health");
    let xml = junit::render(&report);
    assert_contains(
        &xml,
        "<failure message=\"inconsistent on stable: 3 of 5 requests answered 501",
    );
}
