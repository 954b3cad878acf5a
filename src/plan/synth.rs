//! Values for parameters and bodies: what the contract declares first
//! (`example`, `examples[0]`, `default`, `const`, `enum[0]`), else a value
//! synthesized from the schema that a validator should accept.
//!
//! ```text
//! {type: integer, minimum: 10}                → 10
//! {type: string, format: uuid}                → "3fa85f64-5717-4562-b3fc-2c963f66afa6"
//! {type: object, required: [name], properties: {id: {readOnly: true}, name: {type: string}}}
//!                                             → {"name": "rollcall"}
//! {type: array, items: {$ref: '#/components/schemas/Tag'}, minItems: 2}
//!                                             → [<Tag>, <Tag>]
//! ```
//!
//! `$ref`s are followed through the whole document (internal pointers only;
//! the loader bundles external files in), `allOf` is merged, the first
//! non-null `oneOf`/`anyOf` branch is taken. Synthesis is bounded (nesting
//! depth, value count, string and array sizes, and the merging of one level:
//! its depth and the schemas it may take in, the trials of `oneOf`/`anyOf`
//! branches included), a recursive schema stops at the first repeat (through
//! properties, items and combinators alike), and no schema value, however
//! malformed, makes it panic or overflow the stack. Where a merging bound
//! cut a schema short, [`Synthesized::gave_up`] says where, for the plan's
//! notes. The same schema always gives the same value.

use indexmap::IndexMap;
use serde_json::{Map, Number, Value};

use super::pattern;
use crate::contract::{MediaType, Parameter};

/// The string used where a schema says nothing more specific.
pub const PLACEHOLDER: &str = "rollcall";

/// Objects and arrays nested deeper than this are left empty.
const MAX_DEPTH: usize = 12;
/// Values synthesized for one top-level schema before the rest are left empty.
const MAX_NODES: usize = 5_000;
/// The most items put in one array (`minItems` above this is not honoured).
const MAX_ITEMS: u64 = 32;
/// The longest placeholder string built for `minLength`.
const MAX_STRING_LEN: u64 = 4096;
/// How deep `allOf`/`oneOf`/`anyOf` merging goes within one schema.
const MAX_MERGE_LEVEL: usize = 32;
/// Schemas one level's merging may take in, the `oneOf`/`anyOf` branches it
/// tries included: alternatives nested in alternatives multiply.
const MAX_MERGE_STEPS: usize = 256;

/// A synthesized value, and where synthesis gave up on the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthesized {
    pub value: Value,
    /// The schema (its `$ref`, else `the inline schema`) whose
    /// `allOf`/`oneOf`/`anyOf` nest past what one level's merging follows
    /// ([`MAX_MERGE_LEVEL`] deep, [`MAX_MERGE_STEPS`] schemas): the value
    /// may not satisfy it. `None` when every schema was followed.
    pub gave_up: Option<String>,
}

impl Synthesized {
    /// The plan note for a value synthesized for `what` (`request body`,
    /// `query parameter 'q'`), when synthesis gave up.
    pub fn note(&self, what: &str) -> Option<String> {
        self.gave_up.as_ref().map(|at| {
            format!(
                "{what}: the allOf/oneOf/anyOf of {at} nest past what rollcall follows \
                 ({MAX_MERGE_LEVEL} levels, or {MAX_MERGE_STEPS} schemas merged into one); \
                 the value sent may not match the schema"
            )
        })
    }
}

/// A valid-looking value for `parameter`: its example, else its content's
/// example or schema, else its schema, else the placeholder string.
pub fn parameter_value(document: &Value, parameter: &Parameter) -> Value {
    parameter_synthesis(document, parameter).value
}

/// [`parameter_value`], and where synthesis gave up on its schema.
pub fn parameter_synthesis(document: &Value, parameter: &Parameter) -> Synthesized {
    let declared = |value: Value| Synthesized {
        value,
        gave_up: None,
    };
    if let Some(example) = parameter.example(document).filter(|e| !e.is_null()) {
        return declared(example.clone());
    }
    if let Some(content) = &parameter.content
        && let Some(synthesized) = media_synthesis(document, content)
    {
        return synthesized;
    }
    match parameter.schema(document) {
        Some(schema) => Synthesizer::new(document, false).synthesize(schema),
        None => declared(Value::String(PLACEHOLDER.into())),
    }
}

/// The media type's example, else a value for its schema; `None` when it
/// declares neither.
pub fn media_value(document: &Value, media: &MediaType) -> Option<Value> {
    media_synthesis(document, media).map(|s| s.value)
}

/// [`media_value`], and where synthesis gave up on its schema.
pub fn media_synthesis(document: &Value, media: &MediaType) -> Option<Synthesized> {
    if let Some(example) = media.example(document).filter(|e| !e.is_null()) {
        return Some(Synthesized {
            value: example.clone(),
            gave_up: None,
        });
    }
    media
        .schema(document)
        .map(|schema| Synthesizer::new(document, true).synthesize(schema))
}

/// A value for `schema`: declared (example, examples, default, const, enum)
/// or synthesized.
pub fn schema_value(document: &Value, schema: &Value) -> Value {
    Synthesizer::new(document, false).synthesize(schema).value
}

/// [`schema_value`] for a request body: where no property is required, the
/// top-level object gets its first optional one, so a write carries a real
/// body rather than an empty form or `{}` (live mode sends it to a handler
/// that acts on it).
pub fn body_value(document: &Value, schema: &Value) -> Value {
    Synthesizer::new(document, true).synthesize(schema).value
}

/// Values of the parameter's schema whose text is not empty, most natural
/// first: the schema's first non-empty declared value or a synthesized one
/// (strings of at least one character, arrays of one item, objects with a
/// property), then its other declared values, then the placeholder. Some
/// may break the schema (a declared value outside its bounds): the caller
/// checks them.
pub fn non_empty_candidates(document: &Value, parameter: &Parameter) -> Vec<Value> {
    let schema = parameter
        .content
        .as_ref()
        .and_then(|content| content.schema(document))
        .or(parameter.schema(document));
    let Some(schema) = schema else {
        return vec![Value::String(PLACEHOLDER.into())];
    };
    let mut synth = Synthesizer {
        non_empty: true,
        ..Synthesizer::new(document, true)
    };
    let flat = synth.flatten(schema, &[]);
    let mut candidates = vec![synth.value(schema, &mut Vec::new(), 0)];
    candidates.extend(declared_values(&flat.schema));
    if matches!(effective_type(&flat.schema), None | Some("string")) {
        candidates.push(Value::String(PLACEHOLDER.into()));
    }
    candidates.retain(|candidate| !is_empty_value(candidate));
    candidates
}

/// Every value the schema declares: `example`, `examples`, `default`,
/// `const` and the `enum` members, in that order.
fn declared_values<S: Keywords + ?Sized>(schema: &S) -> Vec<Value> {
    let mut values: Vec<Value> = Vec::new();
    values.extend(schema.keyword("example").cloned());
    if let Some(examples) = schema.keyword("examples").and_then(Value::as_array) {
        values.extend(examples.iter().cloned());
    }
    values.extend(schema.keyword("default").cloned());
    values.extend(schema.keyword("const").cloned());
    if let Some(members) = schema.keyword("enum").and_then(Value::as_array) {
        values.extend(members.iter().cloned());
    }
    values.retain(|value| !value.is_null());
    values
}

/// `""`, `[]`, `{}` or `null`: a value whose text is empty.
fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// `schema` with its `$ref`s followed, `allOf` merged and the first non-null
/// `oneOf`/`anyOf` branch merged in: the keywords that apply to a value at
/// this level, for callers that inspect types and bounds.
pub fn flatten(document: &Value, schema: &Value) -> Map<String, Value> {
    Synthesizer::new(document, false)
        .flatten(schema, &[])
        .schema
        .to_map()
}

/// The type a value of this (flattened) schema has: `type` (the first
/// non-null one of a 3.1 type list), else inferred from the keywords used.
pub fn effective_type<S: Keywords + ?Sized>(schema: &S) -> Option<&str> {
    match schema.keyword("type") {
        Some(Value::String(t)) => return Some(t),
        Some(Value::Array(types)) => {
            let names = || types.iter().filter_map(Value::as_str);
            return names().find(|t| *t != "null").or_else(|| names().next());
        }
        _ => {}
    }
    let has = |keys: &[&str]| keys.iter().any(|k| schema.has(k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
    ]) {
        Some("object")
    } else if has(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
    ]) {
        Some("array")
    } else if let Some(format) = schema.keyword("format").and_then(Value::as_str) {
        Some(match format {
            "int32" | "int64" => "integer",
            "float" | "double" => "number",
            _ => "string",
        })
    } else if has(&["minLength", "maxLength", "pattern"]) {
        Some("string")
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Some("number")
    } else {
        None
    }
}

/// The value the schema itself declares: `example`, `examples[0]`,
/// `default`, `const`, then the first non-null `enum` member.
pub fn declared_value<S: Keywords + ?Sized>(schema: &S) -> Option<Value> {
    let non_null = |v: &&Value| !v.is_null();
    schema
        .keyword("example")
        .filter(non_null)
        .or_else(|| {
            schema
                .keyword("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
                .filter(non_null)
        })
        .or_else(|| schema.keyword("default").filter(non_null))
        .or_else(|| schema.keyword("const").filter(non_null))
        .or_else(|| {
            let members = schema.keyword("enum")?.as_array()?;
            members.iter().find(non_null).or(members.first())
        })
        .cloned()
}

/// Follows an internal reference (`#/components/schemas/Pet`), unescaping
/// `~1`, `~0` and percent-encoding; `None` for anything else.
pub fn resolve_pointer<'d>(document: &'d Value, reference: &str) -> Option<&'d Value> {
    let fragment = reference.strip_prefix('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    crate::contract::pointer::get(document, &decoded)
}

/// The keywords of a schema, however they are held: one schema object of the
/// document (a [`Map`]), or a level merged from several (the synthesizer's,
/// which borrows them). Types, bounds and declared values are read through it.
pub trait Keywords {
    /// The keyword's value as a schema object states it. On a merged level,
    /// `properties`, `required` and `xml` (gathered from every object) are
    /// not read here but through the level's own methods.
    fn keyword(&self, key: &str) -> Option<&Value>;
    /// Whether the keyword is there, the gathered ones included.
    fn has(&self, key: &str) -> bool;
}

impl Keywords for Map<String, Value> {
    fn keyword(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }

    fn has(&self, key: &str) -> bool {
        self.contains_key(key)
    }
}

/// The always-true schema, for a missing `items` or `additionalProperties`.
const ANY: &Value = &Value::Bool(true);

/// One schema level merged from the objects it is made of (its `$ref`
/// targets, `allOf` parts, the `oneOf`/`anyOf` branch taken), borrowing their
/// keywords rather than copying them: in the order first met, the first
/// object stating a keyword winning, except for `properties`, `required` and
/// `xml`, which gather what every object says.
#[derive(Default)]
struct Level<'s> {
    keywords: Vec<(&'s str, Keyword<'s>)>,
}

enum Keyword<'s> {
    Plain(&'s Value),
    Properties(Properties<'s>),
    /// The names, each once.
    Required(Vec<&'s Value>),
    /// `xml` objects' entries, key by key (the first level's win): AWS's
    /// contracts name an element on one `allOf` part (`{xml: {name:
    /// Object}}`) and say the list is not wrapped on the `$ref`'d one.
    Xml(Vec<(&'s str, &'s Value)>),
}

enum Properties<'s> {
    /// One object's `properties`, as it stands.
    One(&'s Map<String, Value>),
    /// Several objects' properties, in the order first met.
    Merged(IndexMap<&'s str, Property<'s>>),
}

/// A property's schema on a merged level.
enum Property<'s> {
    /// As one object states it.
    One(&'s Value),
    /// Constrained by several objects: the schema `{allOf: [parts]}`. A third
    /// object joins the same parts, so merging many levels never nests the
    /// property schema deeper.
    AllOf(Vec<&'s Value>),
}

/// A view of a [`Property`], or of a property of one object's `properties`.
#[derive(Clone, Copy)]
enum PropertySchema<'v, 's> {
    One(&'s Value),
    AllOf(&'v [&'s Value]),
}

impl<'s> Property<'s> {
    /// Adds another object's schema of the property.
    fn add(&mut self, schema: &'s Value) {
        match self {
            Property::AllOf(parts) => parts.push(schema),
            Property::One(existing) => {
                // A lone `allOf` takes the new part in, as a merged one does.
                let mut parts: Vec<&'s Value> = match existing {
                    Value::Object(object) if object.len() == 1 => match object.get("allOf") {
                        Some(Value::Array(inner)) => inner.iter().collect(),
                        _ => vec![*existing],
                    },
                    _ => vec![*existing],
                };
                parts.push(schema);
                *self = Property::AllOf(parts);
            }
        }
    }

    fn view(&self) -> PropertySchema<'_, 's> {
        match self {
            Property::One(schema) => PropertySchema::One(schema),
            Property::AllOf(parts) => PropertySchema::AllOf(parts),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Property::One(schema) => (*schema).clone(),
            Property::AllOf(parts) => {
                let parts = parts.iter().map(|part| (*part).clone()).collect();
                Value::Object(Map::from_iter([("allOf".to_string(), Value::Array(parts))]))
            }
        }
    }
}

impl<'s> Properties<'s> {
    fn merge(&mut self, more: &'s Map<String, Value>) {
        if let Properties::One(first) = *self {
            let merged = first
                .iter()
                .map(|(name, schema)| (name.as_str(), Property::One(schema)))
                .collect();
            *self = Properties::Merged(merged);
        }
        if let Properties::Merged(merged) = self {
            for (name, schema) in more {
                match merged.entry(name.as_str()) {
                    indexmap::map::Entry::Occupied(mut property) => property.get_mut().add(schema),
                    indexmap::map::Entry::Vacant(slot) => {
                        slot.insert(Property::One(schema));
                    }
                }
            }
        }
    }

    fn names(&self) -> Vec<&'s str> {
        match self {
            Properties::One(map) => map.keys().map(String::as_str).collect(),
            Properties::Merged(merged) => merged.keys().copied().collect(),
        }
    }

    fn get(&self, name: &str) -> Option<PropertySchema<'_, 's>> {
        match self {
            Properties::One(map) => map.get(name).map(PropertySchema::One),
            Properties::Merged(merged) => merged.get(name).map(Property::view),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Properties::One(map) => Value::Object((*map).clone()),
            Properties::Merged(merged) => Value::Object(
                merged
                    .iter()
                    .map(|(name, property)| (name.to_string(), property.to_value()))
                    .collect(),
            ),
        }
    }
}

impl<'s> Level<'s> {
    /// Takes in one keyword of an object merged into the level.
    fn take_in(&mut self, key: &'s str, value: &'s Value) {
        let existing = self
            .keywords
            .iter_mut()
            .find(|(name, _)| *name == key)
            .map(|(_, keyword)| keyword);
        match key {
            "properties" => {
                let Value::Object(properties) = value else {
                    return;
                };
                match existing {
                    Some(Keyword::Properties(merged)) => merged.merge(properties),
                    Some(_) => {}
                    None => self
                        .keywords
                        .push((key, Keyword::Properties(Properties::One(properties)))),
                }
            }
            "required" => {
                let Value::Array(names) = value else {
                    return;
                };
                let merged = match existing {
                    Some(Keyword::Required(merged)) => merged,
                    Some(_) => return,
                    None => {
                        self.keywords.push((key, Keyword::Required(Vec::new())));
                        match self.keywords.last_mut() {
                            Some((_, Keyword::Required(merged))) => merged,
                            _ => return,
                        }
                    }
                };
                for name in names {
                    if !merged.contains(&name) {
                        merged.push(name);
                    }
                }
            }
            "xml" => {
                let Value::Object(xml) = value else {
                    return;
                };
                match existing {
                    Some(Keyword::Xml(merged)) => {
                        for (name, value) in xml {
                            if !merged.iter().any(|(known, _)| known == name) {
                                merged.push((name, value));
                            }
                        }
                    }
                    Some(_) => {}
                    None => {
                        let entries = xml.iter().map(|(k, v)| (k.as_str(), v)).collect();
                        self.keywords.push((key, Keyword::Xml(entries)));
                    }
                }
            }
            _ => {
                if existing.is_none() {
                    self.keywords.push((key, Keyword::Plain(value)));
                }
            }
        }
    }

    /// A keyword that is not gathered from several objects (see [`Keywords::keyword`]).
    fn plain(&self, key: &str) -> Option<&'s Value> {
        self.keywords
            .iter()
            .find(|(name, _)| *name == key)
            .and_then(|(_, keyword)| match keyword {
                Keyword::Plain(value) => Some(*value),
                _ => None,
            })
    }

    fn properties(&self) -> Option<&Properties<'s>> {
        self.keywords.iter().find_map(|(_, keyword)| match keyword {
            Keyword::Properties(properties) => Some(properties),
            _ => None,
        })
    }

    fn required(&self) -> &[&'s Value] {
        self.keywords
            .iter()
            .find_map(|(_, keyword)| match keyword {
                Keyword::Required(names) => Some(names.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The level as one schema object, for callers that inspect it ([`flatten`]).
    fn to_map(&self) -> Map<String, Value> {
        self.keywords
            .iter()
            .map(|(key, keyword)| {
                let value = match keyword {
                    Keyword::Plain(value) => (*value).clone(),
                    Keyword::Properties(properties) => properties.to_value(),
                    Keyword::Required(names) => {
                        Value::Array(names.iter().map(|name| (*name).clone()).collect())
                    }
                    Keyword::Xml(entries) => Value::Object(
                        entries
                            .iter()
                            .map(|(name, value)| (name.to_string(), (*value).clone()))
                            .collect(),
                    ),
                };
                (key.to_string(), value)
            })
            .collect()
    }
}

impl Keywords for Level<'_> {
    fn keyword(&self, key: &str) -> Option<&Value> {
        self.plain(key)
    }

    fn has(&self, key: &str) -> bool {
        self.keywords.iter().any(|(name, _)| *name == key)
    }
}

/// One schema level after merging, plus what is needed to stop recursion.
#[derive(Default)]
struct Flat<'s> {
    schema: Level<'s>,
    /// References followed to build this level.
    refs: Vec<&'s str>,
    /// A followed reference is already being expanded further up.
    cyclic: bool,
    /// The schema is `false`: no value is valid.
    never: bool,
    /// The `$ref`s of the `oneOf`/`anyOf` branches taken, outermost first: they name the
    /// concrete type a `discriminator` must announce.
    branches: Vec<&'s str>,
    /// Schemas taken in so far, branch trials included ([`MAX_MERGE_STEPS`]).
    steps: usize,
    /// Where a merging bound cut this level short ([`Synthesized::gave_up`]).
    gave_up: Option<String>,
}

impl Flat<'_> {
    /// Notes that a bound cut the merging short, at the reference being
    /// followed (the first place wins).
    fn give_up(&mut self) {
        if self.gave_up.is_none() {
            self.gave_up = Some(
                self.refs
                    .last()
                    .map_or_else(|| "the inline schema".to_string(), |r| r.to_string()),
            );
        }
    }
}

struct Synthesizer<'a> {
    document: &'a Value,
    nodes: usize,
    /// Whether the top-level object gets an optional property when it has
    /// no required one ([`body_value`]).
    fill_top: bool,
    /// The first place a level's merging was cut short ([`Synthesized::gave_up`]).
    gave_up: Option<String>,
    /// Whether every value must have a non-empty text: declared values
    /// that are empty are passed over, and strings get at least one
    /// character ([`super::path::path_text`]).
    non_empty: bool,
}

impl<'a> Synthesizer<'a> {
    fn new(document: &'a Value, fill_top: bool) -> Synthesizer<'a> {
        Synthesizer {
            document,
            nodes: 0,
            fill_top,
            gave_up: None,
            non_empty: false,
        }
    }

    fn synthesize(mut self, schema: &Value) -> Synthesized {
        let value = self.value(schema, &mut Vec::new(), 0);
        Synthesized {
            value,
            gave_up: self.gave_up,
        }
    }

    fn flatten<'s>(&self, schema: &'s Value, active: &[&'s str]) -> Flat<'s>
    where
        'a: 's,
    {
        let mut flat = Flat::default();
        self.absorb(schema, active, &mut flat, 0);
        flat
    }

    /// [`Self::flatten`] of a property's schema on a merged level.
    fn flatten_property<'s>(&self, schema: PropertySchema<'_, 's>, active: &[&'s str]) -> Flat<'s>
    where
        'a: 's,
    {
        match schema {
            PropertySchema::One(schema) => self.flatten(schema, active),
            PropertySchema::AllOf(parts) => {
                // As the schema `{allOf: parts}` would be: one step, its parts a level deeper.
                let mut flat = Flat {
                    steps: 1,
                    ..Flat::default()
                };
                for part in parts {
                    self.absorb(part, active, &mut flat, 1);
                }
                flat
            }
        }
    }

    /// Merges `schema` into `flat`; keywords already there win, so a node's
    /// own keywords override those of its `$ref` target and its `allOf` parts.
    fn absorb<'s>(&self, schema: &'s Value, active: &[&'s str], flat: &mut Flat<'s>, level: usize)
    where
        'a: 's,
    {
        flat.steps += 1;
        if level > MAX_MERGE_LEVEL || flat.steps > MAX_MERGE_STEPS {
            flat.give_up();
            return;
        }
        let mut current = schema;
        loop {
            let object = match current {
                Value::Object(object) => object,
                Value::Bool(false) => {
                    flat.never = true;
                    return;
                }
                _ => return,
            };
            for (key, value) in object {
                match key.as_str() {
                    "$ref" | "allOf" | "oneOf" | "anyOf" => {}
                    key => flat.schema.take_in(key, value),
                }
            }
            if let Some(Value::Array(parts)) = object.get("allOf") {
                for part in parts {
                    self.absorb(part, active, flat, level + 1);
                }
            }
            for combinator in ["oneOf", "anyOf"] {
                if let Some(Value::Array(branches)) = object.get(combinator)
                    && let Some(branch) = self.first_non_null_branch(branches, active, flat, level)
                {
                    if let Some(reference) = branch.get("$ref").and_then(Value::as_str) {
                        flat.branches.push(reference);
                    }
                    self.absorb(branch, active, flat, level + 1);
                }
            }
            let Some(reference) = object.get("$ref").and_then(Value::as_str) else {
                return;
            };
            if flat.refs.contains(&reference) {
                return;
            }
            if active.contains(&reference) {
                flat.cyclic = true;
            }
            flat.refs.push(reference);
            match resolve_pointer(self.document, reference) {
                Some(target) => current = target,
                None => return,
            }
        }
    }

    /// The first branch that is neither `false` nor typed `null`, else the
    /// first. Each is tried as a part of `flat`'s level: the references
    /// already followed there are not followed again (a branch that refers
    /// back to the schema adds nothing), and the trial counts towards the
    /// level's depth and steps.
    fn first_non_null_branch<'s>(
        &self,
        branches: &'s [Value],
        active: &[&'s str],
        flat: &mut Flat<'s>,
        level: usize,
    ) -> Option<&'s Value>
    where
        'a: 's,
    {
        for branch in branches {
            let mut trial = Flat {
                refs: flat.refs.clone(),
                steps: flat.steps,
                ..Flat::default()
            };
            self.absorb(branch, active, &mut trial, level + 1);
            flat.steps = trial.steps;
            if flat.gave_up.is_none() {
                flat.gave_up = trial.gave_up;
            }
            if !trial.never && effective_type(&trial.schema) != Some("null") {
                return Some(branch);
            }
        }
        branches.first()
    }

    fn value<'s>(&mut self, schema: &'s Value, active: &mut Vec<&'s str>, depth: usize) -> Value
    where
        'a: 's,
    {
        let flat = self.flatten(schema, active);
        self.value_of_flat(flat, active, depth)
    }

    fn value_of_flat<'s>(
        &mut self,
        flat: Flat<'s>,
        active: &mut Vec<&'s str>,
        depth: usize,
    ) -> Value
    where
        'a: 's,
    {
        self.nodes += 1;
        if self.gave_up.is_none() {
            self.gave_up.clone_from(&flat.gave_up);
        }
        if flat.never {
            return Value::Null;
        }
        let declared = if self.non_empty {
            declared_values(&flat.schema)
                .into_iter()
                .find(|value| !is_empty_value(value))
        } else {
            declared_value(&flat.schema)
        };
        if let Some(declared) = declared {
            return declared;
        }
        let descend = !flat.cyclic && depth < MAX_DEPTH && self.nodes < MAX_NODES;
        let outer = active.len();
        active.extend(flat.refs.iter().copied());
        let schema = &flat.schema;
        let value = match effective_type(schema) {
            Some("object") if descend => {
                let mut object = self.object_value(schema, active, depth);
                if let (Value::Object(fields), Some((property, announced))) =
                    (&mut object, discriminator_value(&flat))
                {
                    fields.insert(property, Value::String(announced));
                }
                object
            }
            Some("object") => Value::Object(Map::new()),
            Some("array") if descend => self.array_value(schema, active, depth),
            Some("array") => Value::Array(Vec::new()),
            Some("integer") => integer_value(schema),
            Some("number") => number_value(schema),
            Some("boolean") => Value::Bool(true),
            Some("null") => Value::Null,
            _ if self.non_empty => Value::String(non_empty_string_value(schema)),
            _ => Value::String(string_value(schema)),
        };
        active.truncate(outer);
        value
    }

    /// Required properties (except `readOnly` ones), then optional ones until
    /// `minProperties` is met.
    fn object_value<'s>(
        &mut self,
        schema: &Level<'s>,
        active: &mut Vec<&'s str>,
        depth: usize,
    ) -> Value
    where
        'a: 's,
    {
        let properties = schema.properties();
        let additional: Option<&'s Value> = match schema.plain("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(extra @ Value::Object(_)) => Some(extra),
            _ => Some(ANY),
        };
        let required: Vec<&'s str> = schema
            .required()
            .iter()
            .filter_map(|name| name.as_str())
            .collect();
        let min_properties = schema
            .plain("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_ITEMS) as usize;

        // A body none of whose properties is required gets its first one
        // (at the top level only), so it is not empty.
        let wanted = if self.fill_top && depth == 0 && required.is_empty() {
            min_properties.max(1)
        } else {
            min_properties
        };
        let mut object = Map::new();
        let optional = properties
            .map(Properties::names)
            .unwrap_or_default()
            .into_iter()
            .filter(|name| !required.contains(name));
        let candidates: Vec<(&str, bool)> = required
            .iter()
            .map(|name| (*name, true))
            .chain(optional.map(|name| (name, false)))
            .collect();
        for (name, is_required) in candidates {
            if !is_required && object.len() >= wanted {
                break;
            }
            if object.contains_key(name) {
                continue;
            }
            let flat = match properties.and_then(|properties| properties.get(name)) {
                Some(property) => self.flatten_property(property, active),
                None => self.flatten(additional.unwrap_or(ANY), active),
            };
            if flat.schema.plain("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            let value = self.value_of_flat(flat, active, depth + 1);
            object.insert(name.to_string(), value);
        }
        // A path value must not be empty: a free-form object gets a
        // property of its own there.
        let least = if self.non_empty {
            wanted
        } else {
            min_properties
        };
        if let Some(additional) = additional {
            let mut index = 1;
            while object.len() < least {
                let name = format!("property{index}");
                index += 1;
                if !object.contains_key(&name) {
                    let value = self.value(additional, active, depth + 1);
                    object.insert(name, value);
                }
            }
        }
        Value::Object(object)
    }

    /// `max(1, minItems)` items (none when `maxItems` is 0); 3.1
    /// `prefixItems` (and draft-4 tuple `items`) fill the first positions.
    fn array_value<'s>(
        &mut self,
        schema: &Level<'s>,
        active: &mut Vec<&'s str>,
        depth: usize,
    ) -> Value
    where
        'a: 's,
    {
        let min_items = schema
            .plain("minItems")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let max_items = schema.plain("maxItems").and_then(Value::as_u64);
        let count = min_items
            .max(1)
            .min(max_items.unwrap_or(u64::MAX))
            .min(MAX_ITEMS);
        let (prefix, items): (&'s [Value], &'s Value) =
            match (schema.plain("prefixItems"), schema.plain("items")) {
                (Some(Value::Array(prefix)), items) => (prefix, items.unwrap_or(ANY)),
                (None, Some(Value::Array(tuple))) => (tuple, ANY),
                (_, Some(items)) => (&[], items),
                (_, None) => (&[], ANY),
            };
        let unique = schema.plain("uniqueItems") == Some(&Value::Bool(true));
        let mut values: Vec<Value> = Vec::with_capacity(count as usize);
        for index in 0..count as usize {
            let item_schema = prefix.get(index).unwrap_or(items);
            let mut value = self.value(item_schema, active, depth + 1);
            if unique && values.contains(&value) {
                let flat = self.flatten(item_schema, active);
                // Try the next variants until one is new; give up (fewer items) if none is.
                match (1..=count as usize + 8)
                    .map(|attempt| variant(&flat.schema, &value, attempt))
                    .find(|candidate| candidate.as_ref().is_some_and(|c| !values.contains(c)))
                    .flatten()
                {
                    Some(distinct) => value = distinct,
                    None => break,
                }
            }
            values.push(value);
        }
        Value::Array(values)
    }
}

/// The discriminator property of a (flattened) object schema and the name it must carry: the
/// `mapping` key whose target is the concrete schema synthesized (the `oneOf`/`anyOf` branch
/// taken, else the schema referenced first), else that schema's name. Swagger 2.0 spells the
/// discriminator as the bare property name.
fn discriminator_value(flat: &Flat) -> Option<(String, String)> {
    let discriminator = flat.schema.plain("discriminator")?;
    let (property, mapping) = match discriminator {
        Value::String(property) => (property.clone(), None),
        Value::Object(d) => (
            d.get("propertyName")?.as_str()?.to_string(),
            d.get("mapping").and_then(Value::as_object),
        ),
        _ => return None,
    };
    let concrete = flat.branches.first().or(flat.refs.first())?;
    let name = last_segment(concrete);
    // A target naming the concrete schema, by its reference or its name, ends in that name.
    let announced = mapping
        .and_then(|mapping| {
            mapping
                .iter()
                .find(|(_, target)| {
                    target
                        .as_str()
                        .is_some_and(|target| names_schema(target, name))
                })
                .map(|(key, _)| key.clone())
        })
        .unwrap_or_else(|| name.to_string());
    Some((property, announced))
}

/// What follows the last `/` of a reference (all of it without one).
fn last_segment(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Whether `target`'s [`last_segment`] is `name` (a name without a `/`), without searching the
/// target for its last `/`: a mapping of hundreds of targets is read for every object.
fn names_schema(target: &str, name: &str) -> bool {
    target.ends_with(name)
        && (target.len() == name.len() || target.as_bytes()[target.len() - name.len() - 1] == b'/')
}

/// Another valid value of `schema` than `value`, the `attempt`-th one: the next `enum` member,
/// a string with a numeric suffix, the next integer in range. `None` when the schema allows
/// no obvious other value.
fn variant<S: Keywords + ?Sized>(schema: &S, value: &Value, attempt: usize) -> Option<Value> {
    if let Some(Value::Array(members)) = schema.keyword("enum") {
        return members.get(attempt % members.len().max(1)).cloned();
    }
    match value {
        Value::String(text) => {
            let suffix = attempt.to_string();
            let max = schema
                .keyword("maxLength")
                .and_then(Value::as_u64)
                .map_or(usize::MAX, |m| m as usize);
            let keep = max.saturating_sub(suffix.len()).min(text.chars().count());
            let candidate: String = text.chars().take(keep).chain(suffix.chars()).collect();
            (candidate.chars().count() <= max && schema.keyword("format").is_none())
                .then_some(Value::String(candidate))
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            let (low, high) = integer_range(schema);
            let step = schema
                .keyword("multipleOf")
                .and_then(Value::as_i64)
                .filter(|s| *s > 0)
                .unwrap_or(1);
            let base = n.as_i64()?;
            let offset = step.checked_mul(i64::try_from(attempt).ok()?)?;
            [base.checked_add(offset), base.checked_sub(offset)]
                .into_iter()
                .flatten()
                .find(|v| (low..=high).contains(v))
                .map(|v| Value::Number(v.into()))
        }
        Value::Bool(b) => Some(Value::Bool(if attempt % 2 == 1 { !b } else { *b })),
        _ => None,
    }
}

/// A string for the schema's `format`, else one matching its `pattern`,
/// else the placeholder, padded or cut to `minLength`/`maxLength`.
pub fn string_value<S: Keywords + ?Sized>(schema: &S) -> String {
    string_of_length_at_least(schema, 0)
}

/// [`string_value`] with `minLength` raised to `least`.
fn string_of_length_at_least<S: Keywords + ?Sized>(schema: &S, least: u64) -> String {
    let min_len = schema
        .keyword("minLength")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .max(least)
        .min(MAX_STRING_LEN) as usize;
    let max_len = schema
        .keyword("maxLength")
        .and_then(Value::as_u64)
        .map(|max| max.min(usize::MAX as u64) as usize);
    if let Some(value) = schema
        .keyword("format")
        .and_then(Value::as_str)
        .and_then(format_value)
    {
        return value.to_string();
    }
    if let Some(pattern) = schema.keyword("pattern").and_then(Value::as_str)
        && let Some(generated) = pattern::generate(pattern, min_len, max_len, None)
    {
        return generated.text;
    }
    fit_length(PLACEHOLDER, min_len, max_len)
}

/// [`string_value`] with at least one character, where `maxLength`
/// allows one: a pattern gets its shortest non-empty match.
fn non_empty_string_value<S: Keywords + ?Sized>(schema: &S) -> String {
    if schema.keyword("maxLength").and_then(Value::as_u64) == Some(0) {
        return String::new();
    }
    string_of_length_at_least(schema, 1)
}

/// `base` padded with `x` to `min_len` characters, then cut to `max_len`.
pub fn fit_length(base: &str, min_len: usize, max_len: Option<usize>) -> String {
    let mut text = base.to_string();
    let len = text.chars().count();
    if len < min_len {
        text.extend(std::iter::repeat_n('x', min_len - len));
    }
    match max_len {
        Some(max) => text.chars().take(max).collect(),
        None => text,
    }
}

/// A fixed, valid example of a well-known string format.
pub fn format_value(format: &str) -> Option<&'static str> {
    Some(match format {
        "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "date" => "2024-01-01",
        "date-time" => "2024-01-01T00:00:00Z",
        "time" => "00:00:00Z",
        "duration" => "P1D",
        "email" | "idn-email" => "rollcall@example.com",
        "uri" | "url" | "iri" | "uri-reference" | "iri-reference" => "https://example.com/rollcall",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "byte" => "cm9sbGNhbGw=",
        "binary" => "rollcall test file",
        "password" => "Rollcall-Passw0rd",
        "regex" => "^rollcall$",
        "uri-template" => "https://example.com/{rollcall}",
        "relative-json-pointer" => "0/rollcall",
        "json-pointer" => "/rollcall",
        "int32" | "int64" => "1",
        _ => return None,
    })
}

/// A numeric bound: the value and whether it is exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

/// Lower and upper bounds, reading both the 3.0 (boolean
/// `exclusiveMinimum` next to `minimum`) and the 3.1 (numeric
/// `exclusiveMinimum`) forms; the tighter bound wins when both are given.
pub fn numeric_bounds<S: Keywords + ?Sized>(schema: &S) -> (Option<Bound>, Option<Bound>) {
    let bound = |inclusive_key: &str, exclusive_key: &str, tighter: fn(f64, f64) -> bool| {
        let plain = schema.keyword(inclusive_key).and_then(Value::as_f64);
        let mut result = plain.map(|value| Bound {
            value,
            exclusive: schema.keyword(exclusive_key) == Some(&Value::Bool(true)),
        });
        if let Some(value) = schema.keyword(exclusive_key).and_then(Value::as_f64)
            && result.is_none_or(|b| tighter(value, b.value) || value == b.value)
        {
            result = Some(Bound {
                value,
                exclusive: true,
            });
        }
        result.filter(|b| b.value.is_finite())
    };
    (
        bound("minimum", "exclusiveMinimum", |a, b| a > b),
        bound("maximum", "exclusiveMaximum", |a, b| a < b),
    )
}

/// The smallest and largest integers the schema allows (including the
/// int32 range when `format: int32`).
pub fn integer_range<S: Keywords + ?Sized>(schema: &S) -> (i64, i64) {
    let (lower, upper) = numeric_bounds(schema);
    let (mut low, mut high) = match schema.keyword("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    if let Some(b) = lower {
        let ceil = b.value.ceil();
        let first = if b.exclusive && ceil == b.value {
            ceil + 1.0
        } else {
            ceil
        };
        low = low.max(first as i64);
    }
    if let Some(b) = upper {
        let floor = b.value.floor();
        let last = if b.exclusive && floor == b.value {
            floor - 1.0
        } else {
            floor
        };
        high = high.min(last as i64);
    }
    (low, high)
}

/// 1 when allowed, else the allowed integer nearest to it, rounded to
/// `multipleOf`.
fn integer_value<S: Keywords + ?Sized>(schema: &S) -> Value {
    let (low, high) = integer_range(schema);
    let mut value = 1i64.clamp(low.min(high), high.max(low));
    if let Some(step) = schema
        .keyword("multipleOf")
        .and_then(Value::as_i64)
        .filter(|s| *s > 0)
        && value % step != 0
    {
        let up = value
            .div_euclid(step)
            .saturating_add(1)
            .saturating_mul(step);
        let down = value.div_euclid(step).saturating_mul(step);
        value = if up <= high { up } else { down };
    }
    Value::Number(value.into())
}

/// 1 when allowed, else the nearest allowed number (the middle of the
/// range when an exclusive bound is hit).
fn number_value<S: Keywords + ?Sized>(schema: &S) -> Value {
    let (lower, upper) = numeric_bounds(schema);
    let mut value = 1.0f64;
    if let Some(low) = lower
        && (value < low.value || (low.exclusive && value <= low.value))
    {
        value = match (low.exclusive, upper) {
            (false, _) => low.value,
            (true, Some(high)) => (low.value + high.value) / 2.0,
            (true, None) => low.value + 1.0,
        };
    }
    if let Some(high) = upper
        && (value > high.value || (high.exclusive && value >= high.value))
    {
        value = match (high.exclusive, lower) {
            (false, _) => high.value,
            (true, Some(low)) => (low.value + high.value) / 2.0,
            (true, None) => high.value - 1.0,
        };
    }
    if let Some(step) = schema
        .keyword("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0 && s.is_finite())
    {
        let fits = |v: f64| {
            lower.is_none_or(|b| v > b.value || (!b.exclusive && v == b.value))
                && upper.is_none_or(|b| v < b.value || (!b.exclusive && v == b.value))
        };
        // `1.0 / 0.1` is 10.000000000000002: snap near-integral quotients first.
        let quotient = value / step;
        let quotient = if (quotient - quotient.round()).abs() < 1e-9 {
            quotient.round()
        } else {
            quotient
        };
        let up = quotient.ceil() * step;
        let down = quotient.floor() * step;
        value = if fits(up) { up } else { down };
    }
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::Number((value as i64).into())
    } else {
        Number::from_f64(value).map_or(Value::Number(1.into()), Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::{assert_contains, assert_starts_with};
    use serde_json::json;

    fn synth(schema: Value) -> Value {
        schema_value(&json!({}), &schema)
    }

    fn path_parameter(schema: Value, style: Option<&str>, explode: Option<bool>) -> Parameter {
        Parameter {
            name: "id".into(),
            location: crate::contract::ParamLocation::Path,
            required: true,
            deprecated: false,
            style: style.map(str::to_string),
            explode,
            allow_reserved: false,
            schema: Some(schema.into()),
            example: None,
            content: None,
        }
    }

    /// The text a planned path carries for a parameter, and its note.
    fn segment(parameter: &Parameter) -> (String, Option<String>) {
        let value = parameter_value(&json!({}), parameter);
        crate::plan::path::path_text(&json!({}), parameter, &value)
    }

    /// AWS Audit Manager's `controlSetId: {pattern: ".*", minLength: 0}`
    /// synthesized as "" made `/controlSets//status`.
    #[test]
    fn a_path_value_is_never_empty() {
        let audit = path_parameter(
            json!({"type": "string", "pattern": ".*", "minLength": 0, "maxLength": 300}),
            None,
            None,
        );
        let (text, note) = segment(&audit);
        assert!(
            crate::plan::serialize::fills_segment(&text) && text.chars().count() == 1,
            "{text}"
        );
        let note = note.expect("a note on the replaced value");
        assert_contains(&note, "'id'");
        assert_contains(&note, "an empty path segment");

        let empty_example = Parameter {
            example: Some(json!("").into()),
            ..path_parameter(json!({"type": "string"}), None, None)
        };
        assert_eq!(segment(&empty_example).0, "rollcall");

        let enum_with_empty = path_parameter(json!({"enum": ["", "open"]}), None, None);
        assert_eq!(segment(&enum_with_empty).0, "open");

        let plain = path_parameter(json!({"type": "string"}), None, None);
        assert_eq!(segment(&plain), ("rollcall".to_string(), None));
    }

    /// An object with no required property is `{}`: an empty segment in
    /// simple style, the dot segment `.` in label style.
    #[test]
    fn an_object_or_array_path_value_gets_a_property_or_an_item() {
        let object = json!({"type": "object", "properties": {
            "name": {"type": "string"}, "description": {"type": "string"}
        }});
        let text = |style: Option<&str>, explode: Option<bool>| {
            segment(&path_parameter(object.clone(), style, explode)).0
        };
        assert_eq!(text(None, None), "name,rollcall");
        assert_eq!(text(Some("simple"), Some(true)), "name=rollcall");
        assert_eq!(text(Some("label"), Some(false)), ".name,rollcall");
        assert_eq!(text(Some("label"), Some(true)), ".name=rollcall");
        // Matrix style names the parameter: the segment is never empty.
        assert_eq!(text(Some("matrix"), None), ";id=");

        let open_object = path_parameter(json!({"type": "object"}), Some("label"), None);
        let (open, _) = segment(&open_object);
        assert!(open.len() > 1 && open.starts_with('.'), "{open}");

        let empty_items = path_parameter(
            json!({"type": "array", "items": {"type": "string", "maxLength": 0}}),
            None,
            None,
        );
        assert_eq!(segment(&empty_items).0.len(), 0, "no item can fill it");
    }

    #[test]
    fn a_schema_that_allows_only_an_empty_value_is_noted() {
        let (text, note) = segment(&path_parameter(
            json!({"type": "string", "maxLength": 0}),
            None,
            None,
        ));
        assert_eq!(text, "");
        let note = note.expect("a note");
        assert_contains(&note, "allows no value that fills a path segment");
        let (dot, note) = segment(&path_parameter(json!({"const": "."}), None, None));
        assert_eq!(dot, ".");
        assert!(
            note.is_some_and(|n| n.contains("dot segment '.'")),
            "a dot is noted"
        );
    }

    #[test]
    fn declared_values_win_in_order() {
        assert_eq!(
            synth(json!({"type": "integer", "example": 7, "default": 3})),
            json!(7)
        );
        assert_eq!(
            synth(json!({"type": "integer", "examples": [8, 9], "default": 3})),
            json!(8)
        );
        assert_eq!(
            synth(json!({"type": "integer", "default": 3, "enum": [4]})),
            json!(3)
        );
        assert_eq!(
            synth(json!({"const": "fixed", "enum": ["other"]})),
            json!("fixed")
        );
        assert_eq!(
            synth(json!({"type": ["string", "null"], "enum": [null, "b"]})),
            json!("b")
        );
    }

    #[test]
    fn string_formats_give_valid_examples() {
        assert_eq!(
            synth(json!({"type": "string", "format": "uuid"})),
            json!("3fa85f64-5717-4562-b3fc-2c963f66afa6")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "date"})),
            json!("2024-01-01")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "date-time"})),
            json!("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "email"})),
            json!("rollcall@example.com")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "ipv4"})),
            json!("192.0.2.1")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "ipv6"})),
            json!("2001:db8::1")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "hostname"})),
            json!("example.com")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "uri"})),
            json!("https://example.com/rollcall")
        );
        assert_eq!(
            synth(json!({"type": "string", "format": "byte"})),
            json!("cm9sbGNhbGw=")
        );
    }

    #[test]
    fn strings_respect_length_and_simple_patterns() {
        assert_eq!(
            synth(json!({"type": "string", "minLength": 12})),
            json!("rollcallxxxx")
        );
        assert_eq!(
            synth(json!({"type": "string", "maxLength": 3})),
            json!("rol")
        );
        assert_eq!(
            synth(json!({"type": "string", "pattern": "^[A-Z]{3}[0-9]{2}$"})),
            json!("AAA11")
        );
        assert_eq!(
            synth(json!({"type": "string", "pattern": "(?<=x)y", "minLength": 2, "maxLength": 4})),
            json!("roll"),
            "an unsupported pattern falls back to a placeholder that fits the length"
        );
    }

    #[test]
    fn integers_stay_within_bounds_in_both_exclusive_forms() {
        assert_eq!(synth(json!({"type": "integer"})), json!(1));
        assert_eq!(synth(json!({"type": "integer", "minimum": 10})), json!(10));
        assert_eq!(
            synth(json!({"type": "integer", "minimum": 10, "exclusiveMinimum": true})),
            json!(11)
        );
        assert_eq!(
            synth(json!({"type": "integer", "exclusiveMinimum": 10})),
            json!(11)
        );
        assert_eq!(
            synth(json!({"type": "integer", "maximum": 0, "exclusiveMaximum": true})),
            json!(-1)
        );
        assert_eq!(
            synth(json!({"type": "integer", "exclusiveMaximum": -5})),
            json!(-6)
        );
        assert_eq!(
            synth(json!({"type": "integer", "minimum": 3, "multipleOf": 5})),
            json!(5)
        );
        assert_eq!(
            synth(json!({"type": "integer", "format": "int32", "minimum": 5e12})),
            json!(i32::MAX)
        );
    }

    #[test]
    fn numbers_stay_within_exclusive_ranges() {
        assert_eq!(synth(json!({"type": "number"})), json!(1));
        assert_eq!(
            synth(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1})),
            json!(0.5)
        );
        assert_eq!(synth(json!({"type": "number", "minimum": 2.5})), json!(2.5));
    }

    #[test]
    fn objects_get_required_properties_except_read_only() {
        let value = synth(json!({
            "type": "object",
            "required": ["id", "name", "tags"],
            "properties": {
                "id": {"type": "integer", "readOnly": true},
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "note": {"type": "string"}
            }
        }));
        assert_eq!(
            value,
            json!({"name": "rollcall", "tags": ["rollcall", "rollcall"]})
        );
    }

    #[test]
    fn min_properties_pulls_in_optional_properties() {
        let value = synth(
            json!({"type": "object", "minProperties": 2, "properties": {"a": {"type": "integer"}}}),
        );
        assert_eq!(value, json!({"a": 1, "property1": "rollcall"}));
    }

    #[test]
    fn refs_are_followed_with_escaped_pointers_and_siblings_win() {
        let document = json!({"components": {"schemas": {
            "a/b~c": {"type": "integer", "minimum": 4},
            "Wrapper": {"type": "object", "required": ["n"], "properties": {"n": {"$ref": "#/components/schemas/a~1b~0c"}}}
        }}});
        let value = schema_value(&document, &json!({"$ref": "#/components/schemas/Wrapper"}));
        assert_eq!(value, json!({"n": 4}));
        let overridden = schema_value(
            &document,
            &json!({"$ref": "#/components/schemas/a~1b~0c", "minimum": 9}),
        );
        assert_eq!(overridden, json!(9));
        assert_eq!(
            schema_value(&document, &json!({"$ref": "#/nowhere"})),
            json!("rollcall")
        );
        assert_eq!(
            schema_value(&document, &json!({"$ref": "other.yaml#/x"})),
            json!("rollcall")
        );
    }

    #[test]
    fn all_of_is_merged_and_the_first_non_null_branch_is_taken() {
        let document = json!({"components": {"schemas": {
            "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}}}
        }}});
        let merged = schema_value(
            &document,
            &json!({"allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"required": ["count"], "properties": {"count": {"type": "integer", "minimum": 2}}}
            ]}),
        );
        assert_eq!(
            merged,
            json!({"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "count": 2})
        );
        let branch = schema_value(
            &document,
            &json!({"anyOf": [{"type": "null"}, {"type": "boolean"}]}),
        );
        assert_eq!(branch, json!(true));
        assert_eq!(
            schema_value(
                &document,
                &json!({"oneOf": [{"type": "integer"}, {"type": "string"}]})
            ),
            json!(1)
        );
    }

    #[test]
    fn recursive_schemas_stop_at_the_first_repeat() {
        let document = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["name", "child"], "properties": {
                "name": {"type": "string"},
                "child": {"$ref": "#/components/schemas/Node"}
            }},
            "Loop": {"$ref": "#/components/schemas/Loop"},
            "Self": {"allOf": [{"$ref": "#/components/schemas/Self"}], "type": "integer"}
        }}});
        let node = schema_value(&document, &json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(node, json!({"name": "rollcall", "child": {}}));
        assert_eq!(
            schema_value(&document, &json!({"$ref": "#/components/schemas/Loop"})),
            json!("rollcall")
        );
        assert_eq!(
            schema_value(&document, &json!({"$ref": "#/components/schemas/Self"})),
            json!(1)
        );
    }

    /// `Tree: {allOf: [Tree], anyOf: [Tree]}` overflowed the stack: trying
    /// an `anyOf` branch flattened it afresh, which tried its own branch
    /// afresh, forever. A branch that refers back adds nothing; every walker
    /// that flattens (violation, safe, body) ends on it.
    #[test]
    fn self_references_through_combinators_add_nothing_in_every_walker() {
        let document = json!({"components": {"schemas": {
            "Tree": {
                "type": "object",
                "allOf": [{"$ref": "#/components/schemas/Tree"}],
                "anyOf": [{"$ref": "#/components/schemas/Tree"}],
                "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Tree"}]
            },
            "Id": {"anyOf": [{"$ref": "#/components/schemas/Id"}, {"type": "integer"}]}
        }}});
        let tree = json!({"$ref": "#/components/schemas/Tree"});
        let synthesized = Synthesizer::new(&document, true).synthesize(&tree);
        assert_eq!(synthesized.value, json!({}));
        assert_eq!(synthesized.gave_up, None, "nothing was cut short");
        assert_eq!(effective_type(&flatten(&document, &tree)), Some("object"));

        use crate::plan::violation::{Wire, expectation, rejects};
        assert!(rejects(&document, &tree, &json!("x"), Wire::Json));
        let _ = expectation(&document, &tree);
        let id = crate::plan::tests::param(
            "id",
            crate::contract::ParamLocation::Path,
            true,
            json!({"$ref": "#/components/schemas/Id"}),
        );
        let operation = crate::plan::tests::op(crate::contract::Method::Delete, "/x/{id}");
        let _ = crate::plan::safe::sentinel(&document, &operation, &id);
        let _ = crate::plan::safe::violating_value(&document, &id);
        let media = MediaType {
            media_type: "application/xml".into(),
            schema: Some(tree.clone().into()),
            example: None,
            encoding: None,
        };
        let xml = crate::plan::body::xml_document(&document, Some(&tree), &json!({"a": {}}));
        assert!(xml.contains("<Tree>"), "{xml}");
        let _ = crate::plan::body::multipart_encode(&document, &media, &json!({"a": [1]}));
    }

    /// Forty levels of two alternatives, the first typed `null`: trying one
    /// level's branches tries the next level's, 2^40 trials unbounded. The
    /// merging stops at its bound and says where.
    #[test]
    fn merging_past_its_bound_gives_up_and_says_where() {
        let mut schemas = Map::new();
        for level in 0..40 {
            let next = json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            schemas.insert(
                format!("S{level}"),
                json!({"anyOf": [{"type": "null", "allOf": [next.clone()]}, {"allOf": [next]}]}),
            );
        }
        schemas.insert("S40".into(), json!({"type": "integer"}));
        let document = json!({"components": {"schemas": schemas}});
        let schema = json!({"$ref": "#/components/schemas/S0"});
        let synthesized = Synthesizer::new(&document, false).synthesize(&schema);
        let at = synthesized.gave_up.clone().expect("gave up");
        assert!(at.starts_with("#/components/schemas/S"), "{at}");
        let note = synthesized.note("request body").expect("a note");
        assert_starts_with(
            &note,
            &format!("request body: the allOf/oneOf/anyOf of {at} nest past"),
        );

        // A chain within the bound is followed to its end, without a note.
        let mut schemas = Map::new();
        for level in 0..10 {
            let next = json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            schemas.insert(format!("S{level}"), json!({"allOf": [next]}));
        }
        schemas.insert("S10".into(), json!({"type": "integer", "minimum": 5}));
        let document = json!({"components": {"schemas": schemas}});
        let synthesized = Synthesizer::new(&document, false).synthesize(&schema);
        assert_eq!(synthesized.value, json!(5));
        assert_eq!(synthesized.gave_up, None);
    }

    /// A property constrained at many merged levels stays one `allOf` deep,
    /// however many levels add to it.
    #[test]
    fn a_property_merged_from_many_levels_nests_no_deeper() {
        let mut schemas = Map::new();
        for level in 0..20 {
            let next = json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            schemas.insert(
                format!("S{level}"),
                json!({"allOf": [next], "properties": {"p": {"minimum": level}}}),
            );
        }
        schemas.insert("S20".into(), json!({"type": "object", "required": ["p"]}));
        let document = json!({"components": {"schemas": schemas}});
        let flat = flatten(&document, &json!({"$ref": "#/components/schemas/S0"}));
        let p = &flat["properties"]["p"];
        assert_eq!(p["allOf"].as_array().map(Vec::len), Some(20), "{p}");
        assert!(
            p["allOf"]
                .as_array()
                .unwrap()
                .iter()
                .all(|part| part.get("allOf").is_none())
        );
    }

    #[test]
    fn write_only_properties_are_sent_and_read_only_ones_are_not() {
        let value = synth(json!({
            "type": "object",
            "required": ["id", "password"],
            "properties": {
                "id": {"type": "string", "readOnly": true},
                "password": {"type": "string", "writeOnly": true, "format": "password"}
            }
        }));
        assert_eq!(value, json!({"password": "Rollcall-Passw0rd"}));
    }

    #[test]
    fn discriminator_announces_the_mapping_key_of_the_branch_taken() {
        let document = json!({"components": {"schemas": {
            "Pet": {
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "petType", "mapping": {
                    "dog": "#/components/schemas/Dog", "cat": "#/components/schemas/Cat"
                }}
            },
            "Cat": {"type": "object", "required": ["petType", "lives"], "properties": {
                "petType": {"type": "string"}, "lives": {"type": "integer", "minimum": 9}
            }},
            "Dog": {"type": "object", "required": ["petType"], "properties": {"petType": {"type": "string"}}},
            "Base": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}},
                     "discriminator": {"propertyName": "kind"}},
            "Lizard": {"allOf": [{"$ref": "#/components/schemas/Base"}]}
        }}});
        assert_eq!(
            schema_value(&document, &json!({"$ref": "#/components/schemas/Pet"})),
            json!({"petType": "cat", "lives": 9})
        );
        assert_eq!(
            schema_value(&document, &json!({"$ref": "#/components/schemas/Lizard"})),
            json!({"kind": "Lizard"}),
            "without a mapping the schema name is announced"
        );
        let swagger2 = json!({"definitions": {"Fish": {"type": "object", "discriminator": "type",
            "required": ["type"], "properties": {"type": {"type": "string"}}}}});
        assert_eq!(
            schema_value(&swagger2, &json!({"$ref": "#/definitions/Fish"})),
            json!({"type": "Fish"})
        );
    }

    #[test]
    fn unique_items_are_distinct() {
        assert_eq!(
            synth(
                json!({"type": "array", "minItems": 3, "uniqueItems": true, "items": {"type": "string"}})
            ),
            json!(["rollcall", "rollcall1", "rollcall2"])
        );
        assert_eq!(
            synth(json!({"type": "array", "minItems": 2, "uniqueItems": true,
                         "items": {"type": "string", "enum": ["a", "b", "c"]}})),
            json!(["a", "b"])
        );
        assert_eq!(
            synth(json!({"type": "array", "minItems": 3, "uniqueItems": true,
                         "items": {"type": "integer", "minimum": 1, "maximum": 3}})),
            json!([1, 2, 3])
        );
        assert_eq!(
            synth(json!({"type": "array", "minItems": 2, "uniqueItems": true,
                         "items": {"type": "string", "maxLength": 1}})),
            json!(["r", "1"])
        );
    }

    #[test]
    fn numbers_honour_multiple_of() {
        assert_eq!(
            synth(json!({"type": "number", "multipleOf": 0.25, "minimum": 1.1})),
            json!(1.25)
        );
        assert_eq!(
            synth(json!({"type": "number", "multipleOf": 0.1})),
            json!(1)
        );
        assert_eq!(
            synth(json!({"type": "number", "multipleOf": 4, "maximum": 10})),
            json!(4)
        );
    }

    #[test]
    fn more_string_formats_give_valid_examples() {
        for (format, expected) in [
            ("time", "00:00:00Z"),
            ("duration", "P1D"),
            ("password", "Rollcall-Passw0rd"),
            ("binary", "rollcall test file"),
        ] {
            assert_eq!(
                synth(json!({"type": "string", "format": format})),
                json!(expected),
                "{format}"
            );
        }
    }

    #[test]
    fn json_schema_2020_keywords_are_read() {
        let document = json!({"components": {"schemas": {"S": {
            "$defs": {"Id": {"type": "integer", "minimum": 5}},
            "type": "object", "required": ["id", "pair", "kind", "maybe"],
            "properties": {
                "id": {"$ref": "#/components/schemas/S/$defs/Id"},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}], "minItems": 2},
                "kind": {"const": "fixed"},
                "maybe": {"type": ["null", "integer"], "if": {"minimum": 0}, "then": {"maximum": 3}, "else": {"const": 7}}
            }
        }}}});
        assert_eq!(
            schema_value(&document, &json!({"$ref": "#/components/schemas/S"})),
            json!({"id": 5, "pair": ["rollcall", true], "kind": "fixed", "maybe": 1})
        );
    }

    #[test]
    fn wide_and_deep_schemas_are_bounded() {
        let mut schema = json!({"type": "string"});
        for _ in 0..200 {
            schema = json!({"type": "array", "minItems": 1000, "items": schema});
        }
        let value = synth(schema);
        assert!(serde_json::to_string(&value).unwrap().len() < 1_000_000);
    }

    #[test]
    fn arbitrary_json_as_a_schema_never_panics() {
        let odd = [
            json!(null),
            json!(false),
            json!(true),
            json!(3),
            json!("x"),
            json!([1, {}]),
            json!({"type": 5}),
            json!({"type": []}),
            json!({"type": ["null"]}),
            json!({"type": "object", "required": "id", "properties": []}),
            json!({"type": "array", "items": 5, "minItems": -1, "maxItems": "x"}),
            json!({"type": "integer", "minimum": 10, "maximum": 1}),
            json!({"type": "integer", "minimum": 1e300, "multipleOf": 0}),
            json!({"type": "number", "minimum": "a", "exclusiveMaximum": true}),
            json!({"type": "string", "minLength": 1e20, "maxLength": -3, "pattern": 4}),
            json!({"allOf": 3, "oneOf": [], "anyOf": [null], "$ref": 9}),
            json!({"$ref": "#/"}),
            json!({"$ref": "#/%ZZ/~2"}),
            json!({"enum": []}),
            json!({"type": "object", "properties": {"a": false}, "required": ["a"]}),
        ];
        for schema in odd {
            let _ = schema_value(&json!({"": {"x": 1}}), &schema);
        }
    }

    #[test]
    fn same_schema_same_value() {
        let schema = json!({"type": "object", "required": ["a", "b"], "properties": {
            "a": {"type": "string", "pattern": "^[a-z]{4,}$"}, "b": {"type": "number", "exclusiveMinimum": 0.5}
        }});
        assert_eq!(synth(schema.clone()), synth(schema));
    }

    /// A random JSON value built from schema keywords, so the walk meets
    /// every keyword with values of every kind.
    fn random_schema(rng: &mut fastrand::Rng, depth: u32) -> Value {
        const KEYS: [&str; 24] = [
            "type",
            "format",
            "$ref",
            "allOf",
            "oneOf",
            "anyOf",
            "properties",
            "required",
            "items",
            "prefixItems",
            "minItems",
            "maxItems",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "enum",
            "readOnly",
            "additionalProperties",
            "minProperties",
        ];
        const STRINGS: [&str; 12] = [
            "object",
            "array",
            "string",
            "integer",
            "number",
            "boolean",
            "null",
            "uuid",
            "int32",
            "#/components/schemas/A",
            "#/components/schemas/B",
            "^[a-z]{2,}$",
        ];
        let leaf = |rng: &mut fastrand::Rng| match rng.u8(0..6) {
            0 => Value::Null,
            1 => Value::Bool(rng.bool()),
            2 => json!(rng.i64(-5..1_000_000_000_000)),
            3 => json!(rng.f64() * 1e6 - 10.0),
            4 => json!(STRINGS[rng.usize(0..STRINGS.len())]),
            _ => json!(["a", 1, null]),
        };
        if depth == 0 {
            return leaf(rng);
        }
        match rng.u8(0..4) {
            0 => leaf(rng),
            1 => Value::Array(
                (0..rng.usize(0..4))
                    .map(|_| random_schema(rng, depth - 1))
                    .collect(),
            ),
            _ => {
                let mut map = Map::new();
                for _ in 0..rng.usize(0..6) {
                    let key = KEYS[rng.usize(0..KEYS.len())].to_string();
                    let value = if rng.bool() {
                        leaf(rng)
                    } else {
                        random_schema(rng, depth - 1)
                    };
                    map.insert(key, value);
                }
                Value::Object(map)
            }
        }
    }

    #[test]
    fn random_schemas_never_panic() {
        let mut rng = fastrand::Rng::with_seed(20_261_122);
        for _ in 0..3000 {
            let document = json!({"components": {"schemas": {
                "A": random_schema(&mut rng, 4),
                "B": random_schema(&mut rng, 4)
            }}});
            let schema = random_schema(&mut rng, 5);
            let _ = schema_value(&document, &schema);
            let flat = flatten(&document, &schema);
            let _ = effective_type(&flat);
            let _ = integer_range(&flat);
            let mut parameter =
                crate::plan::tests::param("id", crate::contract::ParamLocation::Path, true, schema);
            parameter.style = Some("matrix".into());
            let operation = crate::plan::tests::op(crate::contract::Method::Delete, "/x/{id}");
            let _ = crate::plan::safe::sentinel(&document, &operation, &parameter);
            let _ = crate::plan::safe::violating_value(&document, &parameter);
            let value = parameter_value(&document, &parameter);
            let _ = crate::plan::serialize::path_value(&parameter, &value);
        }
    }
}
