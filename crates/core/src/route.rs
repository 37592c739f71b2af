//! Route patterns, Workers-style: `host/path`, where the host may start with `*` and the path may end with `*`.
//!
//! ```
//! use verge_core::RoutePattern;
//! let p = RoutePattern::parse("*.example.com/img/*").unwrap();
//! assert!(p.matches("cdn.example.com", "/img/a.png"));
//! assert!(!p.matches("example.org", "/img/a.png"));
//! ```

use std::cmp::Ordering;

/// A parsed route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    text: String,
    /// Host suffix after a leading `*`, or the whole host when `host_wild` is false. Lower case, no port.
    host: String,
    host_wild: bool,
    /// Path prefix before a trailing `*`, or the whole path when `path_wild` is false.
    path: String,
    path_wild: bool,
}

impl RoutePattern {
    /// Parse `host/path*`. A scheme (`https://`) is accepted and ignored. A pattern without a path matches only
    /// `/`, as on Workers; write `host/*` for everything.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("route {text:?}: {why}");
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .unwrap_or(text);
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if host.is_empty() {
            return Err(bad("needs a host (`example.com/*`, `*.example.com/*`)"));
        }
        let (host_wild, host) = match host.strip_prefix('*') {
            Some(h) => (true, h),
            None => (false, host),
        };
        if host.contains('*') {
            return Err(bad("`*` may only start the host"));
        }
        if host.contains(':') {
            return Err(bad("a route's host has no port"));
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad("the host may hold only letters, digits, '-' and '.'"));
        }
        let (path_wild, path) = match path.strip_suffix('*') {
            Some(p) => (true, p),
            None => (false, path),
        };
        if path.contains('*') {
            return Err(bad("`*` may only end the path"));
        }
        Ok(Self {
            text: text.to_owned(),
            host: host.to_ascii_lowercase(),
            host_wild,
            path: path.to_owned(),
            path_wild,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a request to `host` (any port is ignored) and `path` matches.
    pub fn matches(&self, host: &str, path: &str) -> bool {
        let host = strip_port(host);
        let host_ok = if self.host_wild {
            host.len() >= self.host.len()
                && host[host.len() - self.host.len()..].eq_ignore_ascii_case(&self.host)
        } else {
            host.eq_ignore_ascii_case(&self.host)
        };
        host_ok
            && if self.path_wild {
                path.starts_with(&self.path)
            } else {
                path == self.path
            }
    }

    /// Order by specificity, most specific first: an exact host before a wildcard one (longer suffix first),
    /// then an exact path before a prefix (longer prefix first).
    pub fn specificity_cmp(&self, other: &Self) -> Ordering {
        let key = |p: &Self| (!p.host_wild, p.host.len(), !p.path_wild, p.path.len());
        key(other).cmp(&key(self))
    }
}

/// `host` without a `:port` (an IPv6 literal keeps its brackets).
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(i) => &host[..=i],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RoutePattern {
        RoutePattern::parse(s).unwrap()
    }

    #[test]
    fn matching() {
        assert!(p("api.example.com/*").matches("api.example.com:8080", "/x/y"));
        assert!(p("api.example.com/*").matches("API.example.com", "/"));
        assert!(!p("api.example.com/*").matches("www.example.com", "/"));
        assert!(p("*.example.com/img/*").matches("a.b.example.com", "/img/x"));
        assert!(!p("*.example.com/img/*").matches("a.example.com", "/css/x"));
        assert!(p("*example.com/*").matches("example.com", "/"));
        assert!(p("example.com/exact").matches("example.com", "/exact"));
        assert!(!p("example.com/exact").matches("example.com", "/exact/more"));
        assert!(p("https://example.com").matches("example.com", "/"));
        assert!(!p("example.com").matches("example.com", "/a"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "/x",
            "a*b.com/*",
            "a.com/x*y",
            "a.com:80/*",
            "a b.com/*",
        ] {
            assert!(RoutePattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn specificity() {
        let mut v = [
            p("*.example.com/*"),
            p("api.example.com/*"),
            p("api.example.com/v1/*"),
            p("*example.com/*"),
            p("api.example.com/v1/exact"),
        ];
        v.sort_by(RoutePattern::specificity_cmp);
        let order: Vec<_> = v.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            order,
            [
                "api.example.com/v1/exact",
                "api.example.com/v1/*",
                "api.example.com/*",
                "*.example.com/*",
                "*example.com/*"
            ]
        );
    }
}
