//! Text from outside (a contract, a server's answer, a URL) made safe to
//! print: the one control-character cleaner, and column padding that never
//! panics, whatever the width.
//!
//! ```text
//! "GET /a\x1b[31m\n::warning::x"   line()             →  GET /a\u{1b}[31m ::warning::x
//! "a\nb\x07"                       escape_controls()  →  a\nb\u{7}
//! "a\nb\x07"                       lines()            →  a
//!                                                        b\u{7}
//! ```
//!
//! A control character (C0, DEL, C1: ESC above all) is never sent to a
//! terminal or a log as it is: it is shown as its Rust escape, so a hostile
//! contract or response cannot move the cursor, recolor the terminal, set a
//! window title or ring the bell. Format-specific escaping (Markdown, HTML,
//! XML, GitHub workflow commands) lives with each format and runs on top.

use std::fmt::Write as _;

/// One line: newlines and tabs become spaces, every other control character
/// is shown escaped (`\u{1b}`).
pub fn line(text: &str) -> String {
    clean(text, one_line)
}

/// [`line`] as a value to format, written without a copy of its own (a listing writes
/// tens of thousands of them).
pub struct Line<'a>(pub &'a str);

impl std::fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_clean(f, self.0, one_line)
    }
}

fn one_line(c: char) -> Option<char> {
    matches!(c, '\n' | '\r' | '\t').then_some(' ')
}

/// Every control character shown escaped, newlines too (`\n`): a body
/// excerpt or a contract string stays on its line and shows what it holds.
pub fn escape_controls(text: &str) -> String {
    clean(text, |_| None)
}

/// Several lines: newlines are kept, every other control character is shown
/// escaped (a carriage return too, which would let a line overwrite itself).
pub fn lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&escape_controls(part));
    }
    out
}

fn clean(text: &str, replace: impl Fn(char) -> Option<char>) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    write_clean(&mut out, text, replace).expect("writing to a String cannot fail");
    out
}

/// `text` written to `out` with each control character replaced (`replace`) or escaped,
/// the runs between them as they are.
fn write_clean(
    out: &mut impl std::fmt::Write,
    text: &str,
    replace: impl Fn(char) -> Option<char>,
) -> std::fmt::Result {
    let mut rest = text;
    while let Some((at, c)) = rest.char_indices().find(|(_, c)| c.is_control()) {
        out.write_str(&rest[..at])?;
        match replace(c) {
            Some(replacement) => out.write_char(replacement)?,
            None => out.write_fmt(format_args!("{}", c.escape_default()))?,
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.write_str(rest)
}

/// `text` followed by spaces up to `width` characters; text at least that
/// long is returned as it is. Unlike `format!("{:<width$}")`, which panics
/// past 65,535, any width works (a contract may declare a path that long).
pub fn pad(text: &str, width: usize) -> String {
    Padded(text, width).to_string()
}

/// [`pad`] as a value to format, written without a copy of its own.
pub struct Padded<'a>(pub &'a str, pub usize);

impl std::fmt::Display for Padded<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Padded(text, width) = *self;
        f.write_str(text)?;
        for _ in text.chars().count()..width {
            f.write_char(' ')?;
        }
        Ok(())
    }
}

/// The widest of `widths` that is at most `limit`: the width a column is
/// padded to, so that one very long cell does not pad every other line.
pub fn column_width(widths: impl IntoIterator<Item = usize>, limit: usize) -> usize {
    widths
        .into_iter()
        .filter(|w| *w <= limit)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_turns_breaks_into_spaces_and_escapes_the_rest() {
        assert_eq!(
            line("GET /a\u{1b}[31m\n::warning::x\u{7}\u{9b}"),
            r"GET /a\u{1b}[31m ::warning::x\u{7}\u{9b}"
        );
        assert_eq!(line("plain – text"), "plain – text");
        assert_eq!(
            Line("a\u{1b}\tb\u{7f}").to_string(),
            line("a\u{1b}\tb\u{7f}")
        );
    }

    #[test]
    fn escape_controls_escapes_newlines_too() {
        assert_eq!(escape_controls("a\nb\r\u{0}"), r"a\nb\r\u{0}");
    }

    #[test]
    fn lines_keeps_newlines_only() {
        assert_eq!(
            lines("a\r\nb\u{1b}]0;t\u{7}\n"),
            "a\\r\nb\\u{1b}]0;t\\u{7}\n"
        );
    }

    #[test]
    fn padding_works_past_the_formatting_limit() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abcdef");
        assert_eq!(pad("", 70_000).len(), 70_000);
        assert_eq!(format!("{}|", Padded("é", 3)), "é  |");
        assert_eq!(column_width([3, 70_000, 9], 48), 9);
        assert_eq!(column_width([70_000], 48), 0);
    }
}
