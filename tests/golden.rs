//! The demo's JUnit report against a golden file. What varies between runs
//! (durations, timestamps, the port, Date headers, discovery's random paths)
//! is masked before comparing. To update the golden file deliberately:
//! `ROLLCALL_UPDATE_GOLDEN=1 cargo test --test integration golden::`, then
//! read the diff.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::support::golden::assert_golden;
use crate::support::{args, command, run_blocking};

fn normalize(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    for line in xml.lines() {
        if line.trim_start().starts_with("date: ") {
            out.push_str("date: <date>\n");
            continue;
        }
        out.push_str(&mask_line(line));
        out.push('\n');
    }
    out
}

fn mask_line(line: &str) -> String {
    let mut s = line.to_string();
    for attr in ["time=\"", "timestamp=\""] {
        s = mask_after(&s, attr, |c| c != '"', "<t>");
    }
    s = mask_after(&s, "127.0.0.1:", |c| c.is_ascii_digit(), "<port>");
    s = mask_after(&s, "rollcall-404-", |c| c.is_ascii_hexdigit(), "<random>");
    s
}

/// Replaces the run of characters matching `keep` that follows each `marker`.
fn mask_after(text: &str, marker: &str, keep: impl Fn(char) -> bool, mask: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        let end = tail.find(|c: char| !keep(c)).unwrap_or(tail.len());
        out.push_str(mask);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn demo_junit_matches_golden_file_and_is_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("rollcall-demo.xml");
    let mut demo = command(args(&[
        "demo",
        "--quiet",
        "--junit",
        junit.to_str().unwrap(),
    ]));
    demo.env("NO_COLOR", "1");
    run_blocking(demo).assert_code(0);
    let xml = std::fs::read_to_string(&junit).unwrap();

    // Well-formed, and every operation exactly once in the one suite.
    let mut reader = Reader::from_str(&xml);
    let mut testcases = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == "testcase" => {
                let name = e
                    .try_get_attribute("name")
                    .unwrap()
                    .expect("every testcase has a name")
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned();
                testcases.push(name);
            }
            Ok(_) => {}
            Err(e) => panic!("malformed JUnit at {}: {e}", reader.error_position()),
        }
    }
    let mut expected: Vec<String> = rollcall::demo::EXPECTED
        .iter()
        .map(|(label, _)| label.to_string())
        .collect();
    expected.sort();
    testcases.sort();
    assert_eq!(testcases, expected);

    assert_golden("testdata/golden/demo.junit.xml", &normalize(&xml));
}
