//! WPT's JSON data files run through JS in real isolates, the way WPT's own harness files run them, and compared
//! with `tests/wpt-expectations.toml` (every known failure, each with its reason). Any unexpected failure, any
//! unexpected pass and any stale expectation fails the test, so the file stays true. `docs/conformance.md` holds
//! the per-file pass counts: `VERGE_UPDATE_CONFORMANCE=1` rewrites its generated part, otherwise it is checked.
//!
//! Each data file gets its own isolate and one request: the worker (`tests/wpt/*.js`) imports the data file (as a
//! text module parsed with `JSON.parse`, since the JSON module loader rejects the lone surrogates some files
//! hold), runs every case through `tests/wpt/harness.js` and answers with `[name, pass, message]` triples.

#[path = "wpt_apis.rs"]
mod apis;
#[path = "wpt_content_length.rs"]
mod content_length;

use crate::support;
use bytes::Bytes;
use futures::future::LocalBoxFuture;
use http_body_util::Full;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::OnceLock;
use verge_js::ops::OpError;
use verge_js::{Isolate, IsolateConfig};
use verge_web::{Body, Host, WebSetup};

const WPT_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/wpt"
);
const EXPECTATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wpt-expectations.toml");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/conformance.md");
const HARNESS: &str = include_str!("../wpt/harness.js");
const BEGIN: &str =
    "<!-- BEGIN GENERATED: VERGE_UPDATE_CONFORMANCE=1 cargo test -p verge-web --test all wpt -->";
const END: &str = "<!-- END GENERATED -->";

/// One data file and the worker that runs it.
struct Suite {
    /// Path under the WPT data directory; also the expectations file's table name.
    data: &'static str,
    /// The WPT files whose logic the worker follows.
    wpt: &'static str,
    /// The worker module.
    worker: &'static str,
}

const SUITES: [Suite; 12] = [
    Suite {
        data: "url/resources/urltestdata.json",
        wpt: "url/url-constructor.any.js, url/url-origin.any.js",
        worker: include_str!("../wpt/url_constructor.js"),
    },
    Suite {
        data: "url/resources/urltestdata-javascript-only.json",
        wpt: "url/url-constructor.any.js, url/url-origin.any.js",
        worker: include_str!("../wpt/url_constructor.js"),
    },
    Suite {
        data: "url/resources/setters_tests.json",
        wpt: "url/url-setters.any.js",
        worker: include_str!("../wpt/url_setters.js"),
    },
    Suite {
        data: "url/resources/urlencoded-parser-data.json",
        wpt: "url/urlencoded-parser.any.js (URLSearchParams)",
        worker: include_str!("../wpt/urlencoded.js"),
    },
    Suite {
        data: "url/resources/percent-encoding.json",
        wpt: "url/percent-encoding.window.js",
        worker: include_str!("../wpt/percent_encoding.js"),
    },
    Suite {
        data: "url/resources/toascii.json",
        wpt: "url/toascii.window.js (URL)",
        worker: include_str!("../wpt/toascii.js"),
    },
    Suite {
        data: "url/resources/IdnaTestV2.json",
        wpt: "url/IdnaTestV2.window.js",
        worker: include_str!("../wpt/idna.js"),
    },
    Suite {
        data: "urlpattern/resources/urlpatterntestdata.json",
        wpt: "urlpattern/resources/urlpatterntests.js",
        worker: include_str!("../wpt/urlpattern.js"),
    },
    Suite {
        data: "whatwg-encoding/encodings.json",
        wpt: "encoding/textdecoder-labels.any.js, encoding/api-replacement-encodings.any.js",
        worker: include_str!("../wpt/encodings.js"),
    },
    Suite {
        data: "fetch/data-urls/resources/data-urls.json",
        wpt: "fetch/data-urls/processing.any.js",
        worker: include_str!("../wpt/data_urls.js"),
    },
    Suite {
        data: "fetch/data-urls/resources/base64.json",
        wpt: "fetch/data-urls/base64.any.js, html/webappapis/atob/base64.any.js",
        worker: include_str!("../wpt/base64.js"),
    },
    Suite {
        data: "fetch/content-length/resources/content-lengths.json",
        wpt: "fetch/content-length/parsing.window.js",
        worker: include_str!("../wpt/content_length.js"),
    },
];

/// One subtest's result.
#[derive(Debug, Clone)]
struct Outcome {
    name: String,
    pass: bool,
    message: String,
}

/// Results by suite, computed once per test binary whichever test asks first.
static RESULTS: [OnceLock<Vec<Outcome>>; SUITES.len()] = [const { OnceLock::new() }; SUITES.len()];

fn results(index: usize) -> &'static [Outcome] {
    RESULTS[index].get_or_init(|| run_suite(&SUITES[index]))
}

/// Limits for a worker that runs thousands of cases in one request.
fn config() -> IsolateConfig {
    IsolateConfig {
        limits: verge_core::Limits {
            cpu_ms: 600_000,
            wall_ms: 600_000,
            memory_mb: 1024,
            ..verge_core::Limits::default()
        },
        ..support::config()
    }
}

fn isolate(files: BTreeMap<String, String>) -> Isolate {
    let read = Box::new(move |p: &str| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, p.to_owned()))
    });
    let (compiled, _) = verge_js::compile::compile(&config(), &WebSetup, "main.js", read)
        .unwrap_or_else(|e| panic!("compiling the WPT worker: {e}"));
    Isolate::new(
        &config(),
        &WebSetup,
        "main.js",
        verge_js::loader::Source::Bytecode(std::sync::Arc::new(compiled)),
    )
    .unwrap_or_else(|e| panic!("instantiating the WPT worker: {e}"))
}

/// The WPT data directory; its absence is a failure, never a skip.
fn data_path(file: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(WPT_DIR);
    assert!(
        dir.is_dir(),
        "the WPT data directory {} is missing (CI clones the repository with shared/ beside it)",
        dir.display()
    );
    dir.join(file)
}

fn run_suite(suite: &Suite) -> Vec<Outcome> {
    let path = data_path(suite.data);
    let data = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let files = BTreeMap::from([
        ("main.js".to_owned(), suite.worker.to_owned()),
        ("harness.js".to_owned(), HARNESS.to_owned()),
        ("data.txt".to_owned(), data),
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let host: Rc<dyn Host> = match suite.data {
        "fetch/content-length/resources/content-lengths.json" => {
            Rc::new(content_length::RawServerHost::start(&runtime))
        }
        _ => Rc::new(NoNetwork),
    };
    let body = runtime.block_on(async {
        let iso = isolate(files);
        let (status, body) = request(&iso, host)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", suite.data));
        assert_eq!(status, 200, "{}: {body}", suite.data);
        body
    });
    let triples: Vec<(String, bool, String)> = serde_json::from_str(&body).unwrap_or_else(|e| {
        panic!(
            "{}: the worker's answer is not JSON ({e}): {body}",
            suite.data
        )
    });
    assert!(!triples.is_empty(), "{}: no subtest ran", suite.data);
    triples
        .into_iter()
        .map(|(name, pass, message)| Outcome {
            name,
            pass,
            message,
        })
        .collect()
}

/// One GET through the worker; its status and body.
async fn request(iso: &Isolate, host: Rc<dyn Host>) -> Result<(u16, String), verge_js::Error> {
    let (status, _, body) =
        crate::support::request_with_host(iso, "GET", "http://wpt/", None, host).await?;
    Ok((status, body))
}

struct NoNetwork;

impl Host for NoNetwork {
    fn fetch(
        &self,
        _request: http::Request<Full<Bytes>>,
    ) -> LocalBoxFuture<'static, Result<http::Response<Body>, OpError>> {
        Box::pin(async { Err(OpError::Type("no network in this test".into())) })
    }
}

/// Known failures: data file -> case name -> reason.
fn expectations() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(EXPECTATIONS)
        .unwrap_or_else(|e| panic!("reading {EXPECTATIONS}: {e}"));
    let parsed: BTreeMap<String, BTreeMap<String, String>> =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{EXPECTATIONS}: {e}"));
    for file in parsed.keys() {
        assert!(
            SUITES.iter().any(|s| s.data == file),
            "{EXPECTATIONS} names {file}, which no suite runs"
        );
    }
    for (file, cases) in &parsed {
        for (case, reason) in cases {
            assert!(
                !reason.trim().is_empty(),
                "{file}: expected failure {case:?} has no reason"
            );
        }
    }
    parsed
}

/// A TOML basic string for `s` (to paste into the expectations file).
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Compare a suite's results with its expectations; panic listing every discrepancy.
fn check(index: usize) {
    let suite = &SUITES[index];
    let outcomes = results(index);
    let all = expectations();
    let empty = BTreeMap::new();
    let expected = all.get(suite.data).unwrap_or(&empty);
    let mut problems = String::new();
    for o in outcomes {
        match (o.pass, expected.contains_key(&o.name)) {
            (false, false) => {
                let _ = writeln!(
                    problems,
                    "unexpected failure: {} = \"...\"  # {}",
                    toml_string(&o.name),
                    o.message
                );
            }
            (true, true) => {
                let _ = writeln!(
                    problems,
                    "unexpected pass (remove it from the expectations): {}",
                    toml_string(&o.name)
                );
            }
            _ => {}
        }
    }
    for name in expected.keys() {
        if !outcomes.iter().any(|o| &o.name == name) {
            let _ = writeln!(
                problems,
                "stale expectation (no such case): {}",
                toml_string(name)
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} does not match {EXPECTATIONS}:\n{problems}",
        suite.data
    );
}

macro_rules! wpt_tests {
    ($($name:ident = $index:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check($index);
            }
        )*
    };
}

wpt_tests! {
    wpt_url_constructor = 0;
    wpt_url_javascript_only = 1;
    wpt_url_setters = 2;
    wpt_urlencoded_parser = 3;
    wpt_percent_encoding = 4;
    wpt_toascii = 5;
    wpt_idna = 6;
    wpt_urlpattern = 7;
    wpt_encoding_labels = 8;
    wpt_data_urls = 9;
    wpt_base64 = 10;
    wpt_content_length = 11;
}

/// The generated part of `docs/conformance.md`.
fn generated_doc() -> String {
    let all = expectations();
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}");
    let _ = writeln!(
        out,
        "| data file (under `shared/conformance/wpt/`) | run as | subtests | pass | known failures | pass rate |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
    let (mut total, mut passed) = (0usize, 0usize);
    for (i, suite) in SUITES.iter().enumerate() {
        let outcomes = results(i);
        let n = outcomes.len();
        let p = outcomes.iter().filter(|o| o.pass).count();
        total += n;
        passed += p;
        let _ = writeln!(
            out,
            "| `{}` | {} | {n} | {p} | {} | {} |",
            suite.data,
            suite.wpt,
            n - p,
            percent(p, n)
        );
    }
    let _ = writeln!(
        out,
        "| **all** | | {total} | {passed} | {} | {} |",
        total - passed,
        percent(passed, total)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Known failures by reason (from `crates/web/tests/wpt-expectations.toml`):"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| data file | failures | reason |");
    let _ = writeln!(out, "|---|---:|---|");
    for suite in &SUITES {
        let Some(cases) = all.get(suite.data) else {
            continue;
        };
        let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
        for reason in cases.values() {
            *by_reason.entry(reason.as_str()).or_default() += 1;
        }
        for (reason, count) in by_reason {
            let _ = writeln!(
                out,
                "| `{}` | {count} | {} |",
                suite.data,
                reason.replace('|', "\\|")
            );
        }
    }
    let _ = writeln!(out, "{END}");
    out
}

fn percent(p: usize, n: usize) -> String {
    if n == 0 {
        return "-".to_owned();
    }
    // One decimal, rounded down so that 99.96% never shows as 100.0%.
    let tenths = p * 1000 / n;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[test]
fn wpt_conformance_doc_is_current() {
    let generated = generated_doc();
    let current = std::fs::read_to_string(DOC).unwrap_or_default();
    let (Some(start), Some(end)) = (current.find(BEGIN), current.find(END)) else {
        panic!("{DOC} lacks the generated block; run with VERGE_UPDATE_CONFORMANCE=1");
    };
    let after = end + END.len();
    if current[start..after] == *generated.trim_end() {
        return;
    }
    if std::env::var("VERGE_UPDATE_CONFORMANCE").is_ok_and(|v| v == "1") {
        let updated = format!(
            "{}{}{}",
            &current[..start],
            generated.trim_end(),
            &current[after..]
        );
        std::fs::write(DOC, updated).unwrap();
        return;
    }
    panic!(
        "{DOC} is out of date; run `VERGE_UPDATE_CONFORMANCE=1 cargo test -p verge-web --test all wpt`.\nExpected:\n{generated}"
    );
}
