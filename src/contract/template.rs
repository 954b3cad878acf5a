//! Path templates as a contract writes them, `/pets/{petId}/toys/{toyId}`:
//! the names of their parameters, and their shape with the names left out.
//! The names are the contract's own; only the shape reaches the wire, so two
//! templates that differ only in names are one route.
//!
//! ```text
//! parameter_names("/pets/{petId}/toys/{toyId}")  → ["petId", "toyId"]
//! blank_parameters("/pets/{petId}/toys/{toyId}") → "/pets/{}/toys/{}"
//! ```
//!
//! Server URLs use the same `{name}` syntax for their variables.

/// The parameter names a template uses, in order: `/a/{x}/{y}` → `x`, `y`.
/// An unclosed `{` ends the list.
pub fn parameter_names(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}

/// The template with every parameter's name left out:
/// `/pets/{petId}/toys/{toyId}` → `/pets/{}/toys/{}`, so `/tickets/{id}` and
/// `/tickets/{ticketId}` compare equal. Each `{` counts as a parameter, closed
/// or not, and the literal text between them is kept as written.
pub fn blank_parameters(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut pieces = template.split('{');
    out.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        out.push_str("{}");
        // The literal text after the parameter's `}` (none when it is unclosed).
        out.push_str(piece.split_once('}').map_or("", |(_, after)| after));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_in_order_up_to_an_unclosed_brace() {
        assert_eq!(parameter_names("/a/{x}/b/{yy}"), ["x", "yy"]);
        assert_eq!(parameter_names("/a/{x}/b/{y}.json/{z"), ["x", "y"]);
        assert_eq!(parameter_names("https://{region}.example.com"), ["region"]);
        assert!(parameter_names("/pets").is_empty());
    }

    #[test]
    fn blanking_parameter_names_keeps_the_route_shape() {
        assert_eq!(blank_parameters("/a/{x}/b/{yy}.json"), "/a/{}/b/{}.json");
        assert_eq!(blank_parameters("/a}/{x{y}/z}/{w"), "/a}/{}{}/z}/{}");
        assert_eq!(blank_parameters("/pets"), "/pets");
    }
}
