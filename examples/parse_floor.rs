//! Benchmark helper: the parse floor, the fastest generic parse of a contract's document
//! and nothing else. `scripts/bench.sh` times this whole process (start, read, parse,
//! exit) with hyperfine, interleaved with `rollcall list` and `rollcall check` on the same
//! document, built with the same profile.
//!
//! ```text
//! parse_floor api.github.com.json                  # serde_json::Value
//! parse_floor --with saphyr api.github.com.yaml    # one YAML parser, to compare them
//! parse_floor --list FILE                          # the parsers that apply to FILE
//! parse_floor --agree FILE.yaml                    # checks saphyr's value is yaml_serde's
//! parse_floor to-yaml in.json > out.yaml           # JSON to YAML, keys in document order
//! ```
//!
//! JSON has one floor, `serde_json::Value`. YAML has several candidates in our dependency
//! tree, and the benchmark times all of them and takes the fastest in each run:
//! `yaml-value` (`yaml_serde::Value`), `yaml-json` (`yaml_serde` straight into a
//! `serde_json::Value`, as rollcall reads a YAML contract) and `saphyr` (saphyr-parser's
//! events built into a `serde_json::Value` here, with the core schema's scalars and
//! aliases). The value is never freed: the process exits with it, as rollcall does.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

const JSON: &[&str] = &["json-value"];
const YAML: &[&str] = &["saphyr", "yaml-json", "yaml-value"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: parse_floor [--with PARSER] FILE | --list FILE | --agree FILE | to-yaml FILE.json";
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["to-yaml", input] => {
            let value: Value = serde_json::from_slice(&std::fs::read(input)?)?;
            let stdout = std::io::stdout();
            yaml_serde::to_writer(std::io::BufWriter::new(stdout.lock()), &value)?;
            Ok(())
        }
        ["--list", path] => {
            println!("{}", parsers_for(&std::fs::read(path)?).join(" "));
            Ok(())
        }
        ["--agree", path] => {
            let text = std::fs::read_to_string(path)?;
            if saphyr_value(&text)? != yaml_serde::from_str::<Value>(&text)? {
                return Err(format!("{path}: saphyr's value differs from yaml_serde's").into());
            }
            Ok(())
        }
        ["--with", parser, path] => parse(parser, path),
        [path] => {
            let bytes = std::fs::read(path)?;
            parse(parsers_for(&bytes)[0], path)
        }
        _ => Err(usage.into()),
    }
}

/// JSON's parser, or YAML's candidates, by the document's first character.
fn parsers_for(bytes: &[u8]) -> &'static [&'static str] {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => JSON,
        _ => YAML,
    }
}

fn parse(parser: &str, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let text = std::str::from_utf8(&bytes)?;
    match parser {
        "json-value" => keep(serde_json::from_str::<Value>(text)?),
        "yaml-value" => keep(yaml_serde::from_str::<yaml_serde::Value>(text)?),
        "yaml-json" => keep(yaml_serde::from_str::<Value>(text)?),
        "saphyr" => keep(saphyr_value(text)?),
        other => return Err(format!("unknown parser {other}; one of {JSON:?} {YAML:?}").into()),
    }
    std::mem::forget(bytes);
    Ok(())
}

/// Leaves the value to the process's exit, as rollcall's binary does with its contract.
fn keep<T>(value: T) {
    std::mem::forget(std::hint::black_box(value));
}

/// The first document of `text` as a `serde_json::Value`, from saphyr-parser's events.
fn saphyr_value(text: &str) -> Result<Value, Box<dyn std::error::Error>> {
    enum Open {
        Sequence(usize, Vec<Value>),
        Mapping(usize, Map<String, Value>, Option<String>),
    }
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut open: Vec<Open> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, _) = event?;
        let (anchor, value) = match event {
            Event::Scalar(text, style, anchor, _) => (anchor, scalar(text, style)),
            Event::Alias(id) => (0, anchors.get(&id).cloned().unwrap_or(Value::Null)),
            Event::SequenceStart(anchor, _) => {
                open.push(Open::Sequence(anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                open.push(Open::Mapping(anchor, Map::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(Open::Sequence(anchor, items)) => (anchor, Value::Array(items)),
                Some(Open::Mapping(anchor, map, _)) => (anchor, Value::Object(map)),
                None => return Err("unbalanced YAML events".into()),
            },
            Event::DocumentEnd | Event::StreamEnd => break,
            _ => continue,
        };
        if anchor > 0 {
            anchors.insert(anchor, value.clone());
        }
        match open.last_mut() {
            None => return Ok(value),
            Some(Open::Sequence(_, items)) => items.push(value),
            Some(Open::Mapping(_, map, key)) => match key.take() {
                Some(key) => {
                    map.insert(key, value);
                }
                None => {
                    *key = Some(match value {
                        Value::String(key) => key,
                        other => other.to_string(),
                    })
                }
            },
        }
    }
    Ok(Value::Null)
}

/// A scalar by the YAML 1.2 core schema: quoted and block scalars are strings, plain ones
/// may be null, a boolean or a number.
fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(text.into_owned());
    }
    match &*text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Ok(n) = text.parse::<i64>() {
            return Value::from(n);
        }
        if let Ok(n) = text.parse::<f64>()
            && let Some(n) = serde_json::Number::from_f64(n)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.into_owned())
}
