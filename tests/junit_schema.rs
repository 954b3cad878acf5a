//! The JUnit report of a real run (two targets, both the demo service) checked
//! two ways: against the JUnit schema Jenkins validates with
//! (`testdata/junit/junit-10.xsd`, by `xmllint --schema` from libxml2-utils),
//! and against what the GitHub reporters read (docs/junit.md): non-empty suite
//! names, `classname`, `file`, `line`, `time`, `message` and `type` on
//! failures, the curl reproduction and response in the failure text, and
//! discovery notes in `<system-out>`.
//!
//! Without `xmllint` the schema part prints a loud SKIP, unless `CI` is set
//! (then it fails: `.ci/run` installs libxml2-utils).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{assert_contains, check_args, repo, rollcall, skip};
use quick_xml::Reader;
use quick_xml::events::Event;
use rollcall::demo;

/// `rollcall check` against two demo services; the JUnit file's text.
async fn two_target_junit(dir: &Path) -> String {
    let stable = demo::Server::start().await.expect("demo service");
    let canary = demo::Server::start().await.expect("demo service");
    let junit = dir.join("rollcall.xml");
    let run = rollcall(
        check_args(
            "specs/demo.yaml",
            &[
                format!("stable={}", stable.url()),
                format!("canary={}", canary.url()),
            ],
            &["--junit", &junit.display().to_string()],
        ),
        vec![],
    )
    .await;
    stable.stop().await;
    canary.stop().await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    std::fs::read_to_string(&junit).expect("junit written")
}

fn xmllint() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("xmllint"))
            .find(|path| path.is_file())
    })
}

#[tokio::test]
async fn junit_validates_against_the_junit_10_schema() {
    let Some(xmllint) = xmllint() else {
        skip(
            "junit_validates_against_the_junit_10_schema",
            "xmllint is not installed (apt-get install -y libxml2-utils)",
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    two_target_junit(dir.path()).await;
    for file in [
        dir.path().join("rollcall.xml"),
        repo("testdata/reports/junit.xml"),
    ] {
        let output = std::process::Command::new(&xmllint)
            .arg("--noout")
            .arg("--nonet")
            .arg("--schema")
            .arg(repo("testdata/junit/junit-10.xsd"))
            .arg(&file)
            .output()
            .expect("xmllint runs");
        assert!(
            output.status.success(),
            "{} does not validate:\n{}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// One element as the reporters see it: name, attributes, and its text.
#[derive(Debug)]
struct Element {
    name: String,
    attributes: BTreeMap<String, String>,
    text: String,
}

fn elements(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                out.push(element(&e));
                open.push(out.len() - 1);
            }
            Event::Empty(e) => out.push(element(&e)),
            // Text arrives in pieces split at each reference (`&lt;`).
            Event::Text(t) => {
                if let Some(&index) = open.last() {
                    out[index].text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(&index) = open.last() {
                    let piece = match r.resolve_char_ref().expect("valid reference") {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                            .expect("only predefined entities")
                            .to_string(),
                    };
                    out[index].text.push_str(&piece);
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn element(e: &quick_xml::events::BytesStart<'_>) -> Element {
    Element {
        name: e.name().as_ref().to_string(),
        attributes: e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("valid escapes")
                        .into_owned(),
                )
            })
            .collect(),
        text: String::new(),
    }
}

fn attribute<'a>(element: &'a Element, name: &str) -> &'a str {
    element
        .attributes
        .get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("<{}> has no {name}: {element:?}", element.name))
}

#[tokio::test]
async fn junit_has_everything_the_github_reporters_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let xml = two_target_junit(dir.path()).await;
    let all = elements(&xml);
    let of = |name: &'static str| all.iter().filter(move |e| e.name == name);

    let suites: Vec<&Element> = of("testsuite").collect();
    // One suite per target, in target order (then, with several targets,
    // the `parity` suite comparing them).
    let names: Vec<&str> = suites.iter().map(|s| attribute(s, "name")).collect();
    assert_eq!(names[..2], ["stable", "canary"], "{names:?}");
    for suite in &suites {
        for name in [
            "tests",
            "failures",
            "errors",
            "skipped",
            "time",
            "timestamp",
        ] {
            assert!(!attribute(suite, name).is_empty(), "testsuite@{name}");
        }
    }

    let cases: Vec<&Element> = of("testcase").collect();
    assert!(!cases.is_empty());
    for case in &cases {
        assert!(attribute(case, "name").contains(" /"), "METHOD /path");
        assert!(!attribute(case, "classname").is_empty());
        assert_eq!(attribute(case, "file"), "specs/demo.yaml");
        assert!(attribute(case, "line").parse::<u32>().is_ok_and(|l| l > 0));
        assert!(attribute(case, "time").parse::<f64>().is_ok());
    }
    // GitLab and Jenkins key cases on classname + name: no duplicates.
    let mut identities: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            (
                attribute(c, "classname").into(),
                attribute(c, "name").into(),
            )
        })
        .collect();
    let count = identities.len();
    identities.sort();
    identities.dedup();
    assert_eq!(identities.len(), count, "classname + name is unique");

    let failures: Vec<&Element> = of("failure")
        .filter(|f| attribute(f, "type") != "parity")
        .collect();
    assert!(!failures.is_empty());
    for failure in failures {
        let message = attribute(failure, "message");
        let kind = attribute(failure, "type");
        // Two targets: the message names the target.
        assert!(
            message.starts_with(&format!("{kind} on stable: "))
                || message.starts_with(&format!("{kind} on canary: ")),
            "{message}"
        );
        assert_contains(&failure.text, "rule: ");
        assert_contains(&failure.text, "curl -sS ");
        assert_contains(&failure.text, "\nHTTP ");
    }

    // A passing testcase's <system-out> says why it passed; the suites' hold discovery notes.
    let (passes, outs): (Vec<&Element>, Vec<&Element>) =
        of("system-out").partition(|o| o.text.starts_with("implemented ["));
    assert!(
        !passes.is_empty(),
        "passing testcases carry rule and evidence"
    );
    assert_eq!(outs.len(), 2, "discovery notes in each target's suite");
    assert!(outs.iter().all(|o| o.text.contains("404")), "{outs:?}");
}
