//! The SARIF report (`--sarif`): flagged results as SARIF 2.1.0 results at
//! the line of the spec that declares the operation, for GitHub code
//! scanning (`github/codeql-action/upload-sarif`), which then shows them on
//! the contract in pull requests.
//!
//! ```json
//! {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
//!  "runs": [{"tool": {"driver": {"name": "rollcall", "rules": [{"id": "handler-501", ...}]}},
//!    "results": [{"ruleId": "handler-501", "level": "error",
//!      "message": {"text": "POST /pets [canary]: not_implemented: answered 501"},
//!      "locations": [{"physicalLocation": {"artifactLocation": {"uri": "specs/petstore.yaml"},
//!                                         "region": {"startLine": 40}}}],
//!      "partialFingerprints": {"rollcallResult/v1": "POST /pets|canary|handler-501"}}]}]}
//! ```
//!
//! Levels follow the gate, like the GitHub annotations
//! ([`super::github::annotations`] without the per-step limit): a result
//! that fails the run, an operation whose verdicts differ between targets
//! (rule `rollcall-parity`), and a target on which nothing was proven served
//! (rule `rollcall-nothing-served`, at the spec without a line) is an
//! `error`; a flagged result the gate
//! lets through (inconclusive, an open known gap, a verdict `--fail-on` does
//! not name) a `warning`; `skipped` results and passes are left out. The
//! file is the spec's (or the operation's own file's) workspace-relative
//! path; a spec read from a URL gives results without a location.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::report::{RunReport, Standing, TargetFailure, workspace, workspace_path};
use crate::verdict::{Rule, Verdict};

/// The rule id of a difference between targets.
pub const PARITY_RULE: &str = "rollcall-parity";

/// The report as SARIF 2.1.0 JSON, ending with a newline; paths relative to
/// [`workspace`].
pub fn render(report: &RunReport) -> String {
    render_in(report, workspace().as_deref())
}

/// [`render`] with paths relative to `workspace`.
pub fn render_in(report: &RunReport, workspace: Option<&Path>) -> String {
    let several = report.targets.len() > 1;
    let spec_file = workspace_path(&report.spec.path, workspace);
    let location = |own_file: Option<&str>, line: Option<u32>| -> Value {
        let uri = match own_file {
            Some(file) => workspace_path(file, workspace),
            None => spec_file.clone(),
        };
        let Some(uri) = uri else {
            return json!([]);
        };
        let mut physical = json!({"artifactLocation": {"uri": uri}});
        if let Some(line) = line {
            physical["region"] = json!({"startLine": line});
        }
        json!([{"physicalLocation": physical}])
    };
    // Rules in first-use order, so `ruleIndex` is stable for one report.
    let mut rule_ids: Vec<String> = Vec::new();
    let mut index_of = |id: &str| -> usize {
        match rule_ids.iter().position(|r| r == id) {
            Some(index) => index,
            None => {
                rule_ids.push(id.to_string());
                rule_ids.len() - 1
            }
        }
    };
    let mut results = Vec::new();
    for failure in report.target_failures() {
        results.push(json!({
            "ruleId": TargetFailure::RULE,
            "ruleIndex": index_of(TargetFailure::RULE),
            "level": "error",
            "message": {"text": failure.message},
            "locations": location(None, None),
            "partialFingerprints": {
                "rollcallResult/v1": format!("{}|{}", failure.target, TargetFailure::RULE)
            },
            "properties": {"target": failure.target},
        }));
    }
    if let Some(parity) = &report.parity {
        for difference in &parity.differences {
            let op = report
                .operations
                .iter()
                .find(|op| op.method == difference.method && op.path == difference.path);
            let file = op.and_then(|op| op.file.as_deref());
            results.push(json!({
                "ruleId": PARITY_RULE,
                "ruleIndex": index_of(PARITY_RULE),
                "level": "error",
                "message": {"text": format!(
                    "{}: verdicts differ between targets: {} (reference: {})",
                    difference.label(), difference.verdict_list(), parity.reference)},
                "locations": location(file, op.and_then(|op| op.line)),
                "partialFingerprints": {"rollcallResult/v1": format!("{}|parity", difference.label())},
            }));
        }
    }
    for (op, result) in report.flagged() {
        let level = match report.standing(result) {
            Standing::Pass => continue,
            Standing::Fails => "error",
            Standing::NotGated if result.verdict == Verdict::Skipped => continue,
            Standing::NotGated | Standing::KnownGap => "warning",
        };
        let subject = if several {
            format!("{} [{}]", op.label(), result.target)
        } else {
            op.label()
        };
        let mut text = format!("{subject}: {}: {}", result.verdict, result.evidence);
        if let Some(allowance) = &result.allowance {
            text.push_str(&format!(" ({})", allowance.message));
        }
        results.push(json!({
            "ruleId": result.rule,
            "ruleIndex": index_of(result.rule.as_str()),
            "level": level,
            "message": {"text": text},
            "locations": location(op.file.as_deref(), op.line),
            "partialFingerprints": {
                "rollcallResult/v1": format!("{}|{}|{}", op.label(), result.target, result.rule)
            },
            "properties": {"verdict": result.verdict, "target": result.target},
        }));
    }
    let rules: Vec<Value> = rule_ids.iter().map(|id| rule_descriptor(id)).collect();
    let mut properties = BTreeMap::new();
    properties.insert("spec", json!(report.spec.path));
    properties.insert("gate", json!(report.gate));
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rollcall",
                "semanticVersion": report.version,
                "informationUri": "https://github.com/rollcall-dev/rollcall",
                "rules": rules,
            }},
            "automationDetails": {"id": format!("rollcall/{}/", report.spec.title)},
            "invocations": [{
                "executionSuccessful": true,
                "startTimeUtc": report.started_at,
                "properties": {"conclusion": report.conclusion()},
            }],
            "results": results,
            "properties": properties,
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF is plain JSON");
    text.push('\n');
    text
}

/// A `reportingDescriptor` for rule `id`, from the verdict registry.
fn rule_descriptor(id: &str) -> Value {
    if id == PARITY_RULE {
        return json!({
            "id": PARITY_RULE,
            "name": "VerdictsDifferBetweenTargets",
            "shortDescription": {"text": "The operation's verdict differs between targets."},
            "help": {"text": "Deploy the same build to every target (or compare against the right --reference)."},
            "defaultConfiguration": {"level": "error"},
        });
    }
    if id == TargetFailure::RULE {
        return json!({
            "id": TargetFailure::RULE,
            "name": "NothingProvenServed",
            "shortDescription": {"text": "Nothing was proven served on the target."},
            "help": {"text": TargetFailure::HINT},
            "defaultConfiguration": {"level": "error"},
        });
    }
    match Rule::from_id(id) {
        Some(rule) => json!({
            "id": rule.id(),
            "shortDescription": {"text": rule.summary()},
            "help": {"text": rule.hint()},
            "defaultConfiguration": {"level": "error"},
            "properties": {"verdict": rule.verdict()},
        }),
        None => json!({"id": id}),
    }
}
