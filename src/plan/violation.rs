//! Whether a schema surely rejects a value: the proof safe mode needs before
//! it sends a request as "invalid". The check is deliberately one-sided: it
//! answers `true` only when every reading of the schema a validator could
//! take rejects the value, and `false` (may accept) whenever it cannot tell.
//!
//! ```text
//! {type: integer}                               "not-an-integer"   rejected
//! {oneOf: [{type: integer}, {type: string}]}    "not-an-integer"   accepted (a string)
//! {type: [integer, string]}                     "not-an-integer"   accepted
//! {oneOf: [{type: integer}, {format: uuid, type: string}]}
//!                                               "not-an-integer"   rejected by both
//! {type: object, required: [title]}             {} (empty body)    rejected
//! {type: object, properties: {reason: ...}}     {} (empty body)    accepted
//! {type: string, pattern: '^\d+$'}              "abc"              accepted (patterns are not checked)
//! ```
//!
//! What is checked: `$ref`, `allOf` (any part rejects), `oneOf`/`anyOf` (every
//! branch rejects, and every schema a `discriminator` maps to), `type` (lists
//! and 3.0 `nullable` included), `enum`, `const`, `required`,
//! `additionalProperties: false`, `properties`, `items`, lengths, counts,
//! numeric bounds, and the formats `uuid`, `date` and `date-time`. Anything
//! else (`pattern`, `not`, other formats, unresolvable references) is taken
//! as "may accept".
//!
//! Values come in one of two [`Wire`] forms: JSON (a body), or text (a path,
//! query or header value, or a `text/plain` body), which a server converts
//! to whatever type the schema declares: `"42"` may be an integer, `"true"`
//! a boolean, `""` or `"null"` a null.

use std::cell::Cell;

use serde_json::{Map, Value};

use super::synth::{self, resolve_pointer};

/// How a value reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// As JSON: the value's own type counts.
    Json,
    /// As text, converted to the type the schema declares; an array holds
    /// the texts of its items.
    Text,
}

/// How deep references and combinators are followed before giving up (and
/// answering "may accept").
const MAX_DEPTH: usize = 32;
/// How many schemas one check visits before giving up: a contract's
/// `oneOf`s can nest into exponentially many paths.
const MAX_VISITS: usize = 10_000;

/// Whether `schema` surely rejects `value` sent as `wire`.
pub fn rejects(document: &Value, schema: &Value, value: &Value, wire: Wire) -> bool {
    Checker {
        document,
        wire,
        visits: Cell::new(0),
    }
    .rejects(schema, value, 0)
}

/// What a value may be once the server has read it.
#[derive(Debug, Clone)]
enum Reading<'v> {
    Null,
    Bool(bool),
    Integer(i128),
    Number(f64),
    String(&'v str),
    Array(Vec<Reading<'v>>),
    Object(&'v Map<String, Value>),
}

impl Reading<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Reading::Null => "null",
            Reading::Bool(_) => "boolean",
            Reading::Integer(_) => "integer",
            Reading::Number(_) => "number",
            Reading::String(_) => "string",
            Reading::Array(_) => "array",
            Reading::Object(_) => "object",
        }
    }

    fn matches_type(&self, declared: &str) -> bool {
        let own = self.type_name();
        own == declared || (own == "integer" && declared == "number")
    }

    /// Whether the reading equals a JSON value (an `enum` member, a `const`).
    fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Reading::Null, Value::Null) => true,
            (Reading::Bool(a), Value::Bool(b)) => a == b,
            (Reading::Integer(a), Value::Number(b)) => {
                b.as_i64().map(i128::from) == Some(*a)
                    || b.as_u64().map(i128::from) == Some(*a)
                    || b.as_f64() == Some(*a as f64)
            }
            (Reading::Number(a), Value::Number(b)) => b.as_f64() == Some(*a),
            (Reading::String(a), Value::String(b)) => a == b,
            (Reading::Array(items), Value::Array(members)) => {
                items.len() == members.len() && items.iter().zip(members).all(|(i, m)| i.equals(m))
            }
            (Reading::Object(a), Value::Object(b)) => *a == b,
            _ => false,
        }
    }
}

struct Checker<'d> {
    document: &'d Value,
    wire: Wire,
    /// Schemas visited so far (see [`MAX_VISITS`]).
    visits: Cell<usize>,
}

impl Checker<'_> {
    fn rejects(&self, schema: &Value, value: &Value, depth: usize) -> bool {
        self.visits.set(self.visits.get() + 1);
        if depth > MAX_DEPTH || self.visits.get() > MAX_VISITS {
            return false;
        }
        let schema = match schema {
            Value::Bool(accepts) => return !accepts,
            Value::Object(schema) => schema,
            _ => return false,
        };
        // A reference's siblings are ignored in OpenAPI 3.0 and apply in 3.1:
        // only the target counts, the more lenient reading.
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return match resolve_pointer(self.document, reference) {
                Some(target) => self.rejects(target, value, depth + 1),
                None => false,
            };
        }
        if let Some(Value::Array(parts)) = schema.get("allOf")
            && parts
                .iter()
                .any(|part| self.rejects(part, value, depth + 1))
        {
            return true;
        }
        for combinator in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(combinator)
                && !branches.is_empty()
                && branches
                    .iter()
                    .all(|branch| self.rejects(branch, value, depth + 1))
                && self
                    .mapped_schemas(schema)
                    .iter()
                    .all(|mapped| self.rejects(mapped, value, depth + 1))
            {
                return true;
            }
        }
        !self
            .readings(value)
            .iter()
            .any(|reading| self.accepts_here(schema, reading, depth))
    }

    /// The schemas a `discriminator` mapping names (they may lie outside the
    /// `oneOf`/`anyOf` branches): a value valid against any of them may be
    /// accepted.
    fn mapped_schemas(&self, schema: &Map<String, Value>) -> Vec<Value> {
        let Some(mapping) = schema
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        mapping
            .values()
            .filter_map(Value::as_str)
            .map(|target| {
                let reference = if target.contains('#') || target.contains('/') {
                    target.to_string()
                } else {
                    format!("#/components/schemas/{target}")
                };
                serde_json::json!({ "$ref": reference })
            })
            .collect()
    }

    /// Every type the server may read `value` as.
    fn readings<'v>(&self, value: &'v Value) -> Vec<Reading<'v>> {
        match (self.wire, value) {
            (_, Value::Array(items)) => {
                let mut readings = Vec::new();
                let mut item_readings = Vec::with_capacity(items.len());
                for item in items {
                    // An item is read in its most permissive single form:
                    // the text itself for text, its own type for JSON.
                    item_readings.push(
                        self.readings(item)
                            .into_iter()
                            .next()
                            .unwrap_or(Reading::Null),
                    );
                }
                readings.push(Reading::Array(item_readings));
                // A one-item list in a query or path is the bare value too.
                if self.wire == Wire::Text && items.len() == 1 {
                    readings.extend(self.readings(&items[0]));
                }
                readings
            }
            (Wire::Json, Value::Null) => vec![Reading::Null],
            (Wire::Json, Value::Bool(b)) => vec![Reading::Bool(*b)],
            (Wire::Json, Value::Number(n)) => {
                match n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)) {
                    Some(i) => vec![Reading::Integer(i)],
                    None => {
                        let f = n.as_f64().unwrap_or(f64::NAN);
                        if f.fract() == 0.0 && f.abs() < 1e18 {
                            vec![Reading::Integer(f as i128), Reading::Number(f)]
                        } else {
                            vec![Reading::Number(f)]
                        }
                    }
                }
            }
            (Wire::Json, Value::String(s)) => vec![Reading::String(s)],
            (_, Value::Object(fields)) => vec![Reading::Object(fields)],
            (Wire::Text, Value::String(text)) => text_readings(text),
            (Wire::Text, other) => {
                // A scalar given as JSON but sent as text: read its text.
                match other {
                    Value::Null => vec![Reading::Null, Reading::String("")],
                    Value::Bool(b) => vec![Reading::Bool(*b)],
                    Value::Number(_) => Checker {
                        document: self.document,
                        wire: Wire::Json,
                        visits: Cell::new(0),
                    }
                    .readings(other),
                    _ => Vec::new(),
                }
            }
        }
    }

    /// Whether the schema's own keywords (not its references or
    /// combinators) may accept `reading`.
    fn accepts_here(
        &self,
        schema: &Map<String, Value>,
        reading: &Reading<'_>,
        depth: usize,
    ) -> bool {
        if !type_allows(schema, reading) {
            return false;
        }
        if let Some(Value::Array(members)) = schema.get("enum")
            && !members.iter().any(|m| reading.equals(m))
        {
            return false;
        }
        if let Some(constant) = schema.get("const")
            && !reading.equals(constant)
        {
            return false;
        }
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
        let count = |key: &str| schema.get(key).and_then(Value::as_u64);
        match reading {
            Reading::String(text) => {
                let length = text.chars().count() as u64;
                if count("minLength").is_some_and(|min| length < min)
                    || count("maxLength").is_some_and(|max| length > max)
                {
                    return false;
                }
                match schema.get("format").and_then(Value::as_str) {
                    Some("uuid") => is_uuid(text),
                    Some("date") => is_date(text),
                    Some("date-time") => is_date_time(text),
                    _ => true,
                }
            }
            Reading::Integer(_) | Reading::Number(_) => {
                let value = match reading {
                    Reading::Integer(i) => *i as f64,
                    Reading::Number(f) => *f,
                    _ => unreachable!("matched above"),
                };
                let exclusive = |key: &str| schema.get(key);
                let below_minimum = number("minimum").is_some_and(|min| {
                    value < min
                        || (value == min
                            && exclusive("exclusiveMinimum") == Some(&Value::Bool(true)))
                });
                let above_maximum = number("maximum").is_some_and(|max| {
                    value > max
                        || (value == max
                            && exclusive("exclusiveMaximum") == Some(&Value::Bool(true)))
                });
                let outside_exclusive = exclusive("exclusiveMinimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|min| value <= min)
                    || exclusive("exclusiveMaximum")
                        .and_then(Value::as_f64)
                        .is_some_and(|max| value >= max);
                !(below_minimum || above_maximum || outside_exclusive)
            }
            Reading::Array(items) => {
                let length = items.len() as u64;
                if count("minItems").is_some_and(|min| length < min)
                    || count("maxItems").is_some_and(|max| length > max)
                {
                    return false;
                }
                match schema.get("items") {
                    Some(item_schema @ (Value::Object(_) | Value::Bool(_))) => items
                        .iter()
                        .all(|item| !self.rejects_reading(item_schema, item, depth + 1)),
                    _ => true,
                }
            }
            Reading::Object(fields) => {
                let length = fields.len() as u64;
                if count("minProperties").is_some_and(|min| length < min)
                    || count("maxProperties").is_some_and(|max| length > max)
                {
                    return false;
                }
                let required_missing = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|names| {
                        names
                            .iter()
                            .filter_map(Value::as_str)
                            .any(|name| !fields.contains_key(name))
                    });
                if required_missing {
                    return false;
                }
                let properties = schema.get("properties").and_then(Value::as_object);
                for (name, field) in fields.iter() {
                    match properties.and_then(|p| p.get(name)) {
                        Some(property) => {
                            if self.rejects(property, field, depth + 1) {
                                return false;
                            }
                        }
                        None => {
                            if let Some(additional) = schema.get("additionalProperties")
                                && self.rejects(additional, field, depth + 1)
                            {
                                return false;
                            }
                        }
                    }
                }
                true
            }
            Reading::Null | Reading::Bool(_) => true,
        }
    }

    /// [`Checker::rejects`] for an item already read (an array's item).
    fn rejects_reading(&self, schema: &Value, reading: &Reading<'_>, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let value = match reading {
            Reading::Null => Value::Null,
            Reading::Bool(b) => Value::Bool(*b),
            Reading::Integer(i) => i64::try_from(*i).map_or(Value::Null, Value::from),
            Reading::Number(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            Reading::String(s) => Value::String(s.to_string()),
            Reading::Array(_) => return false,
            Reading::Object(fields) => Value::Object((*fields).clone()),
        };
        self.rejects(schema, &value, depth)
    }
}

/// The types a text may be read as: always a string; an integer, a number,
/// a boolean or a null when it spells one.
fn text_readings(text: &str) -> Vec<Reading<'_>> {
    let mut readings = vec![Reading::String(text)];
    let trimmed = text.trim();
    if let Ok(integer) = trimmed.parse::<i128>() {
        readings.push(Reading::Integer(integer));
    }
    if let Ok(number) = trimmed.parse::<f64>()
        && number.is_finite()
    {
        readings.push(Reading::Number(number));
    }
    match trimmed.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => readings.push(Reading::Bool(true)),
        "false" | "0" | "no" | "off" => readings.push(Reading::Bool(false)),
        _ => {}
    }
    if trimmed.is_empty() || trimmed == "null" {
        readings.push(Reading::Null);
    }
    readings
}

/// Whether the schema's `type` (and 3.0 `nullable`) allows the reading;
/// a schema without `type` allows every type.
fn type_allows(schema: &Map<String, Value>, reading: &Reading<'_>) -> bool {
    if matches!(reading, Reading::Null) && schema.get("nullable") == Some(&Value::Bool(true)) {
        return true;
    }
    match schema.get("type") {
        Some(Value::String(declared)) => reading.matches_type(declared),
        Some(Value::Array(declared)) => declared
            .iter()
            .filter_map(Value::as_str)
            .any(|t| reading.matches_type(t)),
        _ => true,
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && [0..4, 5..7, 8..10]
            .into_iter()
            .all(|range| bytes[range].iter().all(u8::is_ascii_digit))
}

fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19
        && text.get(..10).is_some_and(is_date)
        && matches!(bytes[10], b'T' | b't' | b' ')
        && bytes[13] == b':'
        && bytes[16] == b':'
        && [11..13, 14..16, 17..19]
            .into_iter()
            .all(|range| bytes[range].iter().all(u8::is_ascii_digit))
}

/// What a value of `schema` must be, for evidence: `an integer`, `a uuid`,
/// `one of its enum values`, alternatives joined with "or"
/// (`an integer or a uuid`).
pub fn expectation(document: &Value, schema: &Value) -> String {
    let mut found = Vec::new();
    let mut visits = 0;
    expectations(document, schema, 0, &mut visits, &mut found);
    if found.is_empty() {
        found.push("a valid value".to_string());
    }
    found.join(" or ")
}

/// How far [`each_alternative`] goes: how many `$ref`s and branches deep,
/// and how many schemas it visits in all.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    pub depth: usize,
    pub visits: usize,
}

/// Hands `alternative` each schema that a value of `schema` may be valid
/// against on its own, in order, with its depth: a `$ref` is followed to
/// its target and each branch of a non-empty `oneOf` (else `anyOf`) is
/// walked, each a level deeper. Every schema on the way counts one of
/// `visits`; the walk stops at what lies beyond `reach`.
pub fn each_alternative(
    document: &Value,
    schema: &Value,
    depth: usize,
    visits: &mut usize,
    reach: Reach,
    alternative: &mut dyn FnMut(&Value, usize, &mut usize),
) {
    *visits += 1;
    if depth > reach.depth || *visits > reach.visits {
        return;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if let Some(target) = resolve_pointer(document, reference) {
            each_alternative(document, target, depth + 1, visits, reach, alternative);
        }
        return;
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get(combinator)
            && !branches.is_empty()
        {
            for branch in branches {
                each_alternative(document, branch, depth + 1, visits, reach, alternative);
            }
            return;
        }
    }
    alternative(schema, depth, visits);
}

const EXPECTATIONS_REACH: Reach = Reach {
    depth: MAX_DEPTH,
    visits: MAX_VISITS,
};

fn expectations(
    document: &Value,
    schema: &Value,
    depth: usize,
    visits: &mut usize,
    found: &mut Vec<String>,
) {
    each_alternative(
        document,
        schema,
        depth,
        visits,
        EXPECTATIONS_REACH,
        &mut |alternative, depth, visits| {
            alternative_expectations(document, alternative, depth, visits, found);
        },
    );
}

/// What a value of one alternative (see [`each_alternative`]) must be.
fn alternative_expectations(
    document: &Value,
    schema: &Value,
    depth: usize,
    visits: &mut usize,
    found: &mut Vec<String>,
) {
    let flat = synth::flatten(document, schema);
    if flat.get("enum").and_then(Value::as_array).is_some() {
        add(found, "one of its enum values".to_string());
        return;
    }
    if let Some(format @ ("uuid" | "date" | "date-time")) =
        flat.get("format").and_then(Value::as_str)
    {
        add(found, format!("a {format}"));
        return;
    }
    let types: Vec<&str> = match flat.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
        _ => synth::effective_type(&flat).into_iter().collect(),
    };
    for declared in types {
        match declared {
            "array" => match flat.get("items") {
                Some(items) => expectations(document, items, depth + 1, visits, found),
                None => add(found, "an array".to_string()),
            },
            "integer" => add(found, "an integer".to_string()),
            "object" => add(found, "an object".to_string()),
            "null" => add(found, "null".to_string()),
            other => add(found, format!("a {other}")),
        }
    }
}

fn add(found: &mut Vec<String>, text: String) {
    if !found.contains(&text) {
        found.push(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(schema: Value, value: &str) -> bool {
        rejects(&json!({}), &schema, &json!(value), Wire::Text)
    }

    fn body(schema: Value, value: Value) -> bool {
        rejects(&json!({}), &schema, &value, Wire::Json)
    }

    #[test]
    fn a_text_is_rejected_only_when_no_declared_type_can_read_it() {
        assert!(text(json!({"type": "integer"}), "not-an-integer"));
        assert!(!text(json!({"type": "integer"}), "42"));
        assert!(text(json!({"type": "number"}), "not-a-number"));
        assert!(!text(json!({"type": "number"}), "4.5"));
        assert!(text(json!({"type": "boolean"}), "not-a-boolean"));
        assert!(!text(json!({"type": "boolean"}), "true"));
        assert!(!text(
            json!({"type": ["integer", "string"]}),
            "not-an-integer"
        ));
        assert!(!text(json!({}), "anything"), "no type: anything goes");
        assert!(
            !text(json!({"minimum": 1}), "abc"),
            "bounds apply to numbers only"
        );
    }

    #[test]
    fn every_alternative_must_reject() {
        // GitHub's workflow_id and pages_deployment_id.
        let github = json!({"oneOf": [{"type": "integer"}, {"type": "string"}]});
        assert!(!text(github.clone(), "not-an-integer"));
        assert!(!text(
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]}),
            "x"
        ));
        let id_or_uuid =
            json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]});
        assert!(text(id_or_uuid.clone(), "not-an-integer"));
        assert!(!text(id_or_uuid, "3fa85f64-5717-4562-b3fc-2c963f66afa6"));
        let all_of = json!({"allOf": [{"type": "string"}, {"format": "date"}]});
        assert!(
            text(all_of.clone(), "not-a-date"),
            "one part rejecting is enough"
        );
        assert!(!text(all_of, "2024-01-31"));
    }

    #[test]
    fn references_enums_and_formats_are_followed() {
        let document = json!({"components": {"schemas": {
            "Kind": {"type": "string", "enum": ["npm", "maven"]},
            "Id": {"oneOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "integer"}]}
        }}});
        let id = json!({"$ref": "#/components/schemas/Id"});
        assert!(rejects(
            &document,
            &id,
            &json!("rollcall-not-in-enum"),
            Wire::Text
        ));
        assert!(!rejects(&document, &id, &json!("npm"), Wire::Text));
        assert!(!rejects(&document, &id, &json!("7"), Wire::Text));
        assert!(!rejects(
            &document,
            &json!({"$ref": "#/nowhere"}),
            &json!("x"),
            Wire::Text
        ));
        assert!(text(
            json!({"type": "string", "format": "date-time"}),
            "not-a-date-time"
        ));
        assert!(!text(
            json!({"type": "string", "format": "date-time"}),
            "2024-01-31T10:00:00Z"
        ));
        assert!(
            !text(json!({"type": "string", "pattern": "^[0-9]+$"}), "abc"),
            "patterns are not checked"
        );
    }

    #[test]
    fn a_discriminator_allows_every_schema_it_maps() {
        let document = json!({"components": {"schemas": {
            "Cat": {"type": "object", "required": ["meow"]},
            "Dog": {"type": "object", "required": ["bark"]},
            "Fox": {"type": "object"}
        }}});
        let pet = json!({
            "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "Cat", "dog": "#/components/schemas/Dog"}}
        });
        assert!(rejects(&document, &pet, &json!({}), Wire::Json));
        let mut open = pet.clone();
        open["discriminator"]["mapping"]["fox"] = json!("Fox");
        assert!(
            !rejects(&document, &open, &json!({}), Wire::Json),
            "Fox takes {{}}"
        );
    }

    #[test]
    fn an_empty_object_is_rejected_only_for_a_missing_required_property() {
        assert!(body(
            json!({"type": "object", "required": ["title"]}),
            json!({})
        ));
        assert!(!body(
            json!({"type": "object", "properties": {"reason": {"type": "string"}}}),
            json!({})
        ));
        assert!(body(json!({"type": "array", "minItems": 1}), json!([])));
        assert!(!body(json!({"type": "array"}), json!([])));
        assert!(!body(
            json!({"type": "object", "nullable": true, "required": ["a"]}),
            json!(null)
        ));
        assert!(body(
            json!({"type": "object", "additionalProperties": false}),
            json!({"x": 1})
        ));
        assert!(body(
            json!({"type": "object", "properties": {"n": {"type": "integer"}}}),
            json!({"n": "x"})
        ));
    }

    #[test]
    fn arrays_of_texts_are_checked_item_by_item() {
        let ids = json!({"type": "array", "items": {"type": "integer"}});
        assert!(rejects(
            &json!({}),
            &ids,
            &json!(["not-an-integer"]),
            Wire::Text
        ));
        assert!(!rejects(&json!({}), &ids, &json!(["1", "2"]), Wire::Text));
        let names = json!({"type": "array", "items": {"type": "string"}});
        assert!(!rejects(&json!({}), &names, &json!(["x"]), Wire::Text));
    }

    /// Forty levels of two-way `oneOf`, each through a `$ref`: 2^40 paths,
    /// which a check must not walk.
    #[test]
    fn exponentially_nested_alternatives_are_bounded() {
        let mut schemas = serde_json::Map::new();
        for level in 0..40 {
            let next = json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            schemas.insert(format!("S{level}"), json!({"oneOf": [next.clone(), next]}));
        }
        schemas.insert("S40".into(), json!({"type": "integer"}));
        let document = json!({"components": {"schemas": schemas}});
        let schema = json!({"$ref": "#/components/schemas/S0"});
        assert!(
            !rejects(&document, &schema, &json!("not-an-integer"), Wire::Text),
            "gives up: may accept"
        );
        let _ = expectation(&document, &schema);
    }

    #[test]
    fn expectations_name_every_alternative() {
        let document = json!({});
        assert_eq!(
            expectation(&document, &json!({"type": "integer"})),
            "an integer"
        );
        assert_eq!(
            expectation(
                &document,
                &json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})
            ),
            "an integer or a uuid"
        );
        assert_eq!(
            expectation(&document, &json!({"enum": ["a"]})),
            "one of its enum values"
        );
        assert_eq!(
            expectation(
                &document,
                &json!({"type": "array", "items": {"type": "integer"}})
            ),
            "an integer"
        );
    }
}
