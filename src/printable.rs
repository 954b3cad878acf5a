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

/// One line: newlines and tabs become spaces, every other control character
/// is shown escaped (`\u{1b}`).
pub fn line(text: &str) -> String {
    clean(text, |c| matches!(c, '\n' | '\r' | '\t').then_some(' '))
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
    for c in text.chars() {
        match replace(c) {
            Some(replacement) => out.push(replacement),
            None if c.is_control() => out.extend(c.escape_default()),
            None => out.push(c),
        }
    }
    out
}

/// `text` followed by spaces up to `width` characters; text at least that
/// long is returned as it is. Unlike `format!("{:<width$}")`, which panics
/// past 65,535, any width works (a contract may declare a path that long).
pub fn pad(text: &str, width: usize) -> String {
    let length = text.chars().count();
    let mut out = String::with_capacity(text.len() + width.saturating_sub(length));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(length)));
    out
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
        assert_eq!(column_width([3, 70_000, 9], 48), 9);
        assert_eq!(column_width([70_000], 48), 0);
    }
}
