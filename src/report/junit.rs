//! The JUnit XML report: one `<testsuite>` per target (in target order), one
//! `<testcase>` per declared operation in each, so CI dashboards count every
//! operation on every target exactly once; with several targets, one more
//! suite, `rollcall/parity`, holds a failing testcase per operation whose
//! verdicts differ between them (its name has a `/`, which no target name
//! can have). `file` and `line` point at the operation in the spec, the file
//! relative to the workspace (`$GITHUB_WORKSPACE`, else the current
//! directory; left out for a spec read from a URL), for annotations on the
//! exact line.
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <testsuites name="rollcall" tests="2" failures="1" errors="0" time="0.842">
//!   <testsuite name="canary" tests="2" failures="1" errors="0" skipped="0" time="0.015" timestamp="2026-03-01T12:00:00Z">
//!     <properties>
//!       <property name="base_url" value="http://127.0.0.1:8081/api/v1"/>
//!       <property name="mode" value="safe"/>
//!       <property name="spec" value="specs/petstore.yaml"/>
//!       <property name="rollcall_version" value="0.1.0"/>
//!     </properties>
//!     <testcase name="GET /pets [canary]" classname="canary.pets" file="specs/petstore.yaml" line="22" time="0.009">
//!       <system-out>implemented [served-2xx]: GET /pets answered 200 OK</system-out>
//!     </testcase>
//!     <testcase name="POST /pets [canary]" classname="canary.pets" file="specs/petstore.yaml" line="40" time="0.006">
//!       <failure message="not_implemented on canary: answered 501" type="not_implemented">rule: ...
//! curl -sS -X POST 'http://127.0.0.1:8081/api/v1/pets' ...
//!
//! HTTP 501 Not Implemented
//! ...</failure>
//!     </testcase>
//!     <system-out>unknown paths answer 404 ...</system-out>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! Results follow the run's gate ([`RunReport::standing`]), so JUnit
//! reporters agree with the exit code: a result that fails the run is a
//! `<failure>` (an `<error>` when the target was unreachable); one that does
//! not (an inconclusive verdict, an open known gap, a verdict `--fail-on` or
//! `--parity-only` does not gate) is `<skipped>`, never a `<failure>`. A
//! target on which nothing was proven served fails the run whatever the gate
//! ([`RunReport::target_failures`]): its suite holds one more testcase,
//! `rollcall: nothing proven served`, with a `<failure
//! type="rollcall-nothing-served">` (a suite has it only then, like the
//! parity suite's testcases, so the test count stays the operations'). With
//! several targets the testcase name and the message name the target, so
//! reporters' annotations for two targets never look the same. Text is
//! escaped (never CDATA, which a body containing `]]>` would break) and
//! characters XML 1.0 forbids (NUL, ESC, other control bytes) are dropped.
//!
//! The document follows the Jenkins/Ant JUnit schema as its xUnit plugin
//! ships it (`testdata/junit/junit-10.xsd`), plus `file` and `line` on
//! `<testcase>` (see `docs/junit.md`).

use std::borrow::Cow;
use std::io;
use std::path::Path;

use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::report::parity::Parity;
use crate::report::{
    OperationReport, RunReport, Standing, TargetFailure, TargetInfo, TargetResult, workspace,
    workspace_path,
};
use crate::verdict::Outcome;

/// Name of the suite comparing the targets: a `/` cannot occur in a target
/// name, so no target's suite can be called this.
pub const PARITY_SUITE: &str = "rollcall/parity";

/// The report as a JUnit XML document, ending with a newline; `file`
/// attributes relative to [`workspace`].
pub fn render(report: &RunReport) -> String {
    render_in(report, workspace().as_deref())
}

/// [`render`] with `file` attributes relative to `workspace`.
pub fn render_in(report: &RunReport, workspace: Option<&Path>) -> String {
    let mut xml = JunitWriter {
        writer: Writer::new_with_indent(Vec::new(), b' ', 2),
        workspace,
        // Once, not per testcase: most operations are in the spec itself.
        spec_file: workspace_path(&report.spec.path, workspace),
    };
    xml.report(report)
        .expect("writing XML into memory cannot fail");
    let mut text =
        String::from_utf8(xml.writer.into_inner()).expect("XML written from Rust strings is UTF-8");
    text.push('\n');
    text
}

/// Test counts of one suite (or of all suites together).
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    time_ms: u64,
}

impl Counts {
    /// The counts of a target's suite: its operations' testcases, and the
    /// one of its [`TargetFailure`] if it has one.
    fn of_target(report: &RunReport, target: &str, failure: Option<&TargetFailure>) -> Counts {
        let mut counts = Counts::default();
        if failure.is_some() {
            counts.tests += 1;
            counts.failures += 1;
        }
        for op in &report.operations {
            counts.tests += 1;
            match result_for(op, target) {
                Some(result) => {
                    counts.time_ms += result.elapsed_ms;
                    match element(report, result) {
                        None => {}
                        Some("failure") => counts.failures += 1,
                        Some("error") => counts.errors += 1,
                        Some(_) => counts.skipped += 1,
                    }
                }
                None => counts.skipped += 1,
            }
        }
        counts
    }

    fn add(self, other: Counts) -> Counts {
        Counts {
            tests: self.tests + other.tests,
            failures: self.failures + other.failures,
            errors: self.errors + other.errors,
            skipped: self.skipped + other.skipped,
            time_ms: self.time_ms + other.time_ms,
        }
    }

    fn attributes(&self) -> [(&'static str, String); 4] {
        [
            ("tests", self.tests.to_string()),
            ("failures", self.failures.to_string()),
            ("errors", self.errors.to_string()),
            ("skipped", self.skipped.to_string()),
        ]
    }
}

/// The element a result is written as: `failure` or `error` when it fails
/// the run, `skipped` when it is not a pass but does not fail it, none for
/// a pass.
fn element(report: &RunReport, result: &TargetResult) -> Option<&'static str> {
    match report.standing(result) {
        Standing::Pass => None,
        Standing::Fails if result.counted_outcome() == Outcome::Error => Some("error"),
        Standing::Fails => Some("failure"),
        Standing::NotGated | Standing::KnownGap => Some("skipped"),
    }
}

struct JunitWriter<'a> {
    writer: Writer<Vec<u8>>,
    workspace: Option<&'a Path>,
    /// The spec's `file` attribute ([`workspace_path`]).
    spec_file: Option<String>,
}

impl JunitWriter<'_> {
    fn report(&mut self, report: &RunReport) -> io::Result<()> {
        self.writer
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let target_failures = report.target_failures();
        let failure_of =
            |target: &TargetInfo| target_failures.iter().find(|f| f.target == target.name);
        let per_target: Vec<Counts> = report
            .targets
            .iter()
            .map(|t| Counts::of_target(report, &t.name, failure_of(t)))
            .collect();
        let parity_counts = report.parity.as_ref().map(|parity| Counts {
            tests: parity.differences.len(),
            failures: parity.differences.len(),
            ..Counts::default()
        });
        let total = per_target
            .iter()
            .chain(&parity_counts)
            .fold(Counts::default(), |a, b| a.add(*b));

        let mut suites = BytesStart::new("testsuites");
        push(&mut suites, "name", "rollcall");
        // No `skipped` on the root: the JUnit schema Jenkins validates with
        // (testdata/junit/junit-10.xsd) rejects it there; each suite has it.
        for (name, value) in total.attributes() {
            if name != "skipped" {
                push(&mut suites, name, &value);
            }
        }
        push(&mut suites, "time", &seconds(report.duration_ms));
        self.writer.write_event(Event::Start(suites))?;
        for (target, counts) in report.targets.iter().zip(per_target) {
            self.suite(report, target, counts, failure_of(target))?;
        }
        if let (Some(parity), Some(counts)) = (&report.parity, parity_counts) {
            self.parity_suite(report, parity, counts)?;
        }
        self.end("testsuites")
    }

    fn suite(
        &mut self,
        report: &RunReport,
        target: &TargetInfo,
        counts: Counts,
        failure: Option<&TargetFailure>,
    ) -> io::Result<()> {
        let mut suite = BytesStart::new("testsuite");
        push(&mut suite, "name", &target.name);
        for (name, value) in counts.attributes() {
            push(&mut suite, name, &value);
        }
        push(&mut suite, "time", &seconds(counts.time_ms));
        push(&mut suite, "timestamp", &report.started_at);
        self.writer.write_event(Event::Start(suite))?;

        self.writer
            .write_event(Event::Start(BytesStart::new("properties")))?;
        let mode = report.mode.to_string();
        for (name, value) in [
            ("base_url", target.base_url.as_str()),
            ("mode", mode.as_str()),
            ("spec", report.spec.path.as_str()),
            ("rollcall_version", report.version.as_str()),
        ] {
            let mut property = BytesStart::new("property");
            push(&mut property, "name", name);
            push(&mut property, "value", value);
            self.writer.write_event(Event::Empty(property))?;
        }
        self.end("properties")?;

        for op in &report.operations {
            self.testcase(report, target, op)?;
        }
        if let Some(failure) = failure {
            self.target_failure(report, failure)?;
        }

        if !target.discovery.is_empty() {
            self.text_element("system-out", &target.discovery.join("\n"))?;
        }
        self.end("testsuite")
    }

    /// `name`, `classname`, `file`, `line` and `time` of a testcase.
    fn case_start(
        &self,
        op: &OperationReport,
        name: &str,
        classname: &str,
        elapsed_ms: u64,
    ) -> BytesStart<'static> {
        let mut case = BytesStart::new("testcase");
        push(&mut case, "name", name);
        push(&mut case, "classname", classname);
        let own_file = op
            .file
            .as_deref()
            .map(|file| workspace_path(file, self.workspace));
        if let Some(file) = own_file.as_ref().unwrap_or(&self.spec_file) {
            push(&mut case, "file", file);
        }
        if let Some(line) = op.line {
            push(&mut case, "line", &line.to_string());
        }
        push(&mut case, "time", &seconds(elapsed_ms));
        case
    }

    fn testcase(
        &mut self,
        report: &RunReport,
        target: &TargetInfo,
        op: &OperationReport,
    ) -> io::Result<()> {
        let result = result_for(op, &target.name);
        let several = report.targets.len() > 1;
        let name = if several {
            format!("{} [{}]", op.label(), target.name)
        } else {
            op.label()
        };
        let case = self.case_start(
            op,
            &name,
            &format!("{}.{}", target.name, group(op)),
            result.map_or(0, |r| r.elapsed_ms),
        );
        self.writer.write_event(Event::Start(case))?;

        let Some(result) = result else {
            let mut skipped = BytesStart::new("skipped");
            push(&mut skipped, "message", "no result for this target");
            self.writer.write_event(Event::Empty(skipped))?;
            return self.end_testcase(op);
        };
        let Some(element) = element(report, result) else {
            // A pass carries its rule and evidence too: "served" is a claim
            // a reviewer may want to check.
            return self.end_testcase_with(op, Some(result));
        };
        let mut problem = BytesStart::new(element);
        push(&mut problem, "message", &message(report, result, several));
        push(&mut problem, "type", result.verdict.as_str());
        // Skipped or failed, the text names the rule, its hint and the exchange.
        self.writer.write_event(Event::Start(problem))?;
        self.text(&details(result))?;
        self.end(element)?;
        self.end_testcase(op)
    }

    /// `<testcase name="rollcall: nothing proven served">` (with several
    /// targets `... [canary]`) at the spec file, failing with the verdicts
    /// of what was probed there and what to check.
    fn target_failure(&mut self, report: &RunReport, failure: &TargetFailure) -> io::Result<()> {
        let mut case = BytesStart::new("testcase");
        push(&mut case, "name", &failure.title(report.targets.len() > 1));
        push(
            &mut case,
            "classname",
            &format!("{}.rollcall", failure.target),
        );
        if let Some(file) = &self.spec_file {
            push(&mut case, "file", file);
        }
        push(&mut case, "time", &seconds(0));
        self.writer.write_event(Event::Start(case))?;
        let mut element = BytesStart::new("failure");
        push(&mut element, "message", &failure.message);
        push(&mut element, "type", TargetFailure::RULE);
        self.writer.write_event(Event::Start(element))?;
        self.text(&format!(
            "rule: {}\nhint: {}\n",
            TargetFailure::RULE,
            TargetFailure::HINT
        ))?;
        self.end("failure")?;
        self.end("testcase")
    }

    /// Closes a testcase; with `--since`, its `<system-out>` first says how
    /// the operation relates to the older contract (`change: new`).
    fn end_testcase(&mut self, op: &OperationReport) -> io::Result<()> {
        self.end_testcase_with(op, None)
    }

    /// Closes a testcase whose `<system-out>` also says why it passed
    /// (`implemented [served-2xx]: GET /pets answered 200 OK`).
    fn end_testcase_with(
        &mut self,
        op: &OperationReport,
        passed: Option<&TargetResult>,
    ) -> io::Result<()> {
        let mut lines = Vec::new();
        if let Some(result) = passed {
            lines.push(format!(
                "{} [{}]: {}",
                result.verdict, result.rule, result.evidence
            ));
        }
        if let Some(change) = op.change {
            lines.push(format!("change: {change}"));
        }
        if !lines.is_empty() {
            self.text_element("system-out", &lines.join("\n"))?;
        }
        self.end("testcase")
    }

    /// `<testsuite name="rollcall/parity">`: one failing testcase per
    /// operation whose verdicts differ between targets (each fails the run),
    /// the verdict (and evidence) of every target in the failure. Operations
    /// that agree add no testcase, so a reporter's test count stays that of
    /// the targets' suites plus the differences.
    fn parity_suite(
        &mut self,
        report: &RunReport,
        parity: &Parity,
        counts: Counts,
    ) -> io::Result<()> {
        let mut suite = BytesStart::new("testsuite");
        push(&mut suite, "name", PARITY_SUITE);
        for (name, value) in counts.attributes() {
            push(&mut suite, name, &value);
        }
        push(&mut suite, "time", &seconds(0));
        push(&mut suite, "timestamp", &report.started_at);
        self.writer.write_event(Event::Start(suite))?;
        self.writer
            .write_event(Event::Start(BytesStart::new("properties")))?;
        let mut property = BytesStart::new("property");
        push(&mut property, "name", "reference");
        push(&mut property, "value", &parity.reference);
        self.writer.write_event(Event::Empty(property))?;
        self.end("properties")?;
        for op in &report.operations {
            let Some(difference) = parity.difference(op.method, &op.path) else {
                continue;
            };
            let case =
                self.case_start(op, &op.label(), &format!("{PARITY_SUITE}.{}", group(op)), 0);
            self.writer.write_event(Event::Start(case))?;
            let mut failure = BytesStart::new("failure");
            push(
                &mut failure,
                "message",
                &format!(
                    "verdicts differ between targets: {} (reference: {})",
                    difference.verdict_list(),
                    parity.reference
                ),
            );
            push(&mut failure, "type", "parity");
            self.writer.write_event(Event::Start(failure))?;
            let mut text = format!("reference: {}\n\n", parity.reference);
            for result in &op.results {
                text.push_str(&format!(
                    "{}: {} ({}) {}\n",
                    result.target, result.verdict, result.rule, result.evidence
                ));
            }
            self.text(&text)?;
            self.end("failure")?;
            self.end_testcase(op)?;
        }
        self.end("testsuite")
    }

    fn text_element(&mut self, name: &str, text: &str) -> io::Result<()> {
        self.writer
            .write_event(Event::Start(BytesStart::new(name)))?;
        self.text(text)?;
        self.end(name)
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        let safe = xml_safe(text);
        self.writer
            .write_event(Event::Text(BytesText::from_escaped(partial_escape(
                safe.as_ref(),
            ))))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }
}

/// The body of a `<failure>` or `<error>`: the rule, its fix hint when the
/// registry knows it, then the replayable exchange.
fn details(result: &TargetResult) -> String {
    let mut text = format!("rule: {}\n", result.rule);
    if let Some(rule) = result.rule.rule() {
        text.push_str(&format!("hint: {}\n", rule.hint()));
    }
    text.push('\n');
    text.push_str(&result.transcript());
    text
}

/// The `message` of a `<failure>`, `<error>` or `<skipped>`:
/// `not_implemented: answered 501`, with several targets
/// `not_implemented on canary: answered 501`; a known gap's own note; a
/// result its verdict does not gate says so (`not failing the run: --fail-on`).
fn message(report: &RunReport, result: &TargetResult, several_targets: bool) -> String {
    let on = if several_targets {
        format!(" on {}", result.target)
    } else {
        String::new()
    };
    let base = format!("{}{on}: {}", result.verdict, result.evidence);
    match (&result.allowance, report.standing(result)) {
        (Some(allowance), Standing::KnownGap) if several_targets => {
            format!("{} ({})", allowance.message, result.target)
        }
        (Some(allowance), Standing::KnownGap) => allowance.message.clone(),
        (Some(allowance), _) => format!("{base} ({})", allowance.message),
        (None, Standing::NotGated) if result.counted_outcome() != Outcome::Inconclusive => {
            format!(
                "{base} (not failing the run: {})",
                report.gate.flag_for(result.verdict)
            )
        }
        (None, _) => base,
    }
}

fn result_for<'a>(op: &'a OperationReport, target: &str) -> Option<&'a TargetResult> {
    op.results.iter().find(|r| r.target == target)
}

/// The second half of a testcase's classname: the operation's first tag,
/// else its first path segment (its selector left out: `/{Bucket}?acl` is
/// `{Bucket}`), else `root`.
fn group(op: &OperationReport) -> &str {
    if let Some(tag) = op.tags.first() {
        return tag;
    }
    op.path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .split('/')
        .find(|segment| !segment.is_empty())
        .unwrap_or("root")
}

/// Milliseconds as seconds with three decimals: `12` → `0.012`.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Adds an attribute; quick-xml escapes the value (quotes, `<`, `&`,
/// newlines), characters XML 1.0 forbids are dropped first.
fn push(element: &mut BytesStart<'_>, name: &str, value: &str) {
    element.push_attribute((name, xml_safe(value).as_ref()));
}

/// `text` without the characters XML 1.0 cannot carry at all, even escaped:
/// NUL and the other C0 controls except tab, newline and carriage return,
/// and U+FFFE / U+FFFF. (Lone surrogates cannot occur in a Rust string.)
fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    //! Golden file: `testdata/reports/junit.xml`, rendered from
    //! [`crate::report::testing::fixture`]. After an intended format change,
    //! run `ROLLCALL_UPDATE_GOLDEN=1 cargo test --lib report::junit` and
    //! review the diff of the golden file.

    use std::collections::BTreeMap;

    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::Event;
    use quick_xml::{Reader, XmlVersion};

    use super::*;
    use crate::report::testing::{
        assert_contains, assert_golden, fixture, fixture_where_targets_agree,
    };
    use std::path::Path;

    /// Element names and attributes of a parsed document, and the text of
    /// every `<failure>`/`<error>`, as a reader that insists on well-formed
    /// XML sees them.
    struct Parsed {
        /// Testcases per suite name, in document order.
        testcases: Vec<(String, usize)>,
        attributes: Vec<(String, BTreeMap<String, String>)>,
        texts: Vec<String>,
    }

    fn parse(xml: &str) -> Parsed {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut parsed = Parsed {
            testcases: Vec::new(),
            attributes: Vec::new(),
            texts: Vec::new(),
        };
        let mut in_text = false;
        loop {
            let event = reader.read_event().expect("well-formed XML");
            let element = match &event {
                Event::Start(e) | Event::Empty(e) => Some(e.clone()),
                _ => None,
            };
            if let Some(element) = element {
                let name = element.name().as_ref().to_string();
                let attributes: BTreeMap<String, String> = element
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        let value = a
                            .normalized_value(XmlVersion::Implicit1_0)
                            .expect("valid escapes")
                            .into_owned();
                        (a.key.as_ref().to_string(), value)
                    })
                    .collect();
                match name.as_str() {
                    "testsuite" => parsed.testcases.push((attributes["name"].clone(), 0)),
                    "testcase" => parsed.testcases.last_mut().expect("testcase in a suite").1 += 1,
                    _ => {}
                }
                parsed.attributes.push((name, attributes));
            }
            // Text arrives in pieces split at each reference (`&lt;`): join them.
            let piece = match &event {
                Event::Text(t) => Some(t.xml10_content().into_owned()),
                Event::GeneralRef(r) => {
                    Some(match r.resolve_char_ref().expect("valid reference") {
                        Some(c) => c.to_string(),
                        None => resolve_predefined_entity(&r.xml10_content())
                            .expect("only predefined entities")
                            .to_string(),
                    })
                }
                _ => None,
            };
            match (piece, in_text) {
                (Some(piece), true) => parsed.texts.last_mut().expect("open text").push_str(&piece),
                (Some(piece), false) => parsed.texts.push(piece),
                (None, _) => {}
            }
            in_text = matches!(event, Event::Text(_) | Event::GeneralRef(_));
            if matches!(event, Event::Eof) {
                break;
            }
        }
        parsed
    }

    fn attributes_of<'a>(parsed: &'a Parsed, element: &str) -> Vec<&'a BTreeMap<String, String>> {
        parsed
            .attributes
            .iter()
            .filter(|(name, _)| name == element)
            .map(|(_, a)| a)
            .collect()
    }

    #[test]
    fn junit_report_matches_golden_file() {
        assert_golden("junit.xml", &render(&fixture()));
    }

    #[test]
    fn every_operation_is_one_testcase_in_each_target_suite() {
        let report = fixture();
        let parsed = parse(&render(&report));
        let expected: Vec<(String, usize)> = report
            .targets
            .iter()
            .map(|t| (t.name.clone(), report.operations.len()))
            .collect();
        assert_eq!(parsed.testcases, expected);
    }

    #[test]
    fn suite_counts_follow_verdict_outcomes() {
        let parsed = parse(&render(&fixture()));
        let suites = attributes_of(&parsed, "testsuite");
        let counts: Vec<[&str; 5]> = suites
            .iter()
            .map(|s| {
                [
                    s["name"].as_str(),
                    s["tests"].as_str(),
                    s["failures"].as_str(),
                    s["errors"].as_str(),
                    s["skipped"].as_str(),
                ]
            })
            .collect();
        assert_eq!(
            counts,
            [
                ["stable", "9", "3", "0", "2"],
                ["canary", "9", "4", "1", "2"]
            ]
        );
        let all = &attributes_of(&parsed, "testsuites")[0];
        assert_eq!(
            [&all["tests"], &all["failures"], &all["errors"]],
            ["18", "7", "1"]
        );
        assert!(
            !all.contains_key("skipped"),
            "the junit-10 schema allows no skipped on <testsuites>"
        );
        assert_eq!(attributes_of(&parsed, "failure").len(), 7);
        assert_eq!(attributes_of(&parsed, "error").len(), 1);
        assert_eq!(
            attributes_of(&parsed, "skipped").len(),
            fixture()
                .results()
                .filter(|(_, r)| r.verdict.outcome() == Outcome::Inconclusive)
                .count()
        );
    }

    #[test]
    fn testcase_points_at_the_operation_in_the_spec() {
        let parsed = parse(&render(&fixture()));
        let cases = attributes_of(&parsed, "testcase");
        let post = cases
            .iter()
            .find(|c| c["name"] == "POST /pets [canary]" && c["classname"] == "canary.pets")
            .expect("POST /pets on canary");
        assert_eq!(post["file"], "specs/petstore.yaml");
        assert_eq!(post["line"], "40");
        assert_eq!(post["time"], "0.006");
        let classnames: Vec<&str> = cases
            .iter()
            .filter(|c| c["classname"].starts_with("stable."))
            .map(|c| c["classname"].as_str())
            .collect();
        assert!(
            classnames.contains(&"stable.health"),
            "first path segment without tags"
        );
        assert!(classnames.contains(&"stable.root"), "`/` has no segment");
        let root = cases
            .iter()
            .find(|c| c["name"] == "POST / [stable]")
            .unwrap();
        assert!(
            !root.contains_key("line"),
            "no line when the spec gave none"
        );
    }

    #[test]
    fn failure_text_holds_rule_curl_and_response() {
        let parsed = parse(&render(&fixture()));
        let failure = parsed
            .texts
            .iter()
            .find(|t| t.contains("rule: test.not_implemented"))
            .expect("failure text for not_implemented");
        assert!(failure.contains("curl -sS -X POST 'http://127.0.0.1:8081/api/v1/pets'"));
        assert!(failure.contains("HTTP 501 Not Implemented\ncontent-type: text/plain"));
        assert!(failure.contains("Not Implemented"));
    }

    #[test]
    fn hostile_content_stays_well_formed() {
        let mut report = fixture();
        let hostile = "]]> <tag> & \"quoted\" 'single' \u{0}nul \u{1b}[31mesc \u{fffe} tab\tend";
        for op in &mut report.operations {
            for result in &mut op.results {
                result.evidence = hostile.to_string();
                if let Some(response) = &mut result.response {
                    response.body = format!("<![CDATA[{hostile}]]>");
                }
            }
        }
        report.targets[0].discovery.push(hostile.to_string());
        let xml = render(&report);
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}') && !xml.contains('\u{fffe}'));
        assert!(!xml.contains("]]>"), "no raw CDATA terminator");
        let parsed = parse(&xml);
        assert_eq!(
            parsed.testcases,
            [("stable".to_string(), 9), ("canary".to_string(), 9)]
        );
        let clean = "]]> <tag> & \"quoted\" 'single' nul [31mesc  tab\tend";
        let failures = attributes_of(&parsed, "failure");
        assert!(
            failures.iter().all(|f| f["message"].ends_with(clean)),
            "{failures:?}"
        );
        assert!(
            parsed
                .texts
                .iter()
                .any(|t| t.contains(&format!("<![CDATA[{clean}]]>")))
        );
    }

    /// Counts of `<failure>`, `<error>` and `<skipped>` elements.
    fn elements(xml: &str) -> [usize; 3] {
        let parsed = parse(xml);
        ["failure", "error", "skipped"].map(|name| attributes_of(&parsed, name).len())
    }

    #[test]
    fn parity_only_writes_no_failure_for_gaps_every_target_shares() {
        let mut report = fixture_where_targets_agree();
        report.gate = crate::report::Gate::parity_only();
        report.parity = Some(report.parity_matrix().compare("stable"));
        assert!(report.passed());
        let xml = render(&report);
        assert_eq!(elements(&xml)[..2], [0, 0], "{xml}");
        assert_contains(
            &xml,
            "missing_method on stable: 405 with Allow: GET, HEAD; DELETE is not routed (not failing the run: --parity-only)",
        );
    }

    #[test]
    fn strict_makes_auth_required_a_failure_and_leaves_skipped_skipped() {
        let mut report = fixture();
        let default = elements(&render(&report));
        report.gate = crate::report::Gate::strict();
        let strict = elements(&render(&report));
        let strictly_failing = report
            .results()
            .filter(|(_, r)| crate::report::Gate::STRICT_ADDS.contains(&r.verdict))
            .count();
        assert_eq!(strict[0], default[0] + strictly_failing);
        assert_eq!(strict[2], default[2] - strictly_failing);
        let parsed = parse(&render(&report));
        let skipped_types: Vec<&str> = attributes_of(&parsed, "skipped")
            .iter()
            .map(|s| s["type"].as_str())
            .collect();
        assert_eq!(skipped_types, ["skipped"]);
    }

    #[test]
    fn fail_on_leaves_other_flagged_verdicts_skipped() {
        let mut report = fixture();
        report.gate.fail_on = Some(vec![crate::verdict::Verdict::NotImplemented]);
        let xml = render(&report);
        let parsed = parse(&xml);
        let failures = attributes_of(&parsed, "failure");
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0]["type"], "not_implemented");
        assert_eq!(attributes_of(&parsed, "error").len(), 0);
        assert!(xml.contains("(not failing the run: --fail-on)"));
    }

    /// A target where nothing was proven served fails the run under any
    /// gate: its suite gets one failing testcase more, counted in the suite
    /// and the root, and the other suite none.
    #[test]
    fn a_target_where_nothing_was_proven_served_is_one_failing_testcase() {
        let report = crate::report::testing::fixture_with_nothing_served_on_canary();
        assert!(!report.passed());
        let xml = render_in(&report, Some(Path::new("/work")));
        let parsed = parse(&xml);
        assert_eq!(
            parsed.testcases,
            [("stable".to_string(), 9), ("canary".to_string(), 10)]
        );
        let case = attributes_of(&parsed, "testcase")
            .into_iter()
            .find(|c| c["name"] == "rollcall: nothing proven served [canary]")
            .expect("the target's testcase");
        assert_eq!(case["classname"], "canary.rollcall");
        assert!(!case.contains_key("line"));
        let failures = attributes_of(&parsed, "failure");
        assert_eq!(failures.len(), 1, "--parity-only: nothing else fails");
        assert_eq!(failures[0]["type"], "rollcall-nothing-served");
        assert!(
            failures[0]["message"]
                .starts_with("nothing was proven served on canary: 9 operations probed"),
            "{:?}",
            failures[0]
        );
        let suites = attributes_of(&parsed, "testsuite");
        assert_eq!([&suites[1]["tests"], &suites[1]["failures"]], ["10", "1"]);
        assert_eq!([&suites[0]["tests"], &suites[0]["failures"]], ["9", "0"]);
        let root = attributes_of(&parsed, "testsuites")[0];
        assert_eq!([&root["tests"], &root["failures"]], ["19", "1"]);
    }

    #[test]
    fn file_is_relative_to_the_workspace_and_absent_for_a_url() {
        let mut report = fixture();
        report.spec.path = "/home/runner/work/app/api/../specs/openapi.yaml".into();
        let xml = render_in(&report, Some(Path::new("/home/runner/work/app")));
        assert_contains(&xml, " file=\"specs/openapi.yaml\" ");
        report.spec.path = "./specs/openapi.yaml".into();
        let cwd = std::env::current_dir().unwrap();
        let xml = render_in(&report, Some(&cwd));
        assert_contains(&xml, " file=\"specs/openapi.yaml\" ");
        // A relative path typed in a subfolder of the workspace.
        let xml = render_in(&report, cwd.parent());
        let folder = cwd.file_name().unwrap().to_string_lossy();
        assert_contains(&xml, &format!(" file=\"{folder}/specs/openapi.yaml\" "));
        report.spec.path = "https://api.example.com/openapi.yaml".into();
        let xml = render_in(&report, Some(&cwd));
        assert!(!xml.contains(" file="), "{xml}");
    }

    #[test]
    fn seconds_have_three_decimals() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(12), "0.012");
        assert_eq!(seconds(61_234), "61.234");
    }
}
