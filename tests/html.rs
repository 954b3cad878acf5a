//! The HTML report in a real headless browser (Debian's `chromium`): the
//! report of a real run against the demo service is opened with `#selftest`,
//! which makes the page check itself (every operation row, a verdict filter,
//! a tag filter, a target filter, the detail panel, script errors) and write
//! the result into `#selftest-result`; `--dump-dom` hands us the page after
//! its scripts ran. A screenshot for the docs is written to
//! `target/rollcall-html-report.png`. A second run, against two builds of a
//! service that disagree, checks the parity marks, the parity filter, the
//! capability diff and a known gap's note in the browser.
//!
//! Without chromium the browser tests print a loud SKIP, unless `CI` is set
//! (then they fail: `.ci/run` installs chromium).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::rollout;
use crate::support::{check_demo_args, read_report, repo, rollcall, skip, succeeded};
use rollcall::demo;
use rollcall::report::{OperationReport, RunReport};
use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let from_env = std::env::var_os("ROLLCALL_CHROMIUM").map(PathBuf::from);
    from_env
        .into_iter()
        .chain(candidates.iter().flat_map(|name| {
            std::env::var_os("PATH")
                .map(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }))
        .find(|path| path.is_file())
}

/// The browser, or `None` after a loud skip message (a failure under CI).
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(path) => Some(path),
        None => {
            skip(
                test,
                "chromium is not installed (apt-get install -y chromium)",
            );
            None
        }
    }
}

/// Runs headless chromium on `page` and returns what it printed on stdout.
fn headless(browser: &Path, profile: &Path, extra: &[&str], url: &str) -> String {
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url);
    let output = succeeded(&mut command, "chromium");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes a 1280×900 screenshot of `page` to `path` (relative to the repo).
fn screenshot(browser: &Path, dir: &Path, page: &Path, path: &str) {
    let screenshot = repo(path);
    headless(
        browser,
        &dir.join("profile-shot"),
        &[
            "--hide-scrollbars",
            "--window-size=1280,900",
            &format!("--screenshot={}", screenshot.display()),
        ],
        &file_url(page),
    );
    assert!(screenshot.is_file(), "screenshot written");
}

/// Opens `page` with `#selftest` (a browser profile in `dir`): the DOM after
/// its scripts ran, and the result its self-test wrote.
fn selftest(browser: &Path, dir: &Path, page: &Path) -> (String, Value) {
    let dom = headless(
        browser,
        &dir.join("profile"),
        &["--dump-dom"],
        &format!("{}#selftest", file_url(page)),
    );
    let result = selftest_result(&dom);
    (dom, result)
}

/// The JSON the page's self-test wrote, from the dumped DOM.
fn selftest_result(dom: &str) -> Value {
    let start = dom
        .find("<pre id=\"selftest-result\">")
        .unwrap_or_else(|| panic!("no visible selftest result in the DOM:\n{dom}"));
    let rest = &dom[start + "<pre id=\"selftest-result\">".len()..];
    let text = &rest[..rest.find("</pre>").expect("closed")];
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("selftest result is not JSON ({e}): {text}"))
}

/// `METHOD /path` of the operations of `report` that `keep` keeps, in order.
fn labels_where(report: &RunReport, keep: impl Fn(&OperationReport) -> bool) -> Vec<String> {
    report
        .operations
        .iter()
        .filter(|op| keep(op))
        .map(|op| op.label())
        .collect()
}

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path)
        .expect("absolute path")
        .to_string()
}

/// Runs `rollcall` with the arguments `check_args` builds around the extra
/// ones it is given (`--html` and `--json` into `dir`), expecting exit 1:
/// the page and the JSON report of that run.
async fn run_with_reports(
    dir: &Path,
    check_args: impl FnOnce(&[&str]) -> Vec<String>,
) -> (PathBuf, RunReport) {
    let html = dir.join("rollcall.html");
    let json = dir.join("rollcall.json");
    let run = rollcall(
        check_args(&[
            "--html",
            &html.display().to_string(),
            "--json",
            &json.display().to_string(),
        ]),
        vec![],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = read_report(&json);
    (html, report)
}

/// A real run against the demo service: its HTML and JSON reports.
async fn demo_reports(dir: &Path) -> (PathBuf, RunReport) {
    let service = demo::Server::start().await.expect("demo service");
    let reports = run_with_reports(dir, |extra| check_demo_args(&service, extra)).await;
    service.stop().await;
    reports
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {value}"))
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

#[tokio::test]
async fn html_report_works_in_a_headless_browser() {
    let Some(browser) = browser_or_skip("html_report_works_in_a_headless_browser") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (html, report) = demo_reports(dir.path()).await;
    let (_, result) = selftest(&browser, dir.path(), &html);

    assert_eq!(
        strings(&result["errors"]),
        Vec::<String>::new(),
        "script errors"
    );
    let labels = labels_where(&report, |_| true);
    assert_eq!(strings(&result["rows"]), labels, "every operation is a row");
    assert_eq!(result["declared"], labels.len());
    assert_eq!(result["injected"], 0);

    // The page filtered on the first flagged verdict: exactly the operations
    // with that verdict on some target remain.
    let verdict = result["verdict_filter"]["verdict"]
        .as_str()
        .expect("a verdict filter ran");
    let expected = labels_where(&report, |op| {
        op.results.iter().any(|r| r.verdict.as_str() == verdict)
    });
    assert!(!expected.is_empty());
    assert_eq!(strings(&result["verdict_filter"]["visible"]), expected);

    let tag = result["tag_filter"]["tag"]
        .as_str()
        .expect("a tag filter ran");
    let expected = labels_where(&report, |op| op.tags.iter().any(|t| t == tag));
    assert_eq!(strings(&result["tag_filter"]["visible"]), expected);

    // One target: hiding it hides every cell.
    assert_eq!(result["target_filter"]["hidden"], "demo");
    assert_eq!(result["target_filter"]["visible_cells"], 0);

    assert_eq!(result["detail"]["open"], true);
    let detail = result["detail"]["text"].as_str().expect("detail text");
    assert!(detail.contains("curl -sS"), "{detail}");
    assert!(detail.contains("Rule"), "{detail}");

    // A screenshot for the docs (docs/html-report.md shows where it comes from).
    screenshot(
        &browser,
        dir.path(),
        &html,
        "target/rollcall-html-report.png",
    );
}

#[tokio::test]
async fn hostile_response_bodies_stay_text_in_the_browser() {
    let Some(browser) = browser_or_skip("hostile_response_bodies_stay_text_in_the_browser") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, mut report) = demo_reports(dir.path()).await;
    let hostile = "</pre></script><script>document.title='pwned'</script>\
                   <img src=x onerror=\"document.title='pwned'\"><iframe src=\"https://example.com\"></iframe>";
    for result in report.operations.iter_mut().flat_map(|op| &mut op.results) {
        result.evidence = format!("{} {hostile}", result.evidence);
        if let Some(response) = &mut result.response {
            response.body = hostile.to_string();
        }
    }
    report.operations[0].tags.push(hostile.to_string());
    let page = dir.path().join("hostile.html");
    std::fs::write(&page, rollcall::report::html::render(&report)).expect("write");
    let (dom, result) = selftest(&browser, dir.path(), &page);
    assert_eq!(strings(&result["errors"]), Vec::<String>::new());
    assert_eq!(
        result["injected"], 0,
        "no element came from a response body"
    );
    assert!(!dom.contains("<title>pwned"), "an injected script ran");
    assert_eq!(strings(&result["rows"]).len(), report.operations.len());
}

/// Two targets that disagree, with a known gap in rollcall.toml: the page
/// marks the differing rows and cells, its parity filter keeps exactly those
/// rows, it names the reference and shows the capability diff, and the known
/// gap says why its red verdict did not fail the run.
#[tokio::test]
async fn parity_marks_filter_and_known_gaps_work_in_a_headless_browser() {
    let Some(browser) =
        browser_or_skip("parity_marks_filter_and_known_gaps_work_in_a_headless_browser")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let rollout = rollout::Rollout::start(dir.path()).await;
    let config = dir.path().join("rollcall.toml");
    std::fs::write(
        &config,
        format!(
            "[[known_gaps]]\noperation = {:?}\nreason = \"reports ship in 1.6\"\nuntil = \"2099-12-31\"\n",
            rollout::SHARED_GAP
        ),
    )
    .expect("write config");
    let config = config.display().to_string();
    // Exit 1: the targets differ.
    let (html, report) = run_with_reports(dir.path(), |extra| {
        rollout.check_args(&[&["--config", config.as_str()], extra].concat())
    })
    .await;
    let differing: Vec<String> = report
        .parity
        .as_ref()
        .expect("parity with two targets")
        .differences
        .iter()
        .map(|d| d.label())
        .collect();
    assert_eq!(differing, rollout::DIFFERING);

    let (_, result) = selftest(&browser, dir.path(), &html);
    assert_eq!(
        strings(&result["errors"]),
        Vec::<String>::new(),
        "script errors"
    );
    let parity = &result["parity"];
    assert_eq!(parity["reference"], "stable");
    assert_eq!(strings(&parity["marked"]), differing, "marked rows");
    assert_eq!(strings(&parity["filtered"]), differing, "parity filter");
    assert_eq!(
        parity["unfiltered"],
        report.operations.len(),
        "filter undone"
    );
    assert_eq!(
        parity["drift_cells"],
        differing.len(),
        "one canary cell each"
    );
    let diffs = parity["diffs"].as_array().expect("capability diffs");
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(diffs[0]["target"], "canary");
    let diff = diffs[0]["text"].as_str().expect("diff text");
    for line in [
        "--- stable",
        "+++ canary",
        "-PATCH /invoices/{id}",
        "+PATCH /invoices/{id}",
    ] {
        assert!(
            diff.lines().any(|l| l.starts_with(line)),
            "{line} in\n{diff}"
        );
    }

    let allowances = result["allowances"].as_array().expect("allowances");
    let targets: Vec<&str> = allowances
        .iter()
        .map(|a| a["target"].as_str().expect("target"))
        .collect();
    assert_eq!(targets, ["stable", "canary"], "{allowances:?}");
    for allowance in allowances {
        assert_eq!(allowance["label"], rollout::SHARED_GAP);
        assert_eq!(allowance["allowance"], "known_gap");
        let cell = allowance["cell"].as_str().expect("cell text");
        assert!(cell.starts_with("not_implemented 501"), "{cell}");
        assert!(cell.contains("known gap"), "{cell}");
        let detail = allowance["detail"].as_str().expect("detail text");
        assert!(
            detail.contains("known gap: reports ship in 1.6, until 2099-12-31"),
            "{detail}"
        );
        assert!(detail.contains("does not fail the run"), "{detail}");
    }

    screenshot(
        &browser,
        dir.path(),
        &html,
        "target/rollcall-html-parity.png",
    );
}
