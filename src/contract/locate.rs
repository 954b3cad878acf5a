//! Where nodes sit in the source text: one pass over the spec answers "which line and
//! column holds `/paths/~1pets/get`?" for every pointer asked at once. A member's position is
//! that of its key (the `get:` of an operation), an array item's and the root's that of the
//! value itself. Lines and columns are 1-based, columns counted in characters.
//!
//! The pointers asked for form a trie; the pass descends only into subtrees that lead to one
//! of them. JSON uses a byte scanner that skips everything else without building values (the
//! text was already validated by the real parser); YAML uses saphyr-parser's events, since
//! block YAML cannot be skipped by brackets. Capturing a scalar's source text (`1.10` where
//! the parsed value says `1.1`) rides on the same pass.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span};

use super::pointer;

/// The text format of a spec or of a file its `$ref`s name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

impl Format {
    pub(crate) fn detect(text: &str) -> Format {
        match text.trim_start().as_bytes().first() {
            Some(b'{') => Format::Json,
            _ => Format::Yaml,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// `n` as a line or column number, `u32::MAX` past it.
pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub line: u32,
    pub column: u32,
}

/// The answers of one pass.
#[derive(Debug)]
pub(crate) struct Located {
    trie: Trie,
    /// The trie node of each pointer asked for, in the order asked.
    asked: Vec<usize>,
    positions: Vec<Option<Position>>,
    scalars: Vec<Option<String>>,
}

impl Located {
    /// The position of the `index`-th pointer asked for.
    pub(crate) fn position(&self, index: usize) -> Option<Position> {
        self.positions[*self.asked.get(index)?]
    }

    /// The position of the `index`-th pointer asked for, else of its nearest ancestor found
    /// in the text (a node that exists only after YAML merge keys, say, is reported where its
    /// parent is). A node is only ever found inside its parent, so the first one found on
    /// the way up is the deepest found on the way down.
    pub(crate) fn nearest(&self, index: usize) -> Option<Position> {
        let mut node = *self.asked.get(index)?;
        loop {
            if let Some(found) = self.positions[node] {
                return Some(found);
            }
            if node == Trie::ROOT {
                return None;
            }
            node = self.trie.nodes[node].parent;
        }
    }

    /// The source text of a scalar asked for with `scalars` (quotes removed).
    pub(crate) fn scalar(&self, pointer: &str) -> Option<&str> {
        self.trie
            .find(pointer)
            .and_then(|node| self.scalars.get(node)?.as_deref())
    }
}

/// One pass over `text`, answering positions of `pointers` and source text of `scalars`.
/// Pointers that do not exist in the text simply have no answer.
pub(crate) fn locate(text: &str, format: Format, pointers: &[&str], scalars: &[&str]) -> Located {
    let mut trie = Trie::default();
    let asked = pointers
        .iter()
        .map(|pointer| trie.insert(pointer))
        .collect();
    for pointer in scalars {
        let node = trie.insert(pointer);
        trie.nodes[node].want_scalar = true;
    }
    let mut answers = Answers {
        positions: vec![None; trie.nodes.len()],
        scalars: vec![None; trie.nodes.len()],
    };
    match format {
        Format::Json => JsonScanner::new(text, &trie, &mut answers).scan(),
        Format::Yaml => scan_yaml(text, &trie, &mut answers),
    }
    Located {
        trie,
        asked,
        positions: answers.positions,
        scalars: answers.scalars,
    }
}

#[derive(Debug)]
struct Trie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default)]
struct TrieNode {
    parent: usize,
    children: HashMap<String, usize>,
    want_scalar: bool,
}

impl Default for Trie {
    fn default() -> Self {
        Trie {
            nodes: vec![TrieNode::default()],
        }
    }
}

impl Trie {
    const ROOT: usize = 0;

    fn insert(&mut self, pointer: &str) -> usize {
        let mut node = Trie::ROOT;
        for segment in pointer::segments(pointer) {
            node = match self.nodes[node].children.get(segment.as_ref()) {
                Some(&child) => child,
                None => {
                    let child = self.nodes.len();
                    self.nodes.push(TrieNode {
                        parent: node,
                        ..TrieNode::default()
                    });
                    self.nodes[node]
                        .children
                        .insert(segment.into_owned(), child);
                    child
                }
            };
        }
        node
    }

    fn find(&self, pointer: &str) -> Option<usize> {
        pointer::segments(pointer).try_fold(Trie::ROOT, |node, segment| {
            self.nodes[node].children.get(segment.as_ref()).copied()
        })
    }

    fn child(&self, node: usize, key: &str) -> Option<usize> {
        self.nodes[node].children.get(key).copied()
    }

    fn is_leaf(&self, node: usize) -> bool {
        self.nodes[node].children.is_empty()
    }
}

struct Answers {
    positions: Vec<Option<Position>>,
    scalars: Vec<Option<String>>,
}

struct JsonScanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    trie: &'a Trie,
    answers: &'a mut Answers,
    /// Byte offsets of the answers, turned into lines and columns after the scan so the
    /// skipping loops need not count lines.
    offsets: Vec<(usize, usize)>,
    /// Trie nodes not met yet; at zero the rest of the text is not looked at.
    unfound: usize,
}

impl<'a> JsonScanner<'a> {
    fn new(text: &'a str, trie: &'a Trie, answers: &'a mut Answers) -> Self {
        JsonScanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            trie,
            answers,
            offsets: Vec::new(),
            unfound: trie.nodes.len(),
        }
    }

    fn scan(mut self) {
        self.skip_blank();
        self.value(Trie::ROOT, self.pos);
        // Offsets were recorded in text order.
        let offsets = self.offsets.iter().map(|&(offset, _)| offset);
        for (position, &(_, node)) in positions_at(self.text, offsets).zip(&self.offsets) {
            self.answers.positions[node] = Some(position);
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.pos += 1;
        }
    }

    /// To the next byte that `find` finds in the rest of the text, or to the end when there
    /// is none; whether it found one.
    #[inline]
    fn seek(&mut self, find: impl Fn(&[u8]) -> Option<usize>) -> bool {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        match find(rest) {
            Some(found) => {
                self.pos += found;
                true
            }
            None => {
                self.pos = self.bytes.len();
                false
            }
        }
    }

    /// From an opening quote to just past the closing one.
    fn skip_string(&mut self) {
        self.pos += 1;
        loop {
            if !self.seek(find_quote_or_backslash) {
                return;
            }
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                return;
            }
            self.pos += 2;
        }
    }

    fn skip_token(&mut self) {
        while let Some(b) = self.peek() {
            if matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\r' | b'\n') {
                return;
            }
            self.pos += 1;
        }
    }

    fn skip_value(&mut self) {
        self.skip_blank();
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                loop {
                    if !self.seek(find_structural) {
                        return;
                    }
                    match self.bytes[self.pos] {
                        b'"' => {
                            self.skip_string();
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                self.pos += 1;
                                return;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            Some(_) => self.skip_token(),
            None => {}
        }
    }

    /// The value at `self.pos` (after blanks), which is trie node `node` and sits at `at`.
    fn value(&mut self, node: usize, at: usize) {
        self.offsets.push((at, node));
        self.unfound = self.unfound.saturating_sub(1);
        let trie = self.trie;
        let wanted = &trie.nodes[node];
        self.skip_blank();
        match self.peek() {
            Some(b'{') if !trie.is_leaf(node) => self.object(node),
            Some(b'[') if !trie.is_leaf(node) => self.array(node),
            Some(b'"') if wanted.want_scalar => {
                let start = self.pos;
                self.skip_string();
                let raw = self.text.get(start..self.pos).unwrap_or("");
                self.answers.scalars[node] = serde_json::from_str::<String>(raw).ok();
            }
            Some(b) if wanted.want_scalar && !matches!(b, b'{' | b'[') => {
                let start = self.pos;
                self.skip_token();
                self.answers.scalars[node] = self.text.get(start..self.pos).map(str::to_string);
            }
            _ => self.skip_value(),
        }
    }

    /// The next byte inside the object or array being read, after blanks; `None` at the end
    /// of the text, or at its closing `close`, which is then stepped over.
    fn next_inside(&mut self, close: u8) -> Option<u8> {
        self.skip_blank();
        let next = self.peek()?;
        if next == close {
            self.pos += 1;
            return None;
        }
        Some(next)
    }

    fn object(&mut self, node: usize) {
        self.pos += 1;
        while self.unfound > 0 {
            let Some(next) = self.next_inside(b'}') else {
                return;
            };
            match next {
                b'"' => {
                    let start = self.pos;
                    self.skip_string();
                    let raw = self.text.get(start..self.pos).unwrap_or("\"\"");
                    let child = if raw.contains('\\') {
                        serde_json::from_str::<String>(raw)
                            .ok()
                            .and_then(|key| self.trie.child(node, &key))
                    } else {
                        let key = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
                        self.trie.child(node, key)
                    };
                    self.skip_blank();
                    if self.peek() == Some(b':') {
                        self.pos += 1;
                    }
                    match child {
                        Some(child) => self.value(child, start),
                        None => self.skip_value(),
                    }
                }
                // ',' and anything unexpected: step over it (the text is known to be valid).
                _ => self.pos += 1,
            }
        }
    }

    fn array(&mut self, node: usize) {
        self.pos += 1;
        let mut index = 0usize;
        while self.unfound > 0 {
            let Some(next) = self.next_inside(b']') else {
                return;
            };
            if next == b',' {
                self.pos += 1;
                index += 1;
            } else {
                let before = self.pos;
                match self.trie.child(node, &index.to_string()) {
                    Some(child) => self.value(child, before),
                    None => self.skip_value(),
                }
                if self.pos == before {
                    self.pos += 1;
                }
            }
        }
    }
}

/// The line and column of each byte offset of `text`, the offsets in ascending order: one
/// forward walk converts them all, so that finding them need not count lines.
pub(crate) fn positions_at(
    text: &str,
    offsets: impl IntoIterator<Item = usize>,
) -> impl Iterator<Item = Position> {
    let bytes = text.as_bytes();
    let mut line = 1usize;
    let mut counted_to = 0usize;
    let mut column = 0usize;
    offsets.into_iter().map(move |offset| {
        let gap = bytes.get(counted_to..offset).unwrap_or_default();
        let newlines = count_newlines(gap);
        if newlines > 0 {
            line += newlines;
            column = 0;
            counted_to += gap.iter().rposition(|&b| b == b'\n').unwrap_or(0) + 1;
        }
        column += text
            .get(counted_to..offset)
            .map_or(0, |s| s.chars().count());
        counted_to = offset;
        Position {
            line: saturate(line),
            column: saturate(column + 1),
        }
    })
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Flags (in the high bit) the zero bytes of `word`. Only the lowest flag is exact (borrows
/// can flag bytes above a zero), which is the one the callers use.
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// How many `\n` bytes `haystack` holds, eight at a time (a minified spec is one line of
/// megabytes, and its positions are counted from the start).
fn count_newlines(haystack: &[u8]) -> usize {
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    const LOWS: u64 = u64::from_ne_bytes([0x7F; 8]);
    // The high bit of each zero byte of `word`, exactly (no borrow crosses bytes).
    let zero_bytes_exact = |word: u64| !(((word & LOWS) + LOWS) | word | LOWS);
    let mut chunks = haystack.chunks_exact(8);
    let mut count = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        count += zero_bytes_exact(u64::from_le_bytes(bytes) ^ NEWLINES).count_ones() as usize;
    }
    count + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

/// The index of the first byte for which `flags` (given eight bytes as a little-endian word)
/// is non-zero, eight bytes at a time: string contents and indentation are most of a spec,
/// and skipping them is where the scan spends its time.
fn find_by_word(haystack: &[u8], flags: impl Fn(u64) -> u64) -> Option<usize> {
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let found = flags(u64::from_le_bytes(bytes));
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let mut tail = [0u8; 8];
    let rest = chunks.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    let found = flags(u64::from_le_bytes(tail));
    let index = found.trailing_zeros() as usize / 8;
    (found != 0 && index < rest.len()).then_some(offset + index)
}

/// The first `"` or `\\`.
fn find_quote_or_backslash(haystack: &[u8]) -> Option<usize> {
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    find_by_word(haystack, |word| {
        zero_bytes(word ^ QUOTES) | zero_bytes(word ^ BACKSLASHES)
    })
}

/// The first `"`, `{`, `}`, `[` or `]` outside a string. `b & 0xD9 == 0x59` holds for the four
/// brackets and otherwise only for `Y`, `_`, `y` and DEL, none of which valid JSON has outside
/// strings; the caller looks at the byte found anyway.
fn find_structural(haystack: &[u8]) -> Option<usize> {
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BRACKET_MASK: u64 = u64::from_ne_bytes([0xD9; 8]);
    const BRACKETS: u64 = u64::from_ne_bytes([0x59; 8]);
    find_by_word(haystack, |word| {
        zero_bytes(word ^ QUOTES) | zero_bytes((word & BRACKET_MASK) ^ BRACKETS)
    })
}

enum Frame {
    Mapping {
        node: Option<usize>,
        /// Whether the next node is a value (else a key).
        in_value: bool,
        /// The trie node of the value whose key was just read.
        pending: Option<usize>,
    },
    Sequence {
        node: Option<usize>,
        index: usize,
    },
}

fn scan_yaml(text: &str, trie: &Trie, answers: &mut Answers) {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_seen = false;
    // Trie nodes not met yet (a wanted scalar counts once its text is in); at zero the rest
    // of the text is not parsed.
    let unfound = std::cell::Cell::new(trie.nodes.len());
    let met = |node: usize| {
        if !trie.nodes[node].want_scalar {
            unfound.set(unfound.get().saturating_sub(1));
        }
    };
    let position = |span: &Span| Position {
        line: saturate(span.start.line()),
        column: saturate(span.start.col() + 1),
    };
    // The trie node of a node that starts here, recording its position when asked for.
    let mut start = |stack: &mut Vec<Frame>, span: &Span, key: Option<&str>| -> Option<usize> {
        let found = match stack.last_mut() {
            None if !root_seen => {
                root_seen = true;
                Some(Trie::ROOT)
            }
            None => None,
            Some(Frame::Mapping {
                node,
                in_value: false,
                pending,
            }) => {
                *pending = node.zip(key).and_then(|(n, k)| trie.child(n, k));
                if let Some(child) = *pending {
                    answers.positions[child] = Some(position(span));
                    met(child);
                }
                return None;
            }
            Some(Frame::Mapping {
                in_value: true,
                pending,
                ..
            }) => return *pending,
            Some(Frame::Sequence { node, index }) => {
                node.and_then(|n| trie.child(n, &index.to_string()))
            }
        };
        if let Some(node) = found {
            answers.positions[node] = Some(position(span));
            met(node);
        }
        found
    };
    let end = |stack: &mut Vec<Frame>| match stack.last_mut() {
        Some(Frame::Mapping {
            in_value, pending, ..
        }) => {
            if *in_value {
                *pending = None;
            }
            *in_value = !*in_value;
        }
        Some(Frame::Sequence { index, .. }) => *index += 1,
        None => {}
    };
    let mut scalar_answers: Vec<(usize, String)> = Vec::new();
    for event in Parser::new_from_str(text) {
        if unfound.get() == 0 {
            break;
        }
        let Ok((event, span)) = event else { break };
        match event {
            Event::Scalar(value, ..) => {
                if let Some(node) = start(&mut stack, &span, Some(&value)) {
                    if trie.nodes[node].want_scalar {
                        scalar_answers.push((node, value.into_owned()));
                        unfound.set(unfound.get().saturating_sub(1));
                    }
                }
                end(&mut stack);
            }
            Event::Alias(_) => {
                start(&mut stack, &span, None);
                end(&mut stack);
            }
            Event::MappingStart(..) => {
                let node = start(&mut stack, &span, None);
                stack.push(Frame::Mapping {
                    node,
                    in_value: false,
                    pending: None,
                });
            }
            Event::SequenceStart(..) => {
                let node = start(&mut stack, &span, None);
                stack.push(Frame::Sequence { node, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                end(&mut stack);
            }
            // Only the first document is the spec.
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => {}
        }
    }
    for (node, text) in scalar_answers {
        answers.scalars[node] = Some(text);
    }
}

/// The second occurrence of the first key repeated within one YAML mapping, with the
/// mapping's pointer. Only on the error path: libyaml reports a duplicate at the start of
/// its mapping, not at the key that repeats.
pub(crate) fn first_duplicate_yaml_key(text: &str) -> Option<(String, String, Position)> {
    enum Open {
        Mapping {
            keys: std::collections::HashSet<String>,
            in_value: bool,
            key: Option<String>,
        },
        Sequence(usize),
    }
    let mut stack: Vec<Open> = Vec::new();
    // The segment each open collection sits under in its parent.
    let mut segments: Vec<String> = Vec::new();
    let segment_here = |stack: &[Open]| match stack.last() {
        Some(Open::Mapping { key, .. }) => key.clone().unwrap_or_default(),
        Some(Open::Sequence(index)) => index.to_string(),
        None => String::new(),
    };
    let done = |stack: &mut Vec<Open>| match stack.last_mut() {
        Some(Open::Mapping { in_value, key, .. }) => {
            if *in_value {
                *key = None;
            }
            *in_value = !*in_value;
        }
        Some(Open::Sequence(index)) => *index += 1,
        None => {}
    };
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return None;
        };
        match event {
            Event::Scalar(value, ..) => {
                if let Some(Open::Mapping {
                    keys,
                    in_value: false,
                    key,
                }) = stack.last_mut()
                {
                    if !keys.insert(value.to_string()) {
                        let pointer = segments
                            .iter()
                            .skip(1)
                            .fold(String::new(), |p, s| pointer::child(&p, s));
                        let at = Position {
                            line: saturate(span.start.line()),
                            column: saturate(span.start.col() + 1),
                        };
                        return Some((pointer, value.into_owned(), at));
                    }
                    *key = Some(value.into_owned());
                }
                done(&mut stack);
            }
            Event::Alias(_) => done(&mut stack),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                segments.push(segment_here(&stack));
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Open::Mapping {
                        keys: std::collections::HashSet::new(),
                        in_value: false,
                        key: None,
                    }
                } else {
                    Open::Sequence(0)
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                segments.pop();
                done(&mut stack);
            }
            Event::DocumentEnd | Event::StreamEnd => return None,
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
openapi: 3.1.0
info:
  version: 1.10
paths:
  /pets/{id}:
    parameters:
      - name: id
      - {name: q, in: query}
    get:
      summary: x
  \"/a~b\": {put: {}}
";

    const JSON: &str = r#"{
  "openapi": "3.1.0",
  "info": {"version": 1.10, "x": "é"},
  "paths": {
    "/pets/{id}": {
      "parameters": [{"name": "id"}, {"name": "q", "in": "query"}],
      "get": {"summary": "x,}]"}
    },
    "/a~b": {"put": {}}, "/x\/y": {"get": {}}
  }
}"#;

    fn at(line: u32, column: u32) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn yaml_pointers_resolve_to_the_line_of_their_key() {
        let found = locate(
            YAML,
            Format::Yaml,
            &[
                "",
                "/paths/~1pets~1{id}/get",
                "/paths/~1pets~1{id}/parameters/1",
                "/paths/~1a~0b/put",
                "/paths/~1nope/get",
            ],
            &["/info/version"],
        );
        assert_eq!(found.position(0), at(1, 1));
        assert_eq!(found.position(1), at(9, 5));
        assert_eq!(found.position(2), at(8, 9));
        assert_eq!(found.position(3), at(11, 12));
        assert_eq!(found.position(4), None);
        assert_eq!(found.scalar("/info/version"), Some("1.10"));
    }

    #[test]
    fn json_pointers_resolve_to_the_line_of_their_key() {
        let found = locate(
            JSON,
            Format::Json,
            &[
                "",
                "/paths/~1pets~1{id}/get",
                "/paths/~1pets~1{id}/parameters/1",
                "/paths/~1a~0b/put",
                "/paths/~1x~1y/get",
                "/info/x",
            ],
            &["/info/version", "/info/x"],
        );
        assert_eq!(found.position(0), at(1, 1));
        assert_eq!(found.position(1), at(7, 7));
        assert_eq!(found.position(2), at(6, 38));
        assert_eq!(found.position(3), at(9, 14));
        assert_eq!(found.position(4), at(9, 36));
        assert_eq!(found.position(5), at(3, 29));
        assert_eq!(found.scalar("/info/version"), Some("1.10"));
        assert_eq!(found.scalar("/info/x"), Some("é"));
    }

    #[test]
    fn the_repeated_yaml_key_is_found_where_it_repeats() {
        let text = "a:\n  - x: 1\n    y:\n      k: 1\n      j: 2\n      k: 3\n";
        let (pointer, key, at) = first_duplicate_yaml_key(text).expect("duplicate");
        assert_eq!(pointer, "/a/0/y");
        assert_eq!(key, "k");
        assert_eq!(at, Position { line: 6, column: 7 });
        assert!(first_duplicate_yaml_key("a: 1\nb: {a: 2}\n").is_none());
    }

    #[test]
    fn quote_or_backslash_is_found_at_any_offset() {
        for len in 0..20 {
            for at in 0..len {
                for needle in [b'"', b'\\'] {
                    let mut hay = vec![b'a'; len];
                    hay[at] = needle;
                    if at + 1 < len {
                        hay[at + 1] = b'"';
                    }
                    assert_eq!(find_quote_or_backslash(&hay), Some(at), "{len} {at}");
                }
            }
            assert_eq!(find_quote_or_backslash(&vec![b'x'; len]), None);
        }
        // Bytes just above the needles must not match through borrows.
        assert_eq!(find_quote_or_backslash(b"#]#]#]#]#]\""), Some(10));
    }

    #[test]
    fn structural_bytes_are_found_at_any_offset() {
        for len in 0..20 {
            for at in 0..len {
                for needle in [b'"', b'{', b'}', b'[', b']'] {
                    let mut hay = vec![b' '; len];
                    hay[at] = needle;
                    assert_eq!(find_structural(&hay), Some(at), "{len} {at}");
                }
            }
            assert_eq!(find_structural(&vec![b'1'; len]), None);
        }
        assert_eq!(find_structural(b"  true,\n  12.5e3 :-null}"), Some(23));
    }

    #[test]
    fn minified_json_columns_count_characters() {
        let text = r#"{"é":1,"paths":{"/a":{"get":{}},"/b":{"get":{}}}}"#;
        let found = locate(
            text,
            Format::Json,
            &["/paths/~1a/get", "/paths/~1b/get"],
            &[],
        );
        assert_eq!(found.position(0), at(1, 23));
        assert_eq!(found.position(1), at(1, 39));
    }

    #[test]
    fn newlines_are_counted_at_any_offset() {
        for len in 0..20 {
            for at in 0..len {
                let mut hay = vec![b'\n' + 128; len];
                hay[at] = b'\n';
                assert_eq!(count_newlines(&hay), 1, "{len} {at}");
                assert_eq!(count_newlines(&vec![b'\n'; len]), len);
            }
        }
        assert_eq!(count_newlines(b"\x0b\x09\n\x8a\n\n\xff\x00\x0a"), 4);
    }

    #[test]
    fn a_pointer_missing_from_the_text_is_placed_at_its_nearest_ancestor() {
        let found = locate(
            JSON,
            Format::Json,
            &["/paths/~1pets~1{id}/get/nope/deeper"],
            &[],
        );
        assert_eq!(found.position(0), None);
        assert_eq!(found.nearest(0), at(7, 7));
    }

    #[test]
    fn broken_text_never_hangs_or_panics() {
        for text in ["{\"a\": [1, {\"b\"", "{\"a\" \"b\"}", "{", "a: [", "\"x"] {
            let format = Format::detect(text);
            let found = locate(text, format, &["/a/0/b", "/a/b"], &["/a"]);
            assert_eq!(found.position(0), None);
        }
    }
}
