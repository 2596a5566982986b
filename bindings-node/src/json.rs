//! JSON text across the native boundary: arguments made by `JSON.stringify` in the JS layer,
//! results read by `JSON.parse` there.
//!
//! A bad argument is refused with an `InvalidArgument` error that names the member at fault
//! (`function.args[0]`) and what was expected, never the value itself (it may be a secret).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{encode, invalid_argument, INTERNAL};

/// Parses the JSON text of the argument `what` into a core type.
pub fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> napi::Result<T> {
    serde_json::from_str(text).map_err(|error| {
        // JSON.stringify writes one line: the column is the byte offset just past the fault.
        let path = path_at(text, error.column());
        let at = if path.is_empty() {
            what.to_string()
        } else if path.starts_with('[') {
            format!("{what}{path}")
        } else {
            format!("{what}.{path}")
        };
        invalid_argument(format!("{at}: {}", redacted(&error)))
    })
}

/// JSON text for the JS layer's `JSON.parse`.
pub fn to_json<T: Serialize>(value: &T) -> napi::Result<String> {
    serde_json::to_string(value).map_err(|e| internal(&e))
}

/// The error for a result that cannot be encoded (a bug).
pub fn internal(error: &serde_json::Error) -> napi::Error {
    encode(
        INTERNAL,
        None,
        &format!("cannot encode a result as JSON: {error}"),
    )
}

/// What serde says is wrong, without the value it found or the position.
fn redacted(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(head, _)| head);
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = text.strip_prefix(kind) {
            // "invalid type: string \"value\", expected i64" -> "invalid type string, expected i64"
            let found = rest.split_whitespace().next().unwrap_or_default();
            let found = found.trim_end_matches(',');
            let expected = rest
                .split_once(", expected ")
                .map_or(String::new(), |(_, e)| format!(", expected {e}"));
            return format!("{} {found}{expected}", kind.trim_end_matches(": "));
        }
    }
    text.to_string()
}

enum Step {
    Key(String),
    Index(usize),
}

/// The path (`a.b[2].c`) of the member of the JSON `text` being read at byte `offset`.
fn path_at(text: &str, offset: usize) -> String {
    let mut stack: Vec<Step> = Vec::new();
    let (mut in_string, mut escaped, mut in_key, mut expect_key) = (false, false, false, false);
    let mut key = String::new();
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
                continue;
            } else if c == '"' {
                in_string = false;
                if in_key {
                    in_key = false;
                    if let Some(Step::Key(k)) = stack.last_mut() {
                        *k = std::mem::take(&mut key);
                    }
                }
                continue;
            }
            if in_key {
                key.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                in_key = expect_key;
                expect_key = false;
            }
            '{' => {
                stack.push(Step::Key(String::new()));
                expect_key = true;
            }
            '[' => stack.push(Step::Index(0)),
            '}' | ']' => {
                stack.pop();
            }
            ',' => match stack.last_mut() {
                Some(Step::Index(n)) => *n += 1,
                Some(Step::Key(_)) => expect_key = true,
                None => {}
            },
            _ => {}
        }
    }
    let mut path = String::new();
    for step in stack {
        match step {
            Step::Key(k) if k.is_empty() => {}
            Step::Key(k) if path.is_empty() => path.push_str(&k),
            Step::Key(k) => {
                path.push('.');
                path.push_str(&k);
            }
            Step::Index(n) => path.push_str(&format!("[{n}]")),
        }
    }
    path
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_member_at_fault() {
        let text = r#"{"a":{"b":[1,{"c":"x\"y"}]},"d":2}"#;
        let at = |s: &str| path_at(text, text.find(s).unwrap() + s.len());
        assert_eq!(at(r#""x\"y""#), "a.b[1].c");
        assert_eq!(at("[1"), "a.b[0]");
        assert_eq!(at(r#""d":2"#), "d");
    }

    #[test]
    fn errors_name_the_field_but_not_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            n: i64,
        }
        let error = from_json::<S>(r#"{"n":"secret"}"#, "thing").unwrap_err();
        let message = error.reason;
        assert!(
            message.contains("thing.n: invalid type string, expected i64"),
            "{message}"
        );
        assert!(!message.contains("secret"), "{message}");
    }
}
