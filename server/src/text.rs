//! What text Arena stores: no NUL and no other C0 control character except
//! tab and line feed, in every string a client or integration sends
//! (message content, nonces, card data, emoji, topics). Postgres `text`
//! cannot hold U+0000 (SQLSTATE 22021), and a NUL reaching group commit
//! failed its whole batch, so such input is refused up front with
//! `bad_request` and never reaches a transaction (issue 12, item 2).

use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::Value;

/// Is `c` refused in stored text? C0 controls (U+0000..U+001F) except tab
/// and line feed.
pub fn is_refused(c: char) -> bool {
    c < ' ' && c != '\t' && c != '\n'
}

/// `Ok` when `s` holds no refused character; else `bad_request` naming
/// `field` and the first refused code point (e.g. "content contains U+0000").
pub fn check(field: &str, s: &str) -> Result<(), ErrorBody> {
    match s.chars().find(|&c| is_refused(c)) {
        None => Ok(()),
        Some(c) => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "{field} contains U+{:04X}; control characters other than tab and line feed are not allowed",
                c as u32
            ),
        )),
    }
}

/// [`check`] over every string (keys and values) of a JSON value, e.g. a
/// card's `data`.
pub fn check_json(field: &str, v: &Value) -> Result<(), ErrorBody> {
    match v {
        Value::String(s) => check(field, s),
        Value::Array(items) => items.iter().try_for_each(|x| check_json(field, x)),
        Value::Object(map) => map.iter().try_for_each(|(k, x)| {
            check(field, k)?;
            check_json(field, x)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tab_and_newline_pass_other_c0_controls_do_not() {
        assert!(check("content", "a\tb\nc ü 😀").is_ok());
        for bad in ["a\u{0}b", "\u{1}", "x\ry", "\u{1b}[31m", "\u{1f}"] {
            let e = check("content", bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadRequest, "{bad:?}");
        }
        assert!(check("content", "a\u{0}")
            .unwrap_err()
            .message
            .contains("U+0000"));
        // DEL and C1 are not C0: kept (they are valid in Postgres text).
        assert!(check("content", "\u{7f}\u{85}").is_ok());
    }

    #[test]
    fn json_keys_and_nested_values_are_checked() {
        assert!(check_json("card", &json!({"a": ["x", {"b": 1}]})).is_ok());
        assert!(check_json("card", &json!({"a": ["x", {"b": "\u{0}"}]})).is_err());
        assert!(check_json("card", &json!({"k\u{0}": 1})).is_err());
    }
}
