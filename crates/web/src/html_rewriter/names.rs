//! The checks lol_html applies to tag names, attribute names and comment text, run up front; and the
//! bounds on selectors that keep lol_html's recursive selector parser and compiler within their stacks.
//!
//! JS mutates a model of each token and the rewriter thread replays the mutations afterwards, so a value
//! lol_html would refuse must be refused while the handler runs, with lol_html's own words.

use encoding_rs::Encoding;

/// What a value is checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `element.tagName = ...`
    TagName,
    /// `element.setAttribute(name, ...)`
    AttributeName,
    /// `comment.text = ...`
    CommentText,
}

impl Kind {
    /// The kind by its number in the JS protocol.
    pub(crate) fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::TagName),
            1 => Some(Self::AttributeName),
            2 => Some(Self::CommentText),
            _ => None,
        }
    }
}

fn encodable(text: &str, encoding: &'static Encoding) -> bool {
    let (_, _, had_unmappable) = encoding.encode(text);
    !had_unmappable
}

/// `None` if lol_html accepts `value` as `kind` in a document of `encoding`, else its error message.
pub(crate) fn check(kind: Kind, value: &str, encoding: &'static Encoding) -> Option<String> {
    match kind {
        Kind::TagName => {
            let Some(first) = value.as_bytes().first() else {
                return Some("Tag name can't be empty.".into());
            };
            if !first.is_ascii_alphabetic() {
                return Some(
                    "The first character of the tag name should be an ASCII alphabetical character."
                        .into(),
                );
            }
            if let Some(c) = value
                .bytes()
                .find(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0C' | b'/' | b'>'))
            {
                return Some(format!(
                    "`{}` character is forbidden in the tag name",
                    c as char
                ));
            }
            (!encodable(value, encoding)).then(|| {
                "The tag name contains a character that can't be represented in the document's character encoding.".into()
            })
        }
        Kind::AttributeName => {
            if value.is_empty() {
                return Some("Attribute name can't be empty.".into());
            }
            if let Some(c) = value.bytes().find(|b| {
                matches!(
                    b,
                    b' ' | b'\n' | b'\r' | b'\t' | b'\x0C' | b'/' | b'>' | b'='
                )
            }) {
                return Some(format!(
                    "`{}` character is forbidden in the attribute name",
                    c as char
                ));
            }
            (!encodable(value, encoding)).then(|| {
                "The attribute name contains a character that can't be represented in the document's character encoding.".into()
            })
        }
        Kind::CommentText => {
            if value.contains("-->")
                || value.contains("--!>")
                || value.starts_with('>')
                || value.starts_with("->")
            {
                return Some("Comment text shouldn't contain a comment-closing sequence.".into());
            }
            (!encodable(value, encoding)).then(|| {
                "Comment text contains a character that can't be represented in the document's character encoding.".into()
            })
        }
    }
}

/// Longest selector accepted, in bytes.
pub(crate) const MAX_SELECTOR_LEN: usize = 1024;
/// Deepest nesting of parentheses (`:not(:not(...))`) accepted in a selector.
pub(crate) const MAX_SELECTOR_NESTING: usize = 16;

/// `None` if `selector` is within the bounds lol_html is run with, else why not. Parsing and compiling a
/// selector recurse once per combinator and per nested pseudo-class: unbounded, a hostile selector would
/// overflow the native stack and abort the process.
pub(crate) fn check_selector_bounds(selector: &str) -> Option<String> {
    if selector.len() > MAX_SELECTOR_LEN {
        return Some(format!(
            "selectors longer than {MAX_SELECTOR_LEN} bytes are not supported"
        ));
    }
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for c in selector.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (c, quote) {
            ('\\', _) => escaped = true,
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('(', None) => {
                depth += 1;
                if depth > MAX_SELECTOR_NESTING {
                    return Some(format!(
                        "selectors nested deeper than {MAX_SELECTOR_NESTING} levels are not supported"
                    ));
                }
            }
            (')', None) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{UTF_8, WINDOWS_1252};
    use lol_html::html_content::{Comment, Element};
    use lol_html::{RewriteStrSettings, comments, element, rewrite_str};
    use std::cell::RefCell;

    /// What lol_html itself says of each value, found by rewriting a tiny document.
    fn lol(kind: Kind, value: &str) -> Option<String> {
        let seen = RefCell::new(None);
        let settings = match kind {
            Kind::CommentText => RewriteStrSettings::new().append_element_content_handler(
                comments!("*", |c: &mut Comment<'_>| {
                    *seen.borrow_mut() = c.set_text(value).err().map(|e| e.to_string());
                    Ok(())
                }),
            ),
            _ => RewriteStrSettings::new().append_element_content_handler(element!(
                "*",
                |el: &mut Element<'_, '_>| {
                    let result = match kind {
                        Kind::TagName => el.set_tag_name(value).err().map(|e| e.to_string()),
                        _ => el.set_attribute(value, "v").err().map(|e| e.to_string()),
                    };
                    *seen.borrow_mut() = result;
                    Ok(())
                }
            )),
        };
        rewrite_str("<p><!--x--></p>", settings).unwrap();
        seen.into_inner()
    }

    #[test]
    fn checks_agree_with_lol_html() {
        let values = [
            "", "div", "DIV", "x-y", "1a", "a b", "a/b", "a>b", "a=b", "a\tb", "ñ", "aé", ">x",
            "->x", "a-->b", "a--!>b", "a--b", "-x",
        ];
        for value in values {
            for kind in [Kind::TagName, Kind::AttributeName, Kind::CommentText] {
                let ours = check(kind, value, UTF_8);
                assert_eq!(ours, lol(kind, value), "{kind:?} {value:?}");
            }
        }
    }

    #[test]
    fn selector_bounds() {
        assert_eq!(check_selector_bounds("div > p:not(.a)"), None);
        assert!(check_selector_bounds(&"p ".repeat(600)).is_some());
        let nested = |n: usize| format!("{}p{}", ":not(".repeat(n), ")".repeat(n));
        assert_eq!(check_selector_bounds(&nested(MAX_SELECTOR_NESTING)), None);
        assert!(check_selector_bounds(&nested(MAX_SELECTOR_NESTING + 1)).is_some());
        // Parentheses inside quoted attribute values do not nest anything.
        let quoted = format!("a[title=\"{}\"]", "(".repeat(40));
        assert_eq!(check_selector_bounds(&quoted), None);
        let escaped = format!("a[title='\\'{}']", "(".repeat(40));
        assert_eq!(check_selector_bounds(&escaped), None);
    }

    #[test]
    fn unencodable_characters_are_refused() {
        assert!(check(Kind::AttributeName, "a✓", WINDOWS_1252).is_some());
        assert!(check(Kind::AttributeName, "aé", WINDOWS_1252).is_none());
        assert!(check(Kind::CommentText, "✓", WINDOWS_1252).is_some());
        assert!(check(Kind::TagName, "a✓", WINDOWS_1252).is_some());
        assert!(check(Kind::AttributeName, "a✓", UTF_8).is_none());
    }
}
