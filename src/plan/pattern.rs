//! Strings that match a schema's `pattern`, built by walking the regex's
//! syntax tree (regex-syntax) rather than by sampling, so the same pattern
//! always gives the same string.
//!
//! `^[A-Z]{2}-\d{3,}$` → `AA-111`: every class gives its most readable
//! member (`a`, `A`, `1`, ...), every repetition its minimum, lengthened only
//! as far as `minLength` needs. With a seed, classes and alternatives are
//! chosen from the seed instead, and the result reports how many bits of
//! choice went into it, so a caller can tell whether the string is unlikely
//! to name anything that already exists.
//!
//! JSON Schema patterns are ECMA-262 regexes; the few constructs regex-syntax
//! does not parse (look-arounds, backreferences) make [`generate`] return
//! `None` and the caller falls back to a placeholder.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The longest string a pattern walk may build; longer walks are abandoned.
const MAX_OUTPUT_CHARS: usize = 8192;
/// The most extra repetitions tried when a string must be made longer.
const MAX_EXTRA_REPETITIONS: u32 = 4096;
/// The most syntax-tree nodes one walk visits (`(^){99999}` builds nothing
/// but would otherwise loop).
const MAX_STEPS: u32 = 1_000_000;

/// A string matching a pattern, and the bits of seeded choice it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub text: String,
    /// log2 of the number of strings the seeded walk could have chosen
    /// between; 0 for an unseeded walk.
    pub entropy_bits: f64,
}

/// A string matching `pattern` whose length in characters lies within
/// `min_len..=max_len`, or `None` when the pattern cannot be parsed or no
/// length-fitting string was found.
pub fn generate(
    pattern: &str,
    min_len: usize,
    max_len: Option<usize>,
    seed: Option<u64>,
) -> Option<Generated> {
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(64)
        .build()
        .parse(pattern)
        .ok()?;
    let fits_min = |extra: u32| walk(&hir, extra, seed).is_some_and(|g| char_len(&g) >= min_len);
    // Lengths never shrink as repetitions grow, so the shortest long-enough
    // string is found by bisection over the number of extra repetitions.
    let extra = if fits_min(0) {
        0
    } else {
        if !fits_min(MAX_EXTRA_REPETITIONS) {
            return None;
        }
        let (mut too_short, mut long_enough) = (0, MAX_EXTRA_REPETITIONS);
        while long_enough - too_short > 1 {
            let middle = too_short + (long_enough - too_short) / 2;
            if fits_min(middle) {
                long_enough = middle;
            } else {
                too_short = middle;
            }
        }
        long_enough
    };
    let generated = walk(&hir, extra, seed)?;
    let len = char_len(&generated);
    (len >= min_len && max_len.is_none_or(|max| len <= max)).then_some(generated)
}

fn char_len(generated: &Generated) -> usize {
    generated.text.chars().count()
}

fn walk(hir: &Hir, extra: u32, seed: Option<u64>) -> Option<Generated> {
    let mut walker = Walker {
        out: String::new(),
        extra,
        seed,
        choices: 0,
        entropy_bits: 0.0,
        steps: 0,
    };
    walker.visit(hir)?;
    Some(Generated {
        text: walker.out,
        entropy_bits: walker.entropy_bits,
    })
}

struct Walker {
    out: String,
    extra: u32,
    seed: Option<u64>,
    /// How many seeded choices were made so far; mixes into the next one.
    choices: u64,
    entropy_bits: f64,
    steps: u32,
}

impl Walker {
    fn visit(&mut self, hir: &Hir) -> Option<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return None;
        }
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Some(()),
            HirKind::Literal(literal) => {
                self.out.push_str(std::str::from_utf8(&literal.0).ok()?);
                self.check_size()
            }
            HirKind::Class(class) => {
                let c = self.pick_char(class)?;
                self.out.push(c);
                self.check_size()
            }
            HirKind::Repetition(repetition) => {
                let wanted = repetition.min.saturating_add(self.extra);
                let count = repetition.max.map_or(wanted, |max| wanted.min(max));
                for _ in 0..count {
                    self.visit(&repetition.sub)?;
                }
                Some(())
            }
            HirKind::Capture(capture) => self.visit(&capture.sub),
            HirKind::Concat(parts) => parts.iter().try_for_each(|part| self.visit(part)),
            HirKind::Alternation(branches) => {
                let index = match self.next_choice(branches.len()) {
                    Some(index) => index,
                    None => branches
                        .iter()
                        .position(|b| b.properties().minimum_len().is_some())?,
                };
                self.visit(branches.get(index)?)
            }
        }
    }

    fn check_size(&self) -> Option<()> {
        (self.out.len() <= MAX_OUTPUT_CHARS * 4).then_some(())
    }

    /// With a seed, an index in `0..count` drawn from it (and the entropy
    /// of that choice recorded); without one, `None`.
    fn next_choice(&mut self, count: usize) -> Option<usize> {
        let seed = self.seed?;
        if count == 0 {
            return None;
        }
        self.choices += 1;
        let draw = mix(seed ^ self.choices.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        self.entropy_bits += (count as f64).log2();
        Some((draw % count as u64) as usize)
    }

    fn pick_char(&mut self, class: &Class) -> Option<char> {
        let ranges: Vec<(char, char)> = match class {
            Class::Unicode(unicode) => unicode
                .ranges()
                .iter()
                .map(|r| (r.start(), r.end()))
                .collect(),
            Class::Bytes(bytes) => bytes
                .ranges()
                .iter()
                .filter(|r| r.start().is_ascii())
                .map(|r| (char::from(r.start()), char::from(r.end().min(0x7f))))
                .collect(),
        };
        let contains = |c: char| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
        if self.seed.is_some() {
            let alphanumeric: Vec<char> = ('0'..='9')
                .chain('A'..='Z')
                .chain('a'..='z')
                .filter(|&c| contains(c))
                .collect();
            if let Some(index) = self.next_choice(alphanumeric.len()) {
                return alphanumeric.get(index).copied();
            }
        }
        const FAVOURITES: &str = "aA1";
        const READABLE: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
        FAVOURITES
            .chars()
            .chain(READABLE.chars())
            .chain((0x21u8..0x7f).map(char::from))
            .chain([' '])
            .find(|&c| contains(c))
            .or_else(|| ranges.first().map(|&(lo, _)| lo))
    }
}

/// A 64-bit finalizer (splitmix64), so neighbouring inputs give unrelated draws.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pattern: &str, min: usize, max: Option<usize>) -> Option<String> {
        generate(pattern, min, max, None).map(|g| g.text)
    }

    #[test]
    fn readable_string_for_simple_patterns() {
        assert_eq!(
            text("^[A-Z]{2}-\\d{3}$", 0, None).as_deref(),
            Some("AA-111")
        );
        assert_eq!(text("^[a-z0-9-]+$", 0, None).as_deref(), Some("a"));
        assert_eq!(text("^(cat|dog)s?$", 0, None).as_deref(), Some("cat"));
        assert_eq!(
            text("^\\d{4}-\\d{2}-\\d{2}$", 0, None).as_deref(),
            Some("1111-11-11")
        );
    }

    #[test]
    fn repetitions_grow_to_reach_min_length_and_respect_max_length() {
        assert_eq!(text("^[a-z]+$", 5, Some(8)).as_deref(), Some("aaaaa"));
        assert_eq!(text("^x[0-9]{2,4}$", 4, None).as_deref(), Some("x111"));
        assert_eq!(text("^[a-z]{10}$", 0, Some(5)), None, "no string fits");
        assert_eq!(text("^ab$", 3, None), None);
    }

    #[test]
    fn unsupported_or_impossible_patterns_give_none() {
        assert_eq!(text("^(?!admin).*$", 0, None), None, "look-ahead");
        assert_eq!(text("(a", 0, None), None);
        assert_eq!(text("[^\\x00-\\x{10FFFF}]", 0, None), None, "empty class");
    }

    #[test]
    fn huge_repetitions_are_abandoned_not_built() {
        assert_eq!(text("a{4000000000}", 0, None), None);
        assert_eq!(text("(a+)+", 100_000, None), None);
    }

    #[test]
    fn seeded_walk_is_deterministic_and_counts_its_choices() {
        let a = generate("^[a-f0-9]{12}$", 0, None, Some(7)).unwrap();
        let b = generate("^[a-f0-9]{12}$", 0, None, Some(7)).unwrap();
        let c = generate("^[a-f0-9]{12}$", 0, None, Some(8)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.text, c.text);
        assert!((a.entropy_bits - 48.0).abs() < 1e-9, "{}", a.entropy_bits);
        assert!(
            generate("^[0-9]{2}$", 0, None, Some(7))
                .unwrap()
                .entropy_bits
                < 32.0
        );
    }
}
