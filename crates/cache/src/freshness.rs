//! Whether a response may be stored by a shared cache, and for how long it stays fresh.

use std::time::{Duration, SystemTime};

/// Why a response is or is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheDecision {
    /// Store it, fresh for this long.
    Store(Duration),
    /// Do not store it, for this reason.
    Skip(&'static str),
}

fn header<'a>(headers: &'a [(String, Vec<u8>)], name: &str) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
        .filter_map(|(_, v)| std::str::from_utf8(v).ok())
}

fn directives(headers: &[(String, Vec<u8>)]) -> Vec<(String, Option<String>)> {
    header(headers, "cache-control")
        .flat_map(|v| v.split(','))
        .filter_map(|d| {
            let d = d.trim();
            if d.is_empty() {
                return None;
            }
            Some(match d.split_once('=') {
                Some((k, v)) => (
                    k.trim().to_ascii_lowercase(),
                    Some(v.trim().trim_matches('"').to_owned()),
                ),
                None => (d.to_ascii_lowercase(), None),
            })
        })
        .collect()
}

/// How long a response with `headers` stays fresh in a shared cache, from `s-maxage`, `max-age` or
/// `Expires` (relative to `Date`, or to `now`). `None` when it gives no explicit freshness or forbids storing.
pub fn freshness(headers: &[(String, Vec<u8>)], now: SystemTime) -> Option<Duration> {
    match storable(200, headers, now) {
        CacheDecision::Store(d) => Some(d),
        CacheDecision::Skip(_) => None,
    }
}

/// Whether a response with `status` and `headers` may be stored by a shared cache, and for how long.
pub fn storable(status: u16, headers: &[(String, Vec<u8>)], now: SystemTime) -> CacheDecision {
    if status == 206 {
        return CacheDecision::Skip("partial content (206) is not cached");
    }
    if header(headers, "vary").any(|v| v.split(',').any(|t| t.trim() == "*")) {
        return CacheDecision::Skip("Vary: * is never cached");
    }
    let dirs = directives(headers);
    let has = |name: &str| dirs.iter().any(|(k, _)| k == name);
    if has("no-store") {
        return CacheDecision::Skip("Cache-Control: no-store");
    }
    if has("private") {
        return CacheDecision::Skip("Cache-Control: private");
    }
    let seconds = |name: &str| {
        dirs.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
            .and_then(|v| v.parse::<u64>().ok())
    };
    if let Some(s) = seconds("s-maxage").or_else(|| seconds("max-age")) {
        return if s == 0 {
            CacheDecision::Skip("max-age=0")
        } else {
            CacheDecision::Store(Duration::from_secs(s))
        };
    }
    if has("no-cache") {
        return CacheDecision::Skip("Cache-Control: no-cache (every use must be revalidated)");
    }
    if let Some(expires) = header(headers, "expires").next() {
        let Ok(at) = httpdate::parse_http_date(expires) else {
            return CacheDecision::Skip("invalid Expires (already expired)");
        };
        let base = header(headers, "date")
            .next()
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .unwrap_or(now);
        return match at.duration_since(base) {
            Ok(d) if !d.is_zero() => CacheDecision::Store(d),
            _ => CacheDecision::Skip("Expires is in the past"),
        };
    }
    CacheDecision::Skip("no Cache-Control max-age/s-maxage or Expires")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn decisions() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let d = |pairs: &[(&str, &str)]| storable(200, &h(pairs), now);
        assert_eq!(
            d(&[("Cache-Control", "max-age=60")]),
            CacheDecision::Store(Duration::from_secs(60))
        );
        assert_eq!(
            d(&[("cache-control", "max-age=60, s-maxage=600")]),
            CacheDecision::Store(Duration::from_secs(600))
        );
        assert!(matches!(
            d(&[("cache-control", "no-store, max-age=60")]),
            CacheDecision::Skip(_)
        ));
        assert!(matches!(
            d(&[("cache-control", "private, max-age=60")]),
            CacheDecision::Skip(_)
        ));
        assert!(matches!(
            d(&[("cache-control", "max-age=0")]),
            CacheDecision::Skip(_)
        ));
        assert!(matches!(d(&[]), CacheDecision::Skip(_)));
        assert!(matches!(
            d(&[("vary", "accept, *"), ("cache-control", "max-age=5")]),
            CacheDecision::Skip(_)
        ));
        let date = httpdate::fmt_http_date(now);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            d(&[("date", &date), ("expires", &later)]),
            CacheDecision::Store(Duration::from_secs(120))
        );
        assert!(matches!(d(&[("expires", "0")]), CacheDecision::Skip(_)));
        assert!(matches!(
            storable(206, &h(&[("cache-control", "max-age=5")]), now),
            CacheDecision::Skip(_)
        ));
    }
}
