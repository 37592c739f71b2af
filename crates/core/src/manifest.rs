//! `verge.toml`: what a worker is called, where its code starts, its vars and its limits.

use crate::{Error, Limits, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A worker's manifest, as read from `verge.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The worker's name (shown in logs).
    pub name: String,
    /// The entry module, relative to the manifest's folder.
    pub main: String,
    /// The date whose behaviour the worker was written against (`YYYY-MM-DD`).
    #[serde(default)]
    pub compatibility_date: Option<String>,
    /// Plain-text variables, visible as `env.NAME`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Resource limits.
    #[serde(default)]
    pub limits: Limits,
    /// What outbound `fetch()` may reach.
    #[serde(default)]
    pub outbound: OutboundPolicy,
    /// Sandbox switches.
    #[serde(default)]
    pub sandbox: Sandbox,
    /// Routes the worker serves on a node, Workers-style: `host/path` patterns with `*` wildcards
    /// (`api.example.com/*`, `*.example.com/img/*`). Every worker also answers on `<name>.<platform domain>`.
    #[serde(default)]
    pub routes: Vec<String>,
    /// Where the worker's `fetch()` to its own host goes (the origin behind the route), e.g.
    /// `http://127.0.0.1:9000`.
    #[serde(default)]
    pub origin: Option<String>,
}

/// Sandbox switches of a worker. Everything is off by default, as on Workers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sandbox {
    /// Allow `eval()` and `new Function()` (code generation from strings).
    pub allow_eval: bool,
}

/// What a worker's subrequests may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundPolicy {
    /// Allow private, loopback, link-local and other non-public addresses (off by default: SSRF guard).
    pub allow_private: bool,
}

impl Manifest {
    /// Parse a manifest from TOML text.
    pub fn from_toml(text: &str) -> Result<Self> {
        let manifest: Self = toml::from_str(text).map_err(|e| Error::Manifest(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// A manifest for a lone script: named after the file, no vars, default limits.
    pub fn for_script(name: &str, main: &str) -> Self {
        Self {
            name: name.to_owned(),
            main: main.to_owned(),
            compatibility_date: None,
            vars: BTreeMap::new(),
            limits: Limits::default(),
            outbound: OutboundPolicy::default(),
            sandbox: Sandbox::default(),
            routes: Vec::new(),
            origin: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::Manifest(format!(
                "name {:?} must be non-empty and use only letters, digits, '-' and '_'",
                self.name
            )));
        }
        if self.main.is_empty() {
            return Err(Error::Manifest("main must name the entry module".into()));
        }
        if let Some(date) = &self.compatibility_date {
            let ok = date.len() == 10
                && date.char_indices().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if !ok {
                return Err(Error::Manifest(format!(
                    "compatibility_date {date:?} must be YYYY-MM-DD"
                )));
            }
        }
        for route in &self.routes {
            crate::route::RoutePattern::parse(route).map_err(Error::Manifest)?;
        }
        if let Some(origin) = &self.origin
            && !(origin.starts_with("http://") || origin.starts_with("https://"))
        {
            return Err(Error::Manifest(format!(
                "origin {origin:?} must be an http:// or https:// URL"
            )));
        }
        let l = &self.limits;
        for (name, value) in [
            ("cpu_ms", l.cpu_ms),
            ("startup_cpu_ms", l.startup_cpu_ms),
            ("memory_mb", l.memory_mb),
            ("wall_ms", l.wall_ms),
            ("stack_kb", l.stack_kb),
        ] {
            if value == 0 {
                return Err(Error::Manifest(format!("limits.{name} must be above 0")));
            }
        }
        Ok(())
    }
}

/// Parse a `.dev.vars` file: `KEY=VALUE` lines, `#` comments, optional double quotes around values.
pub fn parse_dev_vars(text: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(Error::DevVars {
                line: i + 1,
                message: "expected KEY=VALUE".into(),
            });
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::DevVars {
                line: i + 1,
                message: "empty key".into(),
            });
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.insert(key.to_owned(), value.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vars_and_limits() {
        let m = Manifest::from_toml(
            "name = \"a\"\nmain = \"w.js\"\ncompatibility_date = \"2026-01-02\"\n[vars]\nX = \"1\"\n[limits]\nmemory_mb = 64\n",
        )
        .unwrap();
        assert_eq!(m.vars["X"], "1");
        assert_eq!(m.limits.memory_mb, 64);
        assert_eq!(m.limits.cpu_ms, 50);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(Manifest::from_toml("name = \"a b\"\nmain = \"w.js\"").is_err());
        assert!(
            Manifest::from_toml("name = \"a\"\nmain = \"w.js\"\n[limits]\ncpu_ms = 0").is_err()
        );
        assert!(Manifest::from_toml("name = \"a\"\nmain = \"w.js\"\nbogus = 1").is_err());
        assert!(
            Manifest::from_toml("name = \"a\"\nmain = \"w.js\"\ncompatibility_date = \"soon\"")
                .is_err()
        );
    }

    #[test]
    fn dev_vars() {
        let v = parse_dev_vars("# c\nA=1\nB = \"two words\"\n").unwrap();
        assert_eq!(v["A"], "1");
        assert_eq!(v["B"], "two words");
        assert!(parse_dev_vars("nope").is_err());
    }
}
