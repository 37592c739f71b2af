//! Mapping store names onto the names NATS allows, one to one.
//!
//! Bucket names in NATS are `[A-Za-z0-9_-]+`; store names also hold `.`, `/` and `=`. A bucket becomes
//! `{prefix}_{escaped}` where `_` escapes: `__` is `_`, `_d` is `.`, `_s` is `/`, `_e` is `=`.
//!
//! Keys in NATS are `[-/_=.A-Za-z0-9]+` and, being subjects, must not end with `.` (store names may). A key is
//! kept as is except that `_` becomes `__` and a trailing `.` becomes `_d`, so every key maps to a distinct
//! NATS key and back.

/// The NATS KV bucket name for a store bucket.
pub fn bucket(prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1 + name.len());
    out.push_str(prefix);
    out.push('_');
    for c in name.chars() {
        match c {
            '_' => out.push_str("__"),
            '.' => out.push_str("_d"),
            '/' => out.push_str("_s"),
            '=' => out.push_str("_e"),
            c => out.push(c),
        }
    }
    out
}

/// The NATS key for a store key (a valid store name, see [`crate::check_name`]).
pub fn key(name: &str) -> String {
    let (body, dot) = match name.strip_suffix('.') {
        Some(body) => (body, true),
        None => (name, false),
    };
    let mut out = body.replace('_', "__");
    if dot {
        out.push_str("_d");
    }
    out
}

/// The store key for a NATS key written by [`key`]; `None` for keys this mapping never makes.
pub fn unkey(nats: &str) -> Option<String> {
    let mut out = String::with_capacity(nats.len());
    let mut chars = nats.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' {
            match chars.next() {
                Some('_') => out.push('_'),
                Some('d') if chars.peek().is_none() => out.push('.'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Whether `prefix` can start NATS bucket names.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_nats_keys() {
        for k in ["a", "a_b", "a__b", "x.", "a.b_", "_d", "w/1=2.", "a_d"] {
            let n = key(k);
            assert!(!n.ends_with('.'), "{n}");
            assert_eq!(unkey(&n).as_deref(), Some(k), "{k} -> {n}");
        }
        assert_ne!(key("x."), key("x_d"));
        assert_eq!(unkey("a_x"), None);
    }

    #[test]
    fn buckets_are_distinct_nats_names() {
        let names = ["a.b", "a/b", "a=b", "a_b", "a_db", "a-b"];
        let mapped: std::collections::HashSet<_> = names.iter().map(|n| bucket("v", n)).collect();
        assert_eq!(mapped.len(), names.len());
        assert!(mapped.iter().all(|m| valid_prefix(m)));
        assert_eq!(bucket("verge", "platform"), "verge_platform");
    }
}
