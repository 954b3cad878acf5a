//! The HTML report (`--html FILE`): one self-contained page, inline CSS and
//! JS, no network fetch (a Content-Security-Policy forbids any). Totals at the
//! top, then an operations × targets matrix colored by verdict, filters by
//! verdict, tag and target, and on click the evidence, rule and curl
//! reproduction of a cell. With two or more targets, the parity comparison:
//! rows whose verdicts differ are marked (`data-parity="differs"`), cells
//! that differ from the reference are marked `drift`, a filter keeps only the
//! differing rows, and the capability diff of each target against the
//! reference follows the matrix. A rollcall.toml note (a known gap and its
//! reason and date, an expected verdict) shows in its cell and its details.
//!
//! ```html
//! <header><h1>rollcall: Pet Store 1.2.0</h1><p class="conclusion fail">FAIL: ...</p> ...</header>
//! <table id="matrix" data-operations="9">
//!   <tr class="op" data-label="POST /pets">
//!     <td class="label"><code>POST /pets</code></td><td class="tags"><span class="tag" data-tag="pets">pets</span></td>
//!     <td class="cell v-not_implemented" data-target="canary" data-verdict="not_implemented">
//!       <button type="button" data-detail="d-2-1">not_implemented <small>501</small></button></td>
//! ...
//! <section id="d-2-1" class="detail">...evidence, rule, hint, curl, response...</section>
//! ```
//!
//! The matrix is rendered here, in Rust, with every piece of text HTML-escaped
//! (response bodies are hostile); the script only shows, hides and copies
//! existing nodes, never parses markup. Opening the page with `#selftest`
//! runs a built-in check (every row present, the filters, the parity marks,
//! the rollcall.toml notes, a detail panel, no script errors) and writes its
//! result into `#selftest-result`, which the headless-browser test in
//! `tests/html.rs` reads.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::report::{AllowanceKind, OperationReport, RunReport, TargetResult};
use crate::verdict::{Outcome, Verdict};

/// The report as one HTML document, ending with a newline.
pub fn render(report: &RunReport) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let title = format!("rollcall: {} {}", report.spec.title, report.spec.version);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    header(&mut out, report, &title);
    filters(&mut out, report);
    matrix(&mut out, report);
    parity(&mut out, report);
    out.push_str(
        "<aside id=\"detail\" hidden><button type=\"button\" id=\"detail-close\">Close</button>\
         <div id=\"detail-body\"></div></aside>\n",
    );
    details(&mut out, report);
    notes(&mut out, report);
    let _ = write!(
        out,
        "<pre id=\"selftest-result\" hidden></pre>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

fn header(out: &mut String, report: &RunReport, title: &str) {
    let class = if report.passed() { "pass" } else { "fail" };
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"conclusion {class}\">{}</p>",
        escape(title),
        escape(&report.conclusion())
    );
    if let (Some(line), Some(parity)) = (report.parity_line(), &report.parity) {
        let class = if parity.agrees() { "pass" } else { "fail" };
        let _ = writeln!(
            out,
            "<p id=\"parity-line\" class=\"conclusion {class}\">{}</p>",
            escape(&line)
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">Spec <code>{}</code> (OpenAPI {}), {} mode, rollcall {}, started {}, {} ms.</p>",
        escape(&report.spec.path),
        escape(&report.spec.openapi),
        report.mode,
        escape(&report.version),
        escape(&report.started_at),
        report.duration_ms
    );
    out.push_str("<ul class=\"totals\">");
    for (verdict, n) in report.verdict_counts() {
        let _ = write!(
            out,
            "<li class=\"{}\"><b>{n}</b> {verdict}</li>",
            classes(verdict)
        );
    }
    out.push_str("</ul>\n</header>\n");
}

fn filters(out: &mut String, report: &RunReport) {
    out.push_str("<form id=\"filters\">\n<fieldset id=\"filter-verdict\"><legend>Verdict</legend>");
    for (verdict, n) in report.verdict_counts() {
        let _ = write!(
            out,
            "<label class=\"{}\"><input type=\"checkbox\" name=\"verdict\" value=\"{verdict}\" checked> {verdict} ({n})</label>",
            classes(verdict)
        );
    }
    out.push_str(
        " <button type=\"button\" id=\"only-flagged\">Flagged only</button>\
         <button type=\"button\" id=\"show-all\">All</button></fieldset>\n",
    );
    out.push_str("<fieldset id=\"filter-target\"><legend>Target</legend>");
    for target in &report.targets {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"target\" value=\"{0}\" checked> {0}</label>",
            escape(&target.name)
        );
    }
    out.push_str("</fieldset>\n");
    if let Some(parity) = &report.parity {
        let _ = writeln!(
            out,
            "<fieldset id=\"filter-parity\"><legend>Parity</legend><label><input type=\"checkbox\" \
             id=\"only-differing\"> only operations whose verdicts differ between targets ({})</label></fieldset>",
            parity.differences.len()
        );
    }
    let tags: BTreeSet<&str> = report
        .operations
        .iter()
        .flat_map(|op| op.tags.iter().map(String::as_str))
        .collect();
    out.push_str(
        "<fieldset><legend>Tag</legend><select id=\"filter-tag\"><option value=\"\">all tags</option>",
    );
    for tag in tags {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", escape(tag));
    }
    out.push_str("</select></fieldset>\n<p id=\"shown\"></p>\n</form>\n");
}

/// The operations × targets table. With a parity comparison, the reference
/// target's column is labelled, a row whose verdicts differ between targets
/// has `data-parity="differs"`, and a cell whose verdict differs from the
/// reference's is marked `drift` (`≠`). A result with a rollcall.toml note
/// (a known gap, an expected verdict) says so in its cell.
fn matrix(out: &mut String, report: &RunReport) {
    let reference = report.parity.as_ref().map(|p| p.reference.as_str());
    let _ = write!(
        out,
        "<table id=\"matrix\" data-operations=\"{}\" data-reference=\"{}\">\n<thead><tr><th>Operation</th><th>Tags</th>",
        report.operations.len(),
        escape(reference.unwrap_or_default())
    );
    for target in &report.targets {
        let mark = if reference == Some(target.name.as_str()) {
            " <small class=\"reference\">reference</small>"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<th data-target=\"{0}\">{0}{mark}<br><small>{1}</small></th>",
            escape(&target.name),
            escape(&target.base_url)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (op_index, op) in report.operations.iter().enumerate() {
        let differs = report
            .parity
            .as_ref()
            .is_some_and(|p| p.difference(op.method, &op.path).is_some());
        let reference_verdict = reference
            .and_then(|name| op.results.iter().find(|r| r.target == name))
            .map(|r| r.verdict);
        let _ = write!(
            out,
            "<tr class=\"op\" data-label=\"{0}\"{1}><td class=\"label\"><code>{0}</code>",
            escape(&op.label()),
            if differs {
                " data-parity=\"differs\""
            } else {
                ""
            }
        );
        label_and_tags(out, op, differs);
        out.push_str("</td>");
        for (target_index, target) in report.targets.iter().enumerate() {
            match op.results.iter().find(|r| r.target == target.name) {
                Some(result) => {
                    let status = result
                        .status
                        .map(|s| format!(" <small>{s}</small>"))
                        .unwrap_or_default();
                    let drift = differs
                        && reference != Some(target.name.as_str())
                        && reference_verdict != Some(result.verdict);
                    let (drift_class, drift_mark) = match reference {
                        Some(name) if drift => (
                            " drift",
                            format!(
                                " <small class=\"drift-mark\" title=\"differs from {0}\">≠ {0}</small>",
                                escape(name)
                            ),
                        ),
                        _ => ("", String::new()),
                    };
                    let mut title = result.evidence.clone();
                    let mut allowance_attr = String::new();
                    let mut allowance_badge = String::new();
                    if let Some(allowance) = &result.allowance {
                        title = format!("{title} ({})", allowance.message);
                        allowance_attr =
                            format!(" data-allowance=\"{}\"", allowance_id(allowance.kind));
                        allowance_badge = format!(
                            " <small class=\"allowance\">{}</small>",
                            allowance_label(allowance.kind)
                        );
                    }
                    let _ = write!(
                        out,
                        "<td class=\"cell {3}{drift_class}\" data-target=\"{1}\" data-verdict=\"{0}\"{allowance_attr}>\
                         <button type=\"button\" data-detail=\"d-{op_index}-{target_index}\" \
                         title=\"{2}\">{0}{status}{drift_mark}{allowance_badge}</button></td>",
                        result.verdict,
                        escape(&target.name),
                        escape(&title),
                        classes(result.verdict)
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<td class=\"cell none\" data-target=\"{}\" data-verdict=\"\">no result</td>",
                        escape(&target.name)
                    );
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The rest of an operation's label cell (its operationId, where it is
/// declared, whether its verdicts differ), then its tags cell.
fn label_and_tags(out: &mut String, op: &OperationReport, differs: bool) {
    if let Some(id) = &op.operation_id {
        let _ = write!(out, " <small>{}</small>", escape(id));
    }
    match (&op.file, op.line) {
        (Some(file), Some(line)) => {
            let _ = write!(
                out,
                " <small class=\"line\">{} line {line}</small>",
                escape(file)
            );
        }
        (None, Some(line)) => {
            let _ = write!(out, " <small class=\"line\">line {line}</small>");
        }
        (_, None) => {}
    }
    if differs {
        out.push_str(" <span class=\"differs\">verdicts differ</span>");
    }
    out.push_str("</td><td class=\"tags\">");
    for tag in &op.tags {
        let _ = write!(
            out,
            "<span class=\"tag\" data-tag=\"{0}\">{0}</span> ",
            escape(tag)
        );
    }
}

/// The parity headline and, for each target other than the reference, the
/// unified diff of its capability listing against the reference's.
fn parity(out: &mut String, report: &RunReport) {
    let Some(parity) = &report.parity else {
        return;
    };
    let matrix = report.parity_matrix();
    let reference = matrix.position(&parity.reference).unwrap_or(0);
    let _ = writeln!(
        out,
        "<section id=\"parity\">\n<h2>Parity (reference: {})</h2>",
        escape(&parity.reference)
    );
    let _ = writeln!(
        out,
        "<p>A red bar marks an operation whose verdicts differ between targets; \
         ≠ marks a verdict that differs from the reference's. The parity filter \
         shows only those operations.</p>"
    );
    for (column, diff) in matrix.listing_diffs(reference) {
        let target = escape(&matrix.targets[column]);
        if diff.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"capability-same\" data-target=\"{target}\">{target}: the same verdicts as {}.</p>",
                escape(&parity.reference)
            );
            continue;
        }
        let _ = write!(
            out,
            "<details class=\"capability-diff\" data-target=\"{target}\" open>\
             <summary>Capability diff: {} → {target}</summary><pre class=\"diff\">",
            escape(&parity.reference)
        );
        for line in diff.lines() {
            let class = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => "add",
                Some('-') if !line.starts_with("---") => "del",
                Some('@') => "hunk",
                _ => "same",
            };
            let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
        }
        out.push_str("</pre></details>\n");
    }
    out.push_str("</section>\n");
}

/// The `data-allowance` value of a rollcall.toml note.
fn allowance_id(kind: AllowanceKind) -> &'static str {
    match kind {
        AllowanceKind::KnownGap => "known_gap",
        AllowanceKind::Expired => "expired",
        AllowanceKind::Fixed => "fixed",
        AllowanceKind::Expected => "expected",
        AllowanceKind::Unexpected => "unexpected",
    }
}

/// The badge a cell shows for a rollcall.toml note.
fn allowance_label(kind: AllowanceKind) -> &'static str {
    match kind {
        AllowanceKind::KnownGap => "known gap",
        AllowanceKind::Expired => "known gap expired",
        AllowanceKind::Fixed => "known gap fixed",
        AllowanceKind::Expected => "expected",
        AllowanceKind::Unexpected => "unexpected",
    }
}

/// What a rollcall.toml note does to the run, said after its message.
fn allowance_effect(result: &TargetResult) -> &'static str {
    match result.allowance.as_ref().map(|a| a.kind) {
        Some(AllowanceKind::KnownGap) if result.is_known_gap() => {
            "Listed in rollcall.toml's known gaps: this result does not fail the run."
        }
        Some(AllowanceKind::Expected) => {
            "Declared in rollcall.toml: this verdict counts as a pass."
        }
        Some(AllowanceKind::Expired) => "The known gap has expired: this result fails the run.",
        Some(AllowanceKind::Fixed) => "Served now: remove it from rollcall.toml's known gaps.",
        _ => "This result counts as usual.",
    }
}

/// One hidden section per result; the script copies it into the panel.
fn details(out: &mut String, report: &RunReport) {
    out.push_str("<div id=\"details\" hidden>\n");
    for (op_index, op) in report.operations.iter().enumerate() {
        for (target_index, target) in report.targets.iter().enumerate() {
            if let Some(result) = op.results.iter().find(|r| r.target == target.name) {
                detail(out, op, result, op_index, target_index);
            }
        }
    }
    out.push_str("</div>\n");
}

fn detail(
    out: &mut String,
    op: &OperationReport,
    result: &TargetResult,
    op_index: usize,
    target_index: usize,
) {
    let _ = write!(
        out,
        "<section id=\"d-{op_index}-{target_index}\" class=\"detail\">\
         <h2><code>{}</code> on {}: <span class=\"{}\">{}</span></h2>\
         <p class=\"evidence\">{}</p><p>Rule <code>{}</code>",
        escape(&op.label()),
        escape(&result.target),
        classes(result.verdict),
        result.verdict,
        escape(&result.evidence),
        escape(result.rule.as_str())
    );
    if let Some(rule) = result.rule.rule() {
        let _ = write!(out, ": {}", escape(rule.hint()));
    }
    out.push_str("</p>");
    if let Some(allowance) = &result.allowance {
        let _ = write!(
            out,
            "<p class=\"allowance\" data-allowance=\"{}\"><b>{}</b>. {}</p>",
            allowance_id(allowance.kind),
            escape(&allowance.message),
            allowance_effect(result)
        );
    }
    if result.request.is_some() || result.response.is_some() {
        let _ = write!(
            out,
            "<h3>Reproduce</h3><pre class=\"transcript\">{}</pre>",
            escape(&result.transcript())
        );
    }
    out.push_str("</section>\n");
}

fn notes(out: &mut String, report: &RunReport) {
    let any_discovery = report.targets.iter().any(|t| !t.discovery.is_empty());
    if !any_discovery && report.warnings.is_empty() {
        return;
    }
    out.push_str("<footer>\n");
    if any_discovery {
        out.push_str("<h2>Discovery</h2>\n<ul>");
        for target in &report.targets {
            for note in &target.discovery {
                let _ = write!(
                    out,
                    "<li><b>{}</b>: {}</li>",
                    escape(&target.name),
                    escape(note)
                );
            }
        }
        out.push_str("</ul>\n");
    }
    if !report.warnings.is_empty() {
        out.push_str("<h2>Contract warnings</h2>\n<ul>");
        for warning in &report.warnings {
            let _ = write!(out, "<li>{}</li>", escape(warning));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</footer>\n");
}

/// `v-<verdict> o-<outcome>`: the style follows the outcome, so a new
/// verdict is colored like the others of its kind.
fn classes(verdict: Verdict) -> String {
    let outcome = match verdict.outcome() {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
        Outcome::Inconclusive => "inconclusive",
    };
    format!("v-{verdict} o-{outcome}")
}

/// Text safe in HTML content and in double-quoted attributes. Control
/// characters other than tab and newline are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r##"
:root { --pass:#1a7f37; --fail:#cf222e; --error:#8250df; --inconclusive:#9a6700; --skip:#6e7781; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; }
header, form, footer { padding: 12px 20px; }
header { background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 20px; margin: 0 0 6px; }
.conclusion { font-weight: 700; font-size: 16px; margin: 4px 0; }
.conclusion.pass { color: var(--pass); } .conclusion.fail { color: var(--fail); }
.meta { color: #57606a; margin: 4px 0; }
.totals { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px; }
.totals li { padding: 2px 8px; border-radius: 10px; border: 1px solid currentColor; }
fieldset { display: inline-block; border: 1px solid #d0d7de; border-radius: 6px; margin: 0 8px 8px 0; }
fieldset label { margin-right: 10px; white-space: nowrap; }
#shown { color: #57606a; margin: 0; }
table { border-collapse: collapse; margin: 0 20px 20px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.cell button { all: unset; cursor: pointer; display: block; }
td.cell button:focus-visible { outline: 2px solid #0969da; }
.tag { background: #ddf4ff; border-radius: 8px; padding: 0 6px; font-size: 12px; }
.line { color: #57606a; }
.o-pass { color: var(--pass); } td.o-pass { background: #dafbe1; }
.o-fail { color: var(--fail); } td.o-fail { background: #ffebe9; }
.o-error { color: var(--error); } td.o-error { background: #fbefff; }
.o-inconclusive { color: var(--inconclusive); } td.o-inconclusive { background: #fff8c5; }
.v-skipped { color: var(--skip); } td.v-skipped { background: #f6f8fa; }
[hidden] { display: none !important; }
#detail { position: fixed; right: 0; top: 0; bottom: 0; width: min(640px, 95vw); overflow: auto; background: #fff;
  border-left: 1px solid #d0d7de; box-shadow: -4px 0 12px rgba(0,0,0,.12); padding: 12px 16px; }
#detail h2 { font-size: 16px; }
pre.transcript { background: #f6f8fa; padding: 8px; white-space: pre-wrap; word-break: break-all; }
.reference { background: #eaeef2; border-radius: 8px; padding: 0 6px; font-weight: 400; }
tr[data-parity=differs] td.label { box-shadow: inset 4px 0 0 var(--fail); }
.differs { color: var(--fail); font-size: 12px; font-weight: 600; }
td.drift { outline: 2px solid var(--fail); outline-offset: -2px; font-weight: 700; }
.drift-mark { font-weight: 400; }
.allowance { display: block; font-size: 12px; color: #57606a; font-style: italic; }
td[data-allowance=known_gap] { background-image: repeating-linear-gradient(135deg, transparent 0 6px, rgba(0,0,0,.05) 6px 12px); }
p.allowance { font-size: 14px; font-style: normal; color: #1f2328; background: #fff8c5; padding: 6px 8px; border-radius: 6px; }
#parity { padding: 0 20px 20px; }
#parity h2 { font-size: 16px; }
pre.diff { background: #f6f8fa; padding: 8px; }
pre.diff .add { color: var(--pass); } pre.diff .del { color: var(--fail); } pre.diff .hunk { color: #57606a; }
"##;

const SCRIPT: &str = r##"
"use strict";
(function () {
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("#matrix tbody tr.op"));
  function checked(name) {
    return Array.prototype.slice.call(document.querySelectorAll("#filters input[name=" + name + "]"))
      .filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  }
  function apply() {
    var verdicts = checked("verdict"), targets = checked("target");
    var tag = document.getElementById("filter-tag").value;
    var parityBox = document.getElementById("only-differing");
    var onlyDiffering = Boolean(parityBox && parityBox.checked);
    document.querySelectorAll("#matrix [data-target]").forEach(function (el) {
      el.hidden = targets.indexOf(el.getAttribute("data-target")) < 0;
    });
    var shown = 0;
    rows.forEach(function (row) {
      var tagOk = !tag || Array.prototype.some.call(row.querySelectorAll(".tag"), function (t) {
        return t.getAttribute("data-tag") === tag;
      });
      var verdictOk = Array.prototype.some.call(row.querySelectorAll("td.cell"), function (cell) {
        return !cell.hidden && verdicts.indexOf(cell.getAttribute("data-verdict")) >= 0;
      });
      var parityOk = !onlyDiffering || row.getAttribute("data-parity") === "differs";
      row.hidden = !(tagOk && verdictOk && parityOk);
      if (!row.hidden) { shown += 1; }
    });
    document.getElementById("shown").textContent = shown + " of " + rows.length + " operations shown";
  }
  function setVerdicts(test) {
    document.querySelectorAll("#filters input[name=verdict]").forEach(function (i) { i.checked = test(i.value); });
    apply();
  }
  function showDetail(id) {
    var source = document.getElementById(id);
    var body = document.getElementById("detail-body");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (source) { body.appendChild(source.cloneNode(true)); }
    document.getElementById("detail").hidden = false;
  }
  document.getElementById("filters").addEventListener("change", apply);
  document.getElementById("only-flagged").addEventListener("click", function () {
    setVerdicts(function (v) { return v !== "implemented"; });
  });
  document.getElementById("show-all").addEventListener("click", function () {
    var parityBox = document.getElementById("only-differing");
    if (parityBox) { parityBox.checked = false; }
    setVerdicts(function () { return true; });
  });
  document.getElementById("detail-close").addEventListener("click", function () {
    document.getElementById("detail").hidden = true;
  });
  document.getElementById("matrix").addEventListener("click", function (e) {
    var button = e.target.closest("button[data-detail]");
    if (button) { showDetail(button.getAttribute("data-detail")); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { document.getElementById("detail").hidden = true; }
  });
  apply();

  function visibleLabels() {
    return rows.filter(function (r) { return !r.hidden; }).map(function (r) { return r.getAttribute("data-label"); });
  }
  function selftest() {
    var result = { errors: errors, rows: rows.map(function (r) { return r.getAttribute("data-label"); }),
      declared: Number(document.getElementById("matrix").getAttribute("data-operations")),
      injected: document.querySelectorAll("body img, body iframe, body object, script").length - 1 };
    try {
      var inputs = Array.prototype.slice.call(document.querySelectorAll("#filters input[name=verdict]"));
      var pick = inputs.map(function (i) { return i.value; }).filter(function (v) { return v !== "implemented"; })[0];
      if (pick) {
        setVerdicts(function (v) { return v === pick; });
        result.verdict_filter = { verdict: pick, visible: visibleLabels() };
        setVerdicts(function () { return true; });
      }
      var tagSelect = document.getElementById("filter-tag");
      if (tagSelect.options.length > 1) {
        tagSelect.value = tagSelect.options[1].value;
        apply();
        result.tag_filter = { tag: tagSelect.value, visible: visibleLabels() };
        tagSelect.value = "";
        apply();
      }
      var targetBoxes = document.querySelectorAll("#filters input[name=target]");
      if (targetBoxes.length > 0) {
        targetBoxes[0].checked = false;
        apply();
        result.target_filter = { hidden: targetBoxes[0].value,
          visible_cells: document.querySelectorAll("#matrix td.cell:not([hidden])").length };
        targetBoxes[0].checked = true;
        apply();
      }
      var parityBox = document.getElementById("only-differing");
      if (parityBox) {
        result.parity = { reference: document.getElementById("matrix").getAttribute("data-reference"),
          marked: rows.filter(function (r) { return r.getAttribute("data-parity") === "differs"; })
            .map(function (r) { return r.getAttribute("data-label"); }),
          drift_cells: document.querySelectorAll("#matrix td.cell.drift").length,
          diffs: Array.prototype.map.call(document.querySelectorAll("#parity details.capability-diff"), function (d) {
            return { target: d.getAttribute("data-target"), text: d.querySelector("pre").textContent };
          }) };
        parityBox.checked = true;
        apply();
        result.parity.filtered = visibleLabels();
        parityBox.checked = false;
        apply();
        result.parity.unfiltered = visibleLabels().length;
      }
      result.allowances = Array.prototype.map.call(document.querySelectorAll("#matrix td.cell[data-allowance]"), function (cell) {
        var button = cell.querySelector("button[data-detail]");
        button.click();
        return { label: cell.parentNode.getAttribute("data-label"), target: cell.getAttribute("data-target"),
          allowance: cell.getAttribute("data-allowance"), cell: cell.textContent,
          detail: document.getElementById("detail-body").textContent };
      });
      var flagged = document.querySelector("#matrix td.cell:not(.o-pass) button[data-detail]");
      if (flagged) {
        flagged.click();
        result.detail = { id: flagged.getAttribute("data-detail"),
          open: !document.getElementById("detail").hidden,
          text: document.getElementById("detail-body").textContent };
      }
    } catch (e) {
      errors.push(String(e && e.message || e));
    }
    result.errors = errors;
    var out = document.getElementById("selftest-result");
    out.textContent = JSON.stringify(result);
    out.hidden = false;
  }
  if (location.hash === "#selftest") { selftest(); }
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{assert_contains, fixture, fixture_with_parity as with_parity};

    #[test]
    fn page_is_self_contained() {
        let page = render(&fixture());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("Content-Security-Policy"));
        for fetch in [
            "<link",
            "src=",
            "@import",
            "url(",
            "fetch(",
            "XMLHttpRequest",
        ] {
            assert!(!page.contains(fetch), "page fetches with {fetch}");
        }
    }

    #[test]
    fn matrix_has_a_row_per_operation_and_a_cell_per_target() {
        let report = fixture();
        let page = render(&report);
        assert_eq!(
            page.matches("<tr class=\"op\"").count(),
            report.operations.len()
        );
        assert_eq!(
            page.matches("<td class=\"cell ").count(),
            report.operations.len() * report.targets.len()
        );
        assert!(page.contains(
            "<td class=\"cell v-not_implemented o-fail\" data-target=\"canary\" data-verdict=\"not_implemented\">"
        ));
    }

    #[test]
    fn totals_and_conclusion_are_at_the_top() {
        let report = fixture();
        let page = render(&report);
        let conclusion = page
            .find(&escape(&report.conclusion()))
            .expect("conclusion");
        let totals = page.find("<ul class=\"totals\">").expect("totals");
        let matrix = page.find("<table id=\"matrix\"").expect("matrix");
        assert!(conclusion < matrix && totals < matrix);
        assert!(page.contains("<li class=\"v-implemented o-pass\"><b>6</b> implemented</li>"));
    }

    #[test]
    fn hostile_response_text_is_escaped_everywhere() {
        let mut report = fixture();
        let hostile = "</pre></script><script>alert(1)</script><img src=x onerror=alert(2)> \"quoted\" 'single'";
        let result = &mut report.operations[2].results[1];
        result.evidence = hostile.into();
        if let Some(response) = &mut result.response {
            response.body = hostile.into();
        }
        report.operations[2].tags = vec![hostile.into()];
        report.targets[0].discovery = vec![hostile.into()];
        let page = render(&report);
        assert_eq!(page.matches("<script>").count(), 1, "only our own script");
        assert!(!page.contains("<img"));
        assert!(!page.contains("onerror=alert(2)>"));
        assert!(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&quot;quoted&quot; &#39;single&#39;"));
    }

    #[test]
    fn detail_of_a_flagged_result_holds_evidence_rule_and_curl() {
        let report = fixture();
        let page = render(&report);
        let start = page
            .find("<section id=\"d-2-1\"")
            .expect("detail of POST /pets on canary");
        let section = &page[start..start + page[start..].find("</section>").expect("closed")];
        assert_contains(section, "answered 501");
        assert_contains(section, "curl -sS -X POST");
        assert_contains(section, "HTTP 501 Not Implemented");
    }

    #[test]
    fn without_parity_there_is_no_parity_filter_or_section() {
        let page = render(&fixture());
        assert!(!page.contains("id=\"only-differing\""));
        assert!(!page.contains("<section id=\"parity\">"));
        assert!(!page.contains("data-parity=\"differs\""));
    }

    #[test]
    fn parity_marks_differing_rows_names_the_reference_and_diffs_each_target() {
        let report = with_parity();
        let page = render(&report);
        let parity = report.parity.as_ref().expect("parity");
        assert_eq!(
            page.matches("data-parity=\"differs\"").count(),
            parity.differences.len()
        );
        assert!(
            page.contains("<tr class=\"op\" data-label=\"POST /pets\" data-parity=\"differs\">")
        );
        assert!(page.contains("<tr class=\"op\" data-label=\"GET /health\">"));
        assert!(page.contains(
            "<th data-target=\"stable\">stable <small class=\"reference\">reference</small>"
        ));
        assert!(page.contains("id=\"only-differing\""));
        assert!(page.contains(&escape(&report.parity_line().expect("line"))));
        // POST /pets: canary's not_implemented differs from stable's implemented.
        assert!(
            page.contains(
                "<td class=\"cell v-not_implemented o-fail drift\" data-target=\"canary\""
            )
        );
        let section = &page[page
            .find("<section id=\"parity\">")
            .expect("parity section")..];
        assert_contains(section, "Capability diff: stable → canary");
        assert_contains(section, "<span class=\"add\">+POST /pets");
    }

    #[test]
    fn a_known_gap_shows_its_reason_and_that_it_does_not_fail_the_run() {
        use crate::report::{Allowance, AllowanceKind};
        let mut report = fixture();
        report.operations[2].results[1].allowance = Some(Allowance {
            kind: AllowanceKind::KnownGap,
            message: "known gap: ships in 2.4, until 2099-01-31".into(),
        });
        let page = render(&report);
        assert!(page.contains(
            "<td class=\"cell v-not_implemented o-fail\" data-target=\"canary\" \
             data-verdict=\"not_implemented\" data-allowance=\"known_gap\">"
        ));
        assert!(page.contains("<small class=\"allowance\">known gap</small>"));
        let start = page.find("<section id=\"d-2-1\"").expect("detail");
        let section = &page[start..start + page[start..].find("</section>").expect("closed")];
        assert_contains(
            section,
            "<b>known gap: ships in 2.4, until 2099-01-31</b>. Listed in rollcall.toml",
        );
        assert_contains(section, "does not fail the run");
    }

    #[test]
    fn filters_offer_each_verdict_tag_and_target_present() {
        let page = render(&fixture());
        assert!(page.contains("value=\"missing_route\" checked"));
        assert!(page.contains("<option value=\"owners\">owners</option>"));
        assert!(page.contains("name=\"target\" value=\"canary\" checked"));
    }
}
