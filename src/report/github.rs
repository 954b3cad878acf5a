//! GitHub mode: what a run shows inside a GitHub Actions job. On by default
//! when `GITHUB_ACTIONS=true` (the binary decides; `--github`/`--no-github`
//! override). Three outputs, all rendered from the redacted [`RunReport`]:
//!
//! Annotations (workflow commands on stdout), one per flagged result (its
//! evidence, then its rule's fix hint) and,
//! with several targets, one per operation whose verdicts differ between
//! them, pointing at the line of the spec that declares the operation, and
//! one per target on which nothing was proven served, at the spec.
//! Those targets, parity differences, failures and unreachable targets are
//! errors; inconclusive results and open known gaps warnings. With
//! `--parity-only` only parity differences and those targets are errors
//! (see [`annotations`]):
//!
//! ```text
//! ::error file=specs/petstore.yaml,title=rollcall%3A nothing proven served [canary]::nothing was proven served on canary: 9 operations probed, none served (9 unverified) — hint: every probe of this target failed or was inconclusive (...): check the target's URL, its rate limits and the credentials given
//! ::error file=specs/petstore.yaml,line=40,title=rollcall parity::POST /pets: verdicts differ between targets: stable: implemented, canary: not_implemented (reference: stable)
//! ::error file=specs/petstore.yaml,line=40,title=handler-501::POST /pets [canary]: not_implemented: answered 501 — hint: Implement the handler, or remove the operation from the contract until it ships.
//! ::warning file=specs/petstore.yaml,line=95,title=auth-401::GET /admin/stats: auth_required: 401 with WWW-Authenticate: Bearer — hint: Pass credentials with --auth SCHEME=VALUE; if you did, they were rejected: check the value and the scheme.
//! ::error file=specs/petstore.yaml,title=rollcall%3A 3 more not served::GET /a, POST /b [canary], DELETE /c (all are in the step summary and the JUnit report)
//! ```
//!
//! GitHub shows at most 10 annotations of each level per step, so past 9 the
//! rest of a level is grouped into one annotation that names them.
//!
//! The Markdown report ([`super::markdown`]) appended to `$GITHUB_STEP_SUMMARY`
//! (never truncating what earlier steps wrote), cut with a note so the file
//! stays under GitHub's 1 MiB limit.
//!
//! Step outputs appended to `$GITHUB_OUTPUT`, for later steps to gate on:
//!
//! ```text
//! implemented=8
//! not_implemented=1
//! ...
//! total=18
//! flagged=6
//! differences=1
//! nothing_served=0
//! inconclusive=4
//! failed=true
//! junit=reports/rollcall.xml
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::report::{
    OperationReport, RunReport, Standing, TargetFailure, TargetResult, markdown, workspace_path,
};
use crate::verdict::{Outcome, Verdict};

/// Annotations GitHub shows per level (error, warning, notice) and step.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// GitHub rejects a step summary file larger than this.
pub const STEP_SUMMARY_LIMIT: u64 = 1024 * 1024;

/// Operations named at most in the annotation that groups the overflow.
const MAX_NAMED_IN_OVERFLOW: usize = 20;

/// The level of an annotation: the workflow command's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One `::error` / `::warning` workflow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    /// Repository-relative path of the spec; absent when the spec is a URL.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub title: String,
    pub message: String,
}

impl Annotation {
    /// The workflow command line (no trailing newline), escaped per GitHub's
    /// rules so no value can end the command or inject another one.
    pub fn command(&self) -> String {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
            if let Some(line) = self.line {
                properties.push(format!("line={line}"));
            }
        }
        properties.push(format!("title={}", escape_property(&self.title)));
        format!(
            "::{} {}::{}",
            self.level.command(),
            properties.join(","),
            escape_data(&self.message)
        )
    }
}

/// Where GitHub mode writes, read from the environment GitHub sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubEnv {
    /// `$GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `$GITHUB_WORKSPACE`: absolute spec paths under it are made relative,
    /// which is what annotations need to land on the file.
    pub workspace: Option<PathBuf>,
}

impl GithubEnv {
    pub fn from_env() -> GithubEnv {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        GithubEnv {
            step_summary: path("GITHUB_STEP_SUMMARY"),
            output: path("GITHUB_OUTPUT"),
            workspace: path("GITHUB_WORKSPACE"),
        }
    }
}

/// A GitHub file that could not be appended to.
#[derive(Debug, thiserror::Error)]
#[error("cannot append to ${variable} ({}): {source}", path.display())]
pub struct AppendError {
    pub variable: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The reports written by this run, named as the step outputs name them
/// (`junit`, `json`, `markdown`, `html`).
pub type ReportPaths<'a> = [(&'static str, &'a Path)];

/// Everything GitHub mode does after a run: prints the annotations on
/// `stdout` and appends the step summary and outputs to the files in `env`.
/// Each file is attempted even if another fails; the errors are returned.
pub fn publish(
    report: &RunReport,
    exit_code: u8,
    paths: &ReportPaths<'_>,
    env: &GithubEnv,
    stdout: &mut dyn std::io::Write,
) -> Vec<AppendError> {
    let file = annotation_file(&report.spec.path, env.workspace.as_deref());
    let mut text = String::new();
    for annotation in annotations(report, file.as_deref(), env.workspace.as_deref()) {
        text.push_str(&annotation.command());
        text.push('\n');
    }
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();

    let mut errors = Vec::new();
    if let Some(path) = &env.step_summary {
        let existing = std::fs::metadata(path).map_or(0, |m| m.len());
        let summary = step_summary(report, existing, paths);
        if let Err(source) = append(path, &summary) {
            errors.push(AppendError {
                variable: "GITHUB_STEP_SUMMARY",
                path: path.clone(),
                source,
            });
        }
    }
    if let Some(path) = &env.output {
        if let Err(source) = append(path, &outputs(report, exit_code, paths)) {
            errors.push(AppendError {
                variable: "GITHUB_OUTPUT",
                path: path.clone(),
                source,
            });
        }
    }
    errors
}

/// Appends `text` to a GitHub file (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`),
/// never truncating what earlier steps wrote.
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// The spec path as annotations need it: relative to the workspace
/// (`workspace`, else the current directory), without `./`; `None` for a
/// spec loaded from a URL (no file to annotate). See [`workspace_path`].
pub fn annotation_file(spec_path: &str, workspace: Option<&Path>) -> Option<String> {
    workspace_path(spec_path, workspace)
}

/// Annotations for every target on which nothing was proven served, every
/// operation whose verdicts differ between targets and every flagged result,
/// each at the level its standing against the gate gives
/// ([`RunReport::standing`]): errors first (those targets and the parity
/// differences, which fail every gate, then the results that fail the run), then warnings
/// (results the gate lets through: inconclusive verdicts, open known gaps,
/// verdicts `--fail-on` or `--parity-only` do not gate); `skipped` results
/// that fail nothing are not annotated. So the errors are exactly the JUnit
/// `<failure>`s and `<error>`s. Each level stays within
/// [`MAX_ANNOTATIONS_PER_LEVEL`]: the overflow becomes one grouped
/// annotation. `file` is the spec's workspace-relative path; an operation
/// written in another file (`OperationReport::file`) is annotated there, made
/// relative to `workspace`. With several targets, title and message name the
/// target (`handler-501 [canary]`), so two targets' annotations never look
/// the same.
///
/// With `--parity-only`, the results of a differing operation are left to
/// its parity annotation, which names each target's verdict.
pub fn annotations(
    report: &RunReport,
    file: Option<&str>,
    workspace: Option<&Path>,
) -> Vec<Annotation> {
    let several_targets = report.targets.len() > 1;
    let differs = |op: &OperationReport| {
        report
            .parity
            .as_ref()
            .is_some_and(|p| p.difference(op.method, &op.path).is_some())
    };
    let mut errors = target_failure_annotations(report, file);
    errors.extend(parity_annotations(report, file, workspace));
    let mut warnings = Vec::new();
    for (op, result) in report.flagged() {
        let level = match report.standing(result) {
            Standing::Pass => continue,
            Standing::Fails => Level::Error,
            _ if report.gate.parity_only && differs(op) => continue,
            Standing::KnownGap => Level::Warning,
            Standing::NotGated if result.verdict == Verdict::Skipped => continue,
            Standing::NotGated => Level::Warning,
        };
        let subject = subject(op, result, several_targets);
        let pending = Pending {
            overflow_name: format!("{subject} ({})", result.verdict),
            parity: false,
            annotation: Annotation {
                level,
                file: match &op.file {
                    Some(own) => annotation_file(own, workspace),
                    None => file.map(str::to_string),
                },
                line: op.line,
                title: if several_targets {
                    format!("{} [{}]", result.rule, result.target)
                } else {
                    result.rule.to_string()
                },
                message: format!(
                    "{subject}: {}: {}",
                    result.verdict,
                    result.evidence_with_hint()
                ),
            },
        };
        match level {
            Level::Error => errors.push(pending),
            Level::Warning => warnings.push(pending),
        }
    }
    let mut out = Vec::new();
    for (level, mut pending) in [(Level::Error, errors), (Level::Warning, warnings)] {
        let rest = if pending.len() > MAX_ANNOTATIONS_PER_LEVEL {
            pending.split_off(MAX_ANNOTATIONS_PER_LEVEL - 1)
        } else {
            Vec::new()
        };
        out.extend(pending.into_iter().map(|p| p.annotation));
        if !rest.is_empty() {
            out.push(overflow(level, &rest, file));
        }
    }
    out
}

/// An annotation before the per-level limit is applied, with the name the
/// grouped overflow annotation gives it.
struct Pending {
    annotation: Annotation,
    overflow_name: String,
    /// Whether it is a parity difference (not a single result).
    parity: bool,
}

/// Title of the annotation for an operation whose verdicts differ between targets.
pub const PARITY_TITLE: &str = "rollcall parity";

/// One error per target on which nothing was proven served
/// ([`RunReport::target_failures`]), at the spec (no line: no operation is
/// to blame): `nothing was proven served on canary: 9 operations probed,
/// none served (9 unverified)`.
fn target_failure_annotations(report: &RunReport, file: Option<&str>) -> Vec<Pending> {
    let several_targets = report.targets.len() > 1;
    report
        .target_failures()
        .into_iter()
        .map(|failure| Pending {
            overflow_name: format!("{} ({})", failure.target, TargetFailure::TITLE),
            parity: false,
            annotation: Annotation {
                level: Level::Error,
                file: file.map(str::to_string),
                line: None,
                title: failure.title(several_targets),
                message: format!("{} — hint: {}", failure.message, TargetFailure::HINT),
            },
        })
        .collect()
}

/// One error per operation whose verdicts differ between targets, at the
/// operation's line:
/// `PATCH /invoices/{id}: verdicts differ between targets: stable: missing_method, canary: implemented (reference: stable)`.
fn parity_annotations(
    report: &RunReport,
    file: Option<&str>,
    workspace: Option<&Path>,
) -> Vec<Pending> {
    let Some(parity) = &report.parity else {
        return Vec::new();
    };
    parity
        .differences
        .iter()
        .map(|difference| {
            let operation = report
                .operations
                .iter()
                .find(|op| op.method == difference.method && op.path == difference.path);
            let line = operation.and_then(|op| op.line);
            let file = operation.and_then(|op| op.file.as_deref()).map_or_else(
                || file.map(str::to_string),
                |own| annotation_file(own, workspace),
            );
            Pending {
                overflow_name: format!("{} (verdicts differ)", difference.label()),
                parity: true,
                annotation: Annotation {
                    level: Level::Error,
                    file,
                    line,
                    title: PARITY_TITLE.to_string(),
                    message: format!(
                        "{}: verdicts differ between targets: {} (reference: {})",
                        difference.label(),
                        difference.verdict_list(),
                        parity.reference
                    ),
                },
            }
        })
        .collect()
}

/// `GET /pets` or, with several targets, `GET /pets [canary]`.
fn subject(op: &OperationReport, result: &TargetResult, several_targets: bool) -> String {
    if several_targets {
        format!("{} [{}]", op.label(), result.target)
    } else {
        op.label()
    }
}

fn overflow(level: Level, rest: &[Pending], file: Option<&str>) -> Annotation {
    let parity = rest.iter().filter(|p| p.parity).count();
    let what = match level {
        Level::Warning => "warnings",
        Level::Error if parity == 0 => "not served",
        Level::Error if parity == rest.len() => "differing between targets",
        Level::Error => "not served or differing between targets",
    };
    let mut names: Vec<String> = rest
        .iter()
        .take(MAX_NAMED_IN_OVERFLOW)
        .map(|p| p.overflow_name.clone())
        .collect();
    if rest.len() > MAX_NAMED_IN_OVERFLOW {
        names.push(format!("and {} more", rest.len() - MAX_NAMED_IN_OVERFLOW));
    }
    Annotation {
        level,
        file: file.map(str::to_string),
        line: None,
        title: format!("rollcall: {} more {what}", rest.len()),
        message: format!(
            "{} (GitHub shows {MAX_ANNOTATIONS_PER_LEVEL} annotations per step; \
             all are in the step summary and the JUnit report)",
            names.join(", ")
        ),
    }
}

/// Escapes the message of a workflow command: `%`, CR and LF as GitHub
/// reads them back; any other control character (ESC, BEL) shown escaped
/// ([`crate::printable`]), never written raw into the log.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => {
                out.push_str(&crate::printable::escape_controls(
                    c.encode_utf8(&mut [0; 4]),
                ));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` made inert for a GitHub Actions runner, which reads every line a
/// step prints (stdout and stderr) for workflow commands: a line that starts
/// with `::` after blanks (`::stop-commands::x` would silence every later
/// annotation) gets `: :` instead, and the legacy form `##[`, which the
/// runner finds anywhere in a line, becomes `## [`. Lines end at CR as well
/// as LF, as the runner reads them. Used for everything rollcall prints in
/// GitHub mode except its own annotations.
///
/// ```text
/// ::stop-commands::x 1.0 (spec.yaml, OpenAPI 3.0.3)   →   : :stop-commands::x 1.0 (spec.yaml, OpenAPI 3.0.3)
///   server_error  GET /a  — answered 500: ##[error]x  →     server_error  GET /a  — answered 500: ## [error]x
/// ```
pub fn neutralize_commands(text: &str) -> String {
    if !text.contains("::") && !text.contains("##[") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive(['\n', '\r']) {
        let blanks = line.len() - line.trim_start().len();
        let (indent, rest) = line.split_at(blanks);
        out.push_str(indent);
        match rest.strip_prefix("::") {
            Some(after) => {
                out.push_str(": :");
                out.push_str(&after.replace("##[", "## ["));
            }
            None => out.push_str(&rest.replace("##[", "## [")),
        }
    }
    out
}

/// Escapes a property value of a workflow command: as data, plus `:` and `,`
/// (which would end the value).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown report as appended to the step summary: whole when the file
/// (already `existing_len` bytes long) stays under [`STEP_SUMMARY_LIMIT`],
/// else cut at a line boundary, with open `<details>` and code fences closed
/// and a note saying where the full report is.
pub fn step_summary(report: &RunReport, existing_len: u64, paths: &ReportPaths<'_>) -> String {
    let full = format!("{}\n", markdown::render(report));
    let budget = STEP_SUMMARY_LIMIT.saturating_sub(existing_len);
    if (full.len() as u64) <= budget {
        return full;
    }
    let full_report = match paths
        .iter()
        .find(|(name, _)| matches!(*name, "html" | "markdown" | "junit"))
    {
        Some((name, path)) => format!("the full report is in the {name} report {}", path.display()),
        None => "write the full report with --markdown or --html".to_string(),
    };
    let note = format!(
        "\n> **rollcall: this summary was cut to fit GitHub's 1 MiB step-summary limit; \
         {}.**\n\n",
        markdown::escape(&full_report)
    );
    // Room for the note and for closing what the cut leaves open.
    let reserve = note.len() + 512;
    let Some(room) = usize::try_from(budget)
        .ok()
        .and_then(|b| b.checked_sub(reserve))
    else {
        return String::new();
    };
    let mut cut = &full[..floor_char_boundary(&full, room)];
    if let Some(last_newline) = cut.rfind('\n') {
        cut = &cut[..=last_newline];
    }
    let mut out = cut.to_string();
    let open_fence =
        cut.lines()
            .filter(|line| line.starts_with("```"))
            .fold(None::<&str>, |open, line| match open {
                None => Some(line.trim_end_matches(|c: char| c != '`')),
                Some(fence) if line.trim_end() == fence => None,
                Some(fence) => Some(fence),
            });
    if let Some(fence) = open_fence {
        let _ = writeln!(out, "{fence}");
    }
    let unclosed = cut
        .matches("<details>")
        .count()
        .saturating_sub(cut.matches("</details>").count());
    for _ in 0..unclosed {
        out.push_str("\n</details>\n");
    }
    out.push_str(&note);
    out
}

/// The largest char boundary not above `index`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Step outputs in `$GITHUB_OUTPUT` syntax: the count of every verdict (zero
/// included, so a later step can always read it), `total`, `flagged` (the
/// results that fail the run, as the gate decides: JUnit's failures and
/// errors in the targets' operation testcases), `differences` (operations
/// whose verdicts differ between targets), `nothing_served` (targets on
/// which nothing was proven served; `flagged + differences + nothing_served`
/// is JUnit's failures and errors), `inconclusive`, `failed` (whether the
/// run exits non-zero), `exit_code`, and the path of each report written.
pub fn outputs(report: &RunReport, exit_code: u8, paths: &ReportPaths<'_>) -> String {
    let counts = report.verdict_counts();
    let mut out = String::new();
    for verdict in Verdict::ALL {
        output(
            &mut out,
            verdict.as_str(),
            &counts.get(&verdict).copied().unwrap_or(0).to_string(),
        );
    }
    output(&mut out, "total", &report.results().count().to_string());
    output(&mut out, "flagged", &report.failing().to_string());
    output(&mut out, "differences", &report.differences().to_string());
    output(
        &mut out,
        "nothing_served",
        &report.targets_with_nothing_served().len().to_string(),
    );
    output(
        &mut out,
        "inconclusive",
        &report.count(Outcome::Inconclusive).to_string(),
    );
    output(
        &mut out,
        "failed",
        if exit_code == 0 { "false" } else { "true" },
    );
    output(&mut out, "exit_code", &exit_code.to_string());
    for (name, path) in paths {
        output(&mut out, name, &path.to_string_lossy());
    }
    out
}

/// Step outputs of a run that ended before any report (bad input, exit 2;
/// no target answered `--wait-for`, exit 3): `failed=true`, `exit_code` and
/// `error` (the message, already redacted), so a later step can tell why.
pub fn failure_outputs(exit_code: u8, message: &str) -> String {
    let mut out = String::new();
    output(&mut out, "failed", "true");
    output(&mut out, "exit_code", &exit_code.to_string());
    output(&mut out, "error", message);
    out
}

/// `name=value`, or the multi-line form with a delimiter the value cannot contain.
fn output(out: &mut String, name: &str, value: &str) {
    if !value.contains(['\n', '\r']) {
        let _ = writeln!(out, "{name}={value}");
        return;
    }
    let mut delimiter = String::from("ROLLCALL_EOF");
    while value.contains(&delimiter) {
        let _ = write!(delimiter, "_{}", fastrand::u32(..));
    }
    let _ = writeln!(out, "{name}<<{delimiter}\n{value}\n{delimiter}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Gate;
    use crate::report::testing::{
        assert_contains, fixture, fixture_on_one_target, fixture_with_parity as with_parity,
    };

    #[test]
    fn annotation_points_at_the_spec_line_with_rule_as_title() {
        let report = fixture();
        let annotations = annotations(&report, Some("specs/petstore.yaml"), None);
        let first = annotations[0].command();
        assert_eq!(
            first,
            "::error file=specs/petstore.yaml,line=40,title=test.not_implemented [canary]::\
             POST /pets [canary]: not_implemented: answered 501"
        );
    }

    #[test]
    fn failures_are_errors_inconclusive_are_warnings_and_skipped_is_silent() {
        let report = fixture();
        let annotations = annotations(&report, Some("spec.yaml"), None);
        let errors = annotations
            .iter()
            .filter(|a| a.level == Level::Error)
            .count();
        let warnings = annotations
            .iter()
            .filter(|a| a.level == Level::Warning)
            .count();
        assert_eq!(
            errors,
            report.count(Outcome::Fail) + report.count(Outcome::Error)
        );
        assert_eq!(warnings, 3, "auth_required ×2 and unverified, not skipped");
        assert!(
            annotations
                .iter()
                .all(|a| !a.message.contains(": skipped:"))
        );
        // Errors come before warnings.
        let first_warning = annotations
            .iter()
            .position(|a| a.level == Level::Warning)
            .expect("warnings");
        assert!(
            annotations[first_warning..]
                .iter()
                .all(|a| a.level == Level::Warning)
        );
    }

    #[test]
    fn known_gaps_are_warnings_and_expected_verdicts_are_not_annotated() {
        use crate::report::{Allowance, AllowanceKind};
        let mut report = fixture();
        let failed: Vec<(usize, usize)> = report
            .operations
            .iter()
            .enumerate()
            .flat_map(|(o, op)| {
                op.results
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.verdict.outcome() == Outcome::Fail)
                    .map(move |(t, _)| (o, t))
            })
            .collect();
        let (gap, expected) = (failed[0], failed[1]);
        report.operations[gap.0].results[gap.1].allowance = Some(Allowance {
            kind: AllowanceKind::KnownGap,
            message: "known gap: ships in 2.4, until 2099-01-31".into(),
        });
        report.operations[expected.0].results[expected.1].allowance = Some(Allowance {
            kind: AllowanceKind::Expected,
            message: "expected".into(),
        });
        let annotations = annotations(&report, Some("spec.yaml"), None);
        let gap_label = report.operations[gap.0].label();
        let expected_label = report.operations[expected.0].label();
        let gap_target = report.operations[gap.0].results[gap.1].target.clone();
        let about = |label: &str, target: &str| {
            annotations
                .iter()
                .filter(|a| a.message.starts_with(&format!("{label} [{target}]: ")))
                .map(|a| a.level)
                .collect::<Vec<_>>()
        };
        assert_eq!(about(&gap_label, &gap_target), vec![Level::Warning]);
        let expected_target = &report.operations[expected.0].results[expected.1].target;
        assert!(about(&expected_label, expected_target).is_empty());
    }

    #[test]
    fn each_operation_whose_verdicts_differ_is_one_parity_error_at_its_line() {
        let report = with_parity();
        let differences = &report.parity.as_ref().expect("parity").differences;
        assert!(!differences.is_empty(), "the fixture has drift");
        let annotations = annotations(&report, Some("spec.yaml"), None);
        let parity: Vec<&Annotation> = annotations
            .iter()
            .filter(|a| a.title == PARITY_TITLE)
            .collect();
        assert_eq!(parity.len(), differences.len());
        for (annotation, difference) in parity.iter().zip(differences) {
            let op = report
                .operations
                .iter()
                .find(|op| op.label() == difference.label())
                .expect("operation of the difference");
            assert_eq!(annotation.level, Level::Error);
            assert_eq!(annotation.line, op.line);
            assert_eq!(
                annotation.message,
                format!(
                    "{}: verdicts differ between targets: stable: {}, canary: {} (reference: stable)",
                    op.label(),
                    op.results[0].verdict,
                    op.results[1].verdict
                )
            );
        }
        assert_eq!(
            annotations[0].command(),
            format!(
                "::error file=spec.yaml,line={},title=rollcall parity::{}",
                parity[0].line.expect("line"),
                parity[0].message
            ),
            "parity errors come first"
        );
        // Without --parity-only, failing results are errors of their own too.
        assert!(annotations.iter().any(|a| {
            a.level == Level::Error
                && a.message
                    .starts_with("POST /pets [canary]: not_implemented: ")
        }));
    }

    #[test]
    fn with_parity_only_differences_are_the_only_errors() {
        let mut report = fixture();
        // GET /health: a gap both targets share.
        for result in &mut report.operations[0].results {
            result.verdict = Verdict::NotImplemented;
        }
        report.parity = Some(report.parity_matrix().compare("stable"));
        report.gate = Gate::parity_only();
        let parity = report.parity.clone().expect("parity");
        let annotations = annotations(&report, Some("spec.yaml"), None);
        let errors: Vec<&Annotation> = annotations
            .iter()
            .filter(|a| a.level == Level::Error)
            .collect();
        assert_eq!(errors.len(), parity.differences.len());
        assert!(errors.iter().all(|a| a.title == PARITY_TITLE));
        // A differing operation's results are named by its parity error only.
        for difference in &parity.differences {
            let prefix = format!("{} [", difference.label());
            assert!(
                annotations.iter().all(|a| !a.message.starts_with(&prefix)),
                "{difference:?} annotated twice"
            );
        }
        // A failure every target shares is tolerated by the gate: a warning.
        let shared = report
            .operations
            .iter()
            .find(|op| {
                parity.difference(op.method, &op.path).is_none()
                    && op.results[0].verdict.outcome() == Outcome::Fail
            })
            .expect("the fixture has a failure both targets share");
        let about_shared: Vec<Level> = annotations
            .iter()
            .filter(|a| a.message.starts_with(&format!("{} [", shared.label())))
            .map(|a| a.level)
            .collect();
        assert_eq!(about_shared, vec![Level::Warning, Level::Warning]);
    }

    #[test]
    fn a_target_where_nothing_was_proven_served_is_one_error_and_an_output() {
        let report = crate::report::testing::fixture_with_nothing_served_on_canary();
        let errors: Vec<Annotation> = annotations(&report, Some("spec.yaml"), None)
            .into_iter()
            .filter(|a| a.level == Level::Error)
            .collect();
        assert_eq!(errors.len(), 1, "--parity-only: nothing else fails");
        assert_eq!(
            errors[0].command(),
            "::error file=spec.yaml,title=rollcall%3A nothing proven served [canary]::\
             nothing was proven served on canary: 9 operations probed, none served (9 auth_required) \
             — hint: every probe of this target failed or was inconclusive (a 429, a redirect, a 401 \
             without credentials, no answer), so nothing shows that it serves the contract: check \
             the target's URL, its rate limits and the credentials given"
        );
        let outputs = outputs(&report, 1, &[]);
        assert_contains(&outputs, "\nnothing_served=1\n");
        assert_contains(&outputs, "\nflagged=0\n");
    }

    #[test]
    fn more_than_ten_parity_errors_are_grouped_too() {
        let mut report = copies_of_post_pets(12);
        report.parity = Some(report.parity_matrix().compare("stable"));
        report.gate = Gate::parity_only();
        let grouped = grouped_error(&report);
        assert_eq!(grouped.title, "rollcall: 3 more differing between targets");
        assert!(
            grouped
                .message
                .starts_with("POST /things9 (verdicts differ), POST /things10 (verdicts differ)"),
            "{}",
            grouped.message
        );
    }

    #[test]
    fn step_summary_has_the_parity_section_before_the_flagged_list() {
        let summary = step_summary(&with_parity(), 0, &[]);
        let parity = summary.find("## Parity").expect("parity section");
        let flagged = summary.find("## Flagged").expect("flagged section");
        assert!(parity < flagged, "{summary}");
        assert_contains(&summary, "Capability diff: stable → canary");
    }

    #[test]
    fn single_target_messages_do_not_name_the_target() {
        let report = fixture_on_one_target();
        let annotations = annotations(&report, Some("spec.yaml"), None);
        assert!(annotations.iter().all(|a| !a.message.contains("[stable]")));
        assert!(annotations.iter().any(|a| {
            a.message
                .starts_with("DELETE /pets/{petId}: missing_method: ")
        }));
    }

    /// The annotations of the fixture where `POST /pets` on `canary` (the
    /// first error) has `rule` and `evidence`, its contract being `spec`.
    fn annotations_with_first_error(
        rule: impl Into<crate::verdict::RuleId>,
        evidence: &str,
        spec: &str,
    ) -> Vec<Annotation> {
        let mut report = fixture();
        let result = &mut report.operations[2].results[1];
        result.rule = rule.into();
        result.evidence = evidence.into();
        annotations(&report, Some(spec), None)
    }

    #[test]
    fn data_and_properties_are_escaped_so_nothing_injects_a_command() {
        let annotations = annotations_with_first_error(
            "a:b,c%",
            "50% done\r\n::error::injected",
            "dir,with:odd%/spec.yaml",
        );
        let command = annotations[0].command();
        assert_eq!(
            command,
            "::error file=dir%2Cwith%3Aodd%25/spec.yaml,line=40,title=a%3Ab%2Cc%25 [canary]::\
             POST /pets [canary]: not_implemented: 50%25 done%0D%0A::error::injected"
        );
        assert_eq!(command.lines().count(), 1);
    }

    #[test]
    fn a_flagged_result_is_annotated_with_its_rules_hint_on_one_line() {
        let command = annotations_with_first_error(
            crate::verdict::Rule::Handler501,
            "answered 501\r\n::error::injected",
            "spec.yaml",
        )[0]
        .command();
        assert_eq!(
            command,
            "::error file=spec.yaml,line=40,title=handler-501 [canary]::\
             POST /pets [canary]: not_implemented: answered 501%0D%0A::error::injected \
             — hint: Implement the handler, or remove the operation from the contract until it ships."
        );
        assert_eq!(command.lines().count(), 1);
    }

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("a%b\rc\nd:e,f"), "a%25b%0Dc%0Ad:e,f");
        assert_eq!(escape_property("a%b\rc\nd:e,f"), "a%25b%0Dc%0Ad%3Ae%2Cf");
    }

    #[test]
    fn annotations_never_carry_raw_control_characters() {
        let annotations = annotations_with_first_error(
            "rule\u{1b}[31m",
            "\u{1b}]0;owned\u{7}\u{1b}[2J",
            "spec.yaml",
        );
        for annotation in &annotations {
            let command = annotation.command();
            assert!(!command.chars().any(char::is_control), "{command:?}");
        }
        let command = annotations[0].command();
        assert!(
            command.contains(r"title=rule\u{1b}[31m [canary]::")
                && command.ends_with(r"\u{1b}]0;owned\u{7}\u{1b}[2J"),
            "{command}"
        );
    }

    #[test]
    fn printed_text_cannot_be_taken_for_a_workflow_command() {
        let text = "::stop-commands::x 1.0 (spec.yaml)\n  \t::error::a\n\
                    ok line: with::colons\n  GET /a — 500: ##[error]boom ###[x\rx::warning::y\n";
        let inert = neutralize_commands(text);
        assert_eq!(
            inert,
            ": :stop-commands::x 1.0 (spec.yaml)\n  \t: :error::a\n\
             ok line: with::colons\n  GET /a — 500: ## [error]boom ### [x\rx::warning::y\n"
        );
        for line in inert.split(['\n', '\r']) {
            assert!(!line.trim_start().starts_with("::"), "{line}");
            assert!(!line.contains("##["), "{line}");
        }
        assert_eq!(neutralize_commands("plain\n"), "plain\n");
    }

    /// The fixture with `n` operations `POST /things<i>`, each failing on
    /// canary only (as `POST /pets` does), then `GET /health`, served on
    /// both (so canary proved something served).
    fn copies_of_post_pets(n: u32) -> RunReport {
        let mut report = fixture();
        let template = report.operations[2].clone();
        let health = report.operations[0].clone();
        report.operations = (0..n)
            .map(|i| OperationReport {
                path: format!("/things{i}"),
                line: Some(100 + i),
                ..template.clone()
            })
            .collect();
        report.operations.push(health);
        report
    }

    /// The last error annotation of `report` (whose spec is `spec.yaml`),
    /// after checking that there are as many as GitHub shows: the one that
    /// groups the rest.
    fn grouped_error(report: &RunReport) -> Annotation {
        let mut errors: Vec<Annotation> = annotations(report, Some("spec.yaml"), None)
            .into_iter()
            .filter(|a| a.level == Level::Error)
            .collect();
        assert_eq!(errors.len(), MAX_ANNOTATIONS_PER_LEVEL);
        errors.pop().expect("ten errors")
    }

    #[test]
    fn more_than_ten_errors_are_grouped_into_one_annotation() {
        let grouped = grouped_error(&copies_of_post_pets(25));
        assert_eq!(grouped.title, "rollcall: 16 more not served");
        assert_eq!(grouped.line, None);
        assert_eq!(grouped.file.as_deref(), Some("spec.yaml"));
        assert!(
            grouped
                .message
                .starts_with("POST /things9 [canary] (not_implemented), POST /things10"),
            "{}",
            grouped.message
        );
        assert!(grouped.message.contains("step summary"));
    }

    #[test]
    fn spec_from_a_url_gets_annotations_without_a_file() {
        assert_eq!(
            annotation_file("https://example.com/openapi.yaml", None),
            None
        );
        let annotation = &annotations(&fixture(), None, None)[0];
        assert!(annotation.command().starts_with("::error title="));
    }

    #[test]
    fn absolute_spec_path_is_made_relative_to_the_workspace() {
        assert_eq!(
            annotation_file(
                "/home/runner/work/app/api/openapi.yaml",
                Some(Path::new("/home/runner/work/app"))
            ),
            Some("api/openapi.yaml".into())
        );
        assert_eq!(
            annotation_file("./api/openapi.yaml", None),
            Some("api/openapi.yaml".into())
        );
    }

    #[test]
    fn outputs_have_every_verdict_count_failed_and_report_paths() {
        let report = fixture();
        let junit = PathBuf::from("reports/rollcall.xml");
        let text = outputs(&report, 1, &[("junit", junit.as_path())]);
        let lines: Vec<&str> = text.lines().collect();
        for verdict in Verdict::ALL {
            assert!(
                lines.iter().any(|l| l.starts_with(&format!("{verdict}="))),
                "{verdict} missing in {text}"
            );
        }
        assert!(lines.contains(&"not_implemented=1"));
        assert!(lines.contains(&"total=18"));
        assert!(lines.contains(&"flagged=8"));
        assert!(lines.contains(&"failed=true"));
        assert!(lines.contains(&"exit_code=1"));
        assert!(lines.contains(&"junit=reports/rollcall.xml"));
    }

    #[test]
    fn multi_line_output_values_use_a_delimiter() {
        let mut out = String::new();
        output(&mut out, "path", "a\nROLLCALL_EOF\nb");
        let delimiter = out
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("path<<"))
            .expect("heredoc form");
        assert_ne!(delimiter, "ROLLCALL_EOF");
        assert!(out.ends_with(&format!("\n{delimiter}\n")));
    }

    #[test]
    fn step_summary_is_the_markdown_report_when_it_fits() {
        let report = fixture();
        assert_eq!(
            step_summary(&report, 0, &[]),
            format!("{}\n", markdown::render(&report))
        );
    }

    #[test]
    fn step_summary_is_cut_with_a_note_to_stay_under_the_limit() {
        let report = fixture();
        let full = step_summary(&report, 0, &[]);
        // An earlier step already used almost all of the 1 MiB.
        let existing = STEP_SUMMARY_LIMIT - (full.len() as u64) / 2;
        let html = PathBuf::from("rollcall.html");
        let cut = step_summary(&report, existing, &[("html", html.as_path())]);
        assert!(existing + cut.len() as u64 <= STEP_SUMMARY_LIMIT);
        assert_contains(&cut, "cut to fit GitHub's 1 MiB step-summary limit");
        assert_contains(&cut, "rollcall.html");
        assert_eq!(
            cut.matches("<details>").count(),
            cut.matches("</details>").count(),
            "{cut}"
        );
        // No room at all: nothing is appended rather than breaking the limit.
        assert_eq!(step_summary(&report, STEP_SUMMARY_LIMIT, &[]), "");
    }

    #[test]
    fn publish_appends_and_never_truncates_existing_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let summary = dir.path().join("summary.md");
        let output = dir.path().join("output");
        std::fs::write(&summary, "# earlier step\n").expect("write");
        std::fs::write(&output, "earlier=1\n").expect("write");
        let env = GithubEnv {
            step_summary: Some(summary.clone()),
            output: Some(output.clone()),
            workspace: None,
        };
        let mut stdout = Vec::new();
        let errors = publish(&fixture(), 1, &[], &env, &mut stdout);
        assert!(errors.is_empty());
        let summary = std::fs::read_to_string(&summary).expect("read");
        assert!(
            summary.starts_with("# earlier step\n# rollcall: "),
            "{summary}"
        );
        let output = std::fs::read_to_string(&output).expect("read");
        assert!(output.starts_with("earlier=1\nimplemented=6\n"), "{output}");
        let stdout = String::from_utf8(stdout).expect("utf-8");
        assert!(
            stdout
                .lines()
                .all(|l| l.starts_with("::error ") || l.starts_with("::warning "))
        );
    }

    #[test]
    fn publish_reports_a_file_it_cannot_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let env = GithubEnv {
            step_summary: Some(dir.path().join("missing-dir/summary.md")),
            output: None,
            workspace: None,
        };
        let errors = publish(&fixture(), 0, &[], &env, &mut Vec::new());
        assert_eq!(errors.len(), 1);
        let message = errors[0].to_string();
        assert!(
            message.starts_with("cannot append to $GITHUB_STEP_SUMMARY ("),
            "{message}"
        );
    }
}
