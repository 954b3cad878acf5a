//! The Markdown report, for pull-request comments and CI step summaries
//! (GitHub-flavored tables, `<details>` for the long parts).
//!
//! ````markdown
//! # rollcall: Pet Store 1.2.0
//!
//! **FAIL: 5 of 18 not served, 1 unreachable, 4 inconclusive**
//!
//! | Verdict | stable | canary | Total |
//! | --- | ---: | ---: | ---: |
//! | implemented | 5 | 3 | 8 |
//!
//! ## Flagged
//!
//! | Operation | Target | Verdict | Rule | Evidence |
//! | --- | --- | --- | --- | --- |
//! | `POST /pets` | canary | not_implemented | `handler-501` | answered 501 — hint: Implement the handler, or remove the operation from the contract until it ships. |
//!
//! <details>
//! <summary>All 9 operations</summary>
//! ...
//! </details>
//! ````
//!
//! Text from servers is escaped so it cannot break a table, open a link or
//! inject HTML into the page that shows the report.

use std::fmt::Write as _;

use crate::contract::diff::ReleaseChange;
use crate::report::{OperationReport, RunReport, TargetResult};
use crate::verdict::Verdict;

/// Reproductions shown at most, so the report fits a pull-request comment
/// (GitHub caps those at 65,536 characters; each one holds up to 2 KB of body).
const MAX_REPRODUCTIONS: usize = 20;

/// How the Markdown report is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarkdownOptions {
    /// Every operation in the parity matrix, not only those whose verdicts
    /// differ between targets (`--all`).
    pub all_parity_rows: bool,
}

/// The report as a Markdown document, ending with a newline.
pub fn render(report: &RunReport) -> String {
    render_with(report, &MarkdownOptions::default())
}

/// [`render`], with options.
pub fn render_with(report: &RunReport, options: &MarkdownOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# rollcall: {} {}\n",
        escape(&report.spec.title),
        escape(&report.spec.version)
    );
    let _ = writeln!(out, "**{}**\n", escape(&report.conclusion()));
    if let Some(line) = report.parity_line() {
        let _ = writeln!(out, "**{}**\n", escape(&line));
    }
    let targets: Vec<String> = report
        .targets
        .iter()
        .map(|t| format!("{} {}", code(&t.name), escape(&t.base_url)))
        .collect();
    let _ = writeln!(
        out,
        "Spec {} (OpenAPI {}), {} mode, rollcall {}, started {}. {}: {}.\n",
        code(&report.spec.path),
        escape(&report.spec.openapi),
        report.mode,
        escape(&report.version),
        escape(&report.started_at),
        if report.targets.len() == 1 {
            "Target"
        } else {
            "Targets"
        },
        targets.join(", ")
    );

    totals(&mut out, report);
    if let Some(line) = report.proof_line() {
        let _ = writeln!(out, "{}.\n", escape(&line));
    }
    if let Some(line) = report.release_line() {
        let mut line = escape(&line);
        if let Some(first) = line.get(..1) {
            line.replace_range(..1, &first.to_uppercase());
        }
        let _ = writeln!(out, "{line}.\n");
    }
    parity(&mut out, report, options.all_parity_rows);
    flagged(&mut out, report);
    config_notes(&mut out, report);

    if !report.warnings.is_empty() {
        out.push_str("## Contract warnings\n\n");
        for warning in &report.warnings {
            let _ = writeln!(out, "- {}", escape(warning));
        }
        out.push('\n');
    }

    all_operations(&mut out, report);
    reproductions(&mut out, report);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Count per verdict and target, vocabulary order; a Total column only when
/// there are several targets.
fn totals(out: &mut String, report: &RunReport) {
    let several = report.targets.len() > 1;
    let mut header = String::from("| Verdict |");
    let mut rule = String::from("| --- |");
    for target in &report.targets {
        let _ = write!(header, " {} |", escape(&target.name));
        rule.push_str(" ---: |");
    }
    if several {
        header.push_str(" Total |");
        rule.push_str(" ---: |");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for (verdict, total) in report.verdict_counts() {
        let _ = write!(out, "| {verdict} |");
        for target in &report.targets {
            let n = report
                .results()
                .filter(|(_, r)| r.target == target.name && r.verdict == verdict)
                .count();
            let _ = write!(out, " {n} |");
        }
        if several {
            let _ = write!(out, " {total} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn flagged(out: &mut String, report: &RunReport) {
    let flagged = report.flagged();
    if flagged.is_empty() {
        out.push_str("Every operation is served on every target.\n\n");
        return;
    }
    table_section(
        out,
        "Flagged",
        &["Operation", "Target", "Verdict", "Rule", "Evidence"],
        flagged.into_iter().map(|(op, result)| {
            [
                operation_cell(op),
                escape(&result.target),
                result.verdict.to_string(),
                code(result.rule.as_str()),
                escape(&result.evidence_with_hint()),
            ]
        }),
    );
}

/// What rollcall.toml said about results (known gaps, fixed or expired ones,
/// expected verdicts), so a reviewer sees why a flagged result did not fail
/// the run and which list entries to clean up.
fn config_notes(out: &mut String, report: &RunReport) {
    let notes: Vec<_> = report
        .results()
        .filter_map(|(op, r)| r.allowance.as_ref().map(|a| (op, r, a)))
        .collect();
    if notes.is_empty() {
        return;
    }
    table_section(
        out,
        "Known gaps and expectations (rollcall.toml)",
        &["Operation", "Target", "Verdict", "Note"],
        notes.into_iter().map(|(op, result, allowance)| {
            [
                operation_cell(op),
                escape(&result.target),
                result.verdict.to_string(),
                escape(&allowance.message),
            ]
        }),
    );
}

/// The parity matrix (only rows that differ unless `all`), its legend, and
/// the diff of each target's capability listing against the reference's.
///
/// ```markdown
/// ## Parity
///
/// **1 of 9 operations differs between targets** (reference: `stable`).
///
/// | Operation | stable | canary |
/// | --- | --- | --- |
/// | `POST /pets` | implemented | **not_implemented** |
/// ```
fn parity(out: &mut String, report: &RunReport, all: bool) {
    let Some(parity) = &report.parity else {
        return;
    };
    let matrix = report.parity_matrix();
    let reference = matrix.position(&parity.reference).unwrap_or(0);
    out.push_str("## Parity\n\n");
    let n = parity.differences.len();
    if parity.agrees() {
        let _ = writeln!(
            out,
            "Every operation has the same verdict on all {} targets (reference: {}).\n",
            matrix.targets.len(),
            code(&parity.reference)
        );
    } else {
        let _ = writeln!(
            out,
            "**{n} of {} operations {} between targets** (reference: {}).\n",
            report.operations.len(),
            if n == 1 { "differs" } else { "differ" },
            code(&parity.reference)
        );
    }
    let rows = matrix.shown_rows(all);
    if !rows.is_empty() {
        table_head(
            out,
            ["Operation".to_string()]
                .into_iter()
                .chain(matrix.targets.iter().map(|target| escape(target))),
        );
        for row in &rows {
            let _ = write!(out, "| {} |", code(&row.label()));
            for (column, verdict) in row.verdicts.iter().enumerate() {
                let text = verdict.map_or("no result", Verdict::as_str);
                if column != reference && *verdict != row.verdicts[reference] {
                    let _ = write!(out, " **{text}** |");
                } else {
                    let _ = write!(out, " {text} |");
                }
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "\nBold: differs from the reference, {}.{}\n",
            code(&parity.reference),
            if all {
                ""
            } else {
                " Only operations whose verdicts differ are shown."
            }
        );
    }
    for (column, diff) in matrix.listing_diffs(reference) {
        if diff.is_empty() {
            continue;
        }
        let fence = "`".repeat((longest_backtick_run(&diff) + 1).max(3));
        let _ = writeln!(
            out,
            "<details>\n<summary>Capability diff: {} → {}</summary>\n\n{fence}diff\n{}\n{fence}\n\n</details>\n",
            escape(&parity.reference),
            escape(&matrix.targets[column]),
            diff.trim_end_matches('\n')
        );
    }
}

/// `` `POST /pets` `` for a table cell, followed by `(new)` or `(changed)`
/// when `--since` marked the operation so.
fn operation_cell(op: &OperationReport) -> String {
    match op.change {
        Some(change) if change != ReleaseChange::Unchanged => {
            format!("{} ({change})", code(&op.label()))
        }
        _ => code(&op.label()),
    }
}

/// Every operation with its verdict (and status) on each target.
fn all_operations(out: &mut String, report: &RunReport) {
    let _ = writeln!(
        out,
        "<details>\n<summary>All {} operations</summary>\n",
        report.operations.len()
    );
    table_head(
        out,
        ["Operation".to_string()]
            .into_iter()
            .chain(report.targets.iter().map(|target| escape(&target.name))),
    );
    for op in &report.operations {
        let _ = write!(out, "| {} |", operation_cell(op));
        for target in &report.targets {
            let cell = match op.results.iter().find(|r| r.target == target.name) {
                Some(TargetResult {
                    verdict,
                    status: Some(status),
                    rule,
                    ..
                }) => format!("{verdict} ({status}) {}", code(rule.as_str())),
                Some(result) => format!("{} {}", result.verdict, code(result.rule.as_str())),
                None => "no result".to_string(),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push_str("\n</details>\n\n");
}

/// The curl command and response of every flagged result that sent a request.
fn reproductions(out: &mut String, report: &RunReport) {
    let sent: Vec<(&OperationReport, &TargetResult)> = report
        .flagged()
        .into_iter()
        .filter(|(_, r)| r.request.is_some())
        .collect();
    if sent.is_empty() {
        return;
    }
    out.push_str("<details>\n<summary>Reproduce the flagged requests</summary>\n\n");
    let omitted = sent.len().saturating_sub(MAX_REPRODUCTIONS);
    for (op, result) in sent.into_iter().take(MAX_REPRODUCTIONS) {
        let _ = writeln!(
            out,
            "#### {} on {}: {}\n",
            code(&op.label()),
            escape(&result.target),
            result.verdict
        );
        out.push_str(&fenced(&result.transcript()));
        out.push('\n');
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "{omitted} more not shown here; the JUnit and JSON reports have them all.\n"
        );
    }
    out.push_str("</details>\n");
}

/// A `## title` section holding a table with `columns` and one row of
/// `cells` per item of `rows` (all Markdown already), then a blank line.
pub(crate) fn table_section<const N: usize>(
    out: &mut String,
    title: &str,
    columns: &[&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) {
    let _ = writeln!(out, "## {title}\n");
    table_head(out, columns);
    for cells in rows {
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// The header row of a table with `columns` (Markdown already) and the
/// delimiter row below it.
fn table_head(out: &mut String, columns: impl IntoIterator<Item = impl AsRef<str>>) {
    let mut header = String::from("|");
    let mut rule = String::from("|");
    for column in columns {
        let _ = write!(header, " {} |", column.as_ref());
        rule.push_str(" --- |");
    }
    let _ = writeln!(out, "{header}\n{rule}");
}

/// Plain text for a table cell or a line: every character Markdown or HTML
/// would interpret is escaped, and line breaks become spaces.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// An inline code span that survives backticks in `text` and sits safely in
/// a table cell (`|` is the one character GitHub unescapes inside code in
/// tables).
pub(crate) fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// A fenced code block longer than any backtick run inside, so no content can
/// close it early.
fn fenced(text: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let body = text.trim_end_matches('\n');
    format!("{fence}text\n{body}\n{fence}\n")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    //! Golden file: `testdata/reports/report.md`, rendered from the shared
    //! fixture. `ROLLCALL_UPDATE_GOLDEN=1 cargo test --lib report::markdown`
    //! rewrites it.

    use super::*;
    use crate::report::testing::{assert_contains, assert_golden, fixture};

    #[test]
    fn markdown_report_matches_golden_file() {
        assert_golden("report.md", &render(&fixture()));
    }

    #[test]
    fn table_cells_cannot_be_broken_by_evidence() {
        let mut report = fixture();
        report.operations[2].results[1].evidence =
            "a | b\nc <script>alert(1)</script> [x](http://e) `tick`".into();
        let text = render(&report);
        let row = text
            .lines()
            .find(|l| l.starts_with("| `POST /pets` | canary"))
            .expect("flagged row");
        assert_eq!(
            row,
            "| `POST /pets` | canary | not_implemented | `test.not_implemented` | \
             a \\| b c &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](http://e) \\`tick\\` |"
        );
    }

    #[test]
    fn code_spans_and_blocks_survive_backticks() {
        assert_eq!(code("GET /a|b"), "`GET /a\\|b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`edge"), "`` `edge ``");
        assert_eq!(fenced("a\n```\nb\n"), "````text\na\n```\nb\n````\n");
    }

    #[test]
    fn all_operations_table_lists_every_operation_once() {
        let report = fixture();
        let text = render(&report);
        let details = &text[text.find("<summary>All").expect("details")..];
        let details = &details[..details.find("</details>").expect("closed")];
        let rows = details.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(rows, report.operations.len());
    }

    #[test]
    fn reproductions_are_capped_for_pull_request_comments() {
        let mut report = fixture();
        let template = report.operations[2].clone();
        report.operations = (0..30)
            .map(|i| OperationReport {
                path: format!("/things{i}"),
                ..template.clone()
            })
            .collect();
        let text = render(&report);
        assert_eq!(text.matches("#### ").count(), MAX_REPRODUCTIONS);
        assert_contains(&text, "10 more not shown here");
    }

    #[test]
    fn served_run_says_so_without_flagged_table() {
        let mut report = fixture();
        for result in report.operations.iter_mut().flat_map(|op| &mut op.results) {
            result.verdict = crate::verdict::Verdict::Implemented;
        }
        let text = render(&report);
        assert_contains(&text, "**PASS: 18 of 18 served**");
        assert!(text.contains("Every operation is served on every target."));
        assert!(!text.contains("## Flagged") && !text.contains("Reproduce"));
    }
}
