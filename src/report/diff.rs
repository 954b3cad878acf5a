//! The release diff (`rollcall diff OLD NEW`, [`ContractDiff`]) as text,
//! JSON and Markdown.
//!
//! ```text
//! Petstore 1.0.0 (old.yaml) → Petstore 1.1.0 (new.yaml)
//!
//! Added (1):
//!   + PATCH  /pets/{petId}
//!
//! Removed (1):
//!   - DELETE /pets/{petId}
//!
//! Changed (1):
//!   ~ GET    /pets
//!       parameter added: query `status` (optional)
//!       security: none → bearerAuth
//!
//! 1 added, 1 removed, 1 changed, 4 unchanged
//! ```
//!
//! The Markdown form (for a pull-request comment) has a table per section;
//! the JSON form is [`ContractDiff`] itself. Names from the contract have
//! their control characters shown escaped in the text, and are escaped for
//! Markdown in the Markdown.

use std::fmt::Write as _;

use super::markdown::{code, escape, table_section};
use crate::contract::ParamLocation;
use crate::contract::diff::{Change, ContractDiff, OperationRef, SpecRef};
// Control characters (a hostile contract's ESC) shown escaped, never interpreted.
use crate::printable::escape_controls as clean;

/// `Petstore 1.1.0 (new.yaml)`.
fn described(spec: &SpecRef) -> String {
    format!("{} {} ({})", spec.title, spec.version, spec.path)
}

/// `2 added, 1 removed, 1 changed, 7 unchanged`.
fn summary_line(diff: &ContractDiff) -> String {
    format!(
        "{} added, {} removed, {} changed, {} unchanged",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len(),
        diff.unchanged
    )
}

/// The diff as text for a terminal (see the module example).
pub fn text(diff: &ContractDiff) -> String {
    let mut out = format!(
        "{} → {}\n",
        clean(&described(&diff.old)),
        clean(&described(&diff.new))
    );
    let width = diff
        .added
        .iter()
        .chain(&diff.removed)
        .chain(diff.changed.iter().map(|c| &c.operation))
        .map(|op| op.method.as_str().len())
        .max()
        .unwrap_or(0);
    let line = |out: &mut String, sign: char, op: &OperationRef| {
        let _ = writeln!(
            out,
            "  {sign} {:<width$} {}",
            op.method.as_str(),
            clean(&op.path)
        );
    };
    if !diff.added.is_empty() {
        let _ = writeln!(out, "\nAdded ({}):", diff.added.len());
        for op in &diff.added {
            line(&mut out, '+', op);
        }
    }
    if !diff.removed.is_empty() {
        let _ = writeln!(out, "\nRemoved ({}):", diff.removed.len());
        for op in &diff.removed {
            line(&mut out, '-', op);
        }
    }
    if !diff.changed.is_empty() {
        let _ = writeln!(out, "\nChanged ({}):", diff.changed.len());
        for changed in &diff.changed {
            line(&mut out, '~', &changed.operation);
            for change in &changed.changes {
                let _ = writeln!(out, "      {}", clean(&change.to_string()));
            }
        }
    }
    if diff.is_empty() {
        out.push_str("\nNo operation was added, removed or changed.\n");
    }
    let _ = writeln!(out, "\n{}", summary_line(diff));
    out
}

/// The diff as pretty JSON (this structure), ending with a newline.
pub fn json(diff: &ContractDiff) -> String {
    // Plain data with string keys: serializing cannot fail.
    let mut text = serde_json::to_string_pretty(diff).expect("a ContractDiff serializes");
    text.push('\n');
    text
}

/// The diff as Markdown, for a pull-request comment.
pub fn markdown(diff: &ContractDiff) -> String {
    let mut out = format!(
        "# Contract diff: {} → {}\n\n**{}**\n\n",
        escape(&described(&diff.old)),
        escape(&described(&diff.new)),
        summary_line(diff)
    );
    for (title, ops) in [("Added", &diff.added), ("Removed", &diff.removed)] {
        if ops.is_empty() {
            continue;
        }
        table_section(
            &mut out,
            title,
            &["Operation", "Operation id"],
            ops.iter().map(|op| {
                let id = op.operation_id.as_deref().map(code).unwrap_or_default();
                [code(&op.label()), id]
            }),
        );
    }
    if !diff.changed.is_empty() {
        table_section(
            &mut out,
            "Changed",
            &["Operation", "Change"],
            diff.changed.iter().flat_map(|changed| {
                changed
                    .changes
                    .iter()
                    .map(|change| [code(&changed.operation.label()), markdown_change(change)])
            }),
        );
    }
    if diff.is_empty() {
        out.push_str("No operation was added, removed or changed.\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// A change as a Markdown cell: names in code spans, the rest escaped.
fn markdown_change(change: &Change) -> String {
    let location = |l: &ParamLocation| l.as_str();
    match change {
        Change::ParameterAdded {
            location: l,
            name,
            required,
        } => format!(
            "parameter added: {} {} ({})",
            location(l),
            code(name),
            if *required { "required" } else { "optional" }
        ),
        Change::ParameterRemoved { location: l, name } => {
            format!("parameter removed: {} {}", location(l), code(name))
        }
        Change::ParameterRequired {
            location: l,
            name,
            required,
        } => format!(
            "parameter now {}: {} {}",
            if *required { "required" } else { "optional" },
            location(l),
            code(name)
        ),
        other => escape(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::diff::tests::shop_diff;
    use crate::report::testing::assert_contains;

    #[test]
    fn json_reads_back_and_names_change_kinds() {
        let diff = shop_diff();
        let text = json(&diff);
        let back: ContractDiff = serde_json::from_str(&text).expect("own JSON parses");
        assert_eq!(back, diff);
        assert_contains(&text, "\"kind\": \"media_type_added\"");
    }

    #[test]
    fn markdown_escapes_names_from_the_contract() {
        let mut diff = shop_diff();
        diff.changed[0].changes.push(Change::ParameterAdded {
            location: ParamLocation::Query,
            name: "a|b".into(),
            required: false,
        });
        let text = markdown(&diff);
        assert_contains(
            &text,
            "| `GET /items` | parameter added: query `a\\|b` (optional) |",
        );
    }
}
