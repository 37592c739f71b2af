//! The cors-proxy and ab-test examples over HTTP.

use crate::client;
use crate::origin::{ORIGIN_HEADER, Origin};
use crate::support::{Project, Verge};
use http::Method;
use std::collections::HashMap;

/// The cors-proxy example, allowed to reach the test's loopback origin.
async fn cors_proxy(origin: &Origin, allowed_origins: &str) -> Verge {
    let project = Project::example("cors-proxy");
    let toml = project.read("verge.toml");
    project.write(
        "verge.toml",
        &format!("{toml}\n[outbound]\nallow_private = true\n"),
    );
    let upstreams = format!("UPSTREAMS={}", origin.url);
    let allowed = format!("ALLOWED_ORIGINS={allowed_origins}");
    Verge::start(project, &["--var", &upstreams, "--var", &allowed]).await
}

#[tokio::test]
async fn cors_proxy_answers_preflights_and_relays_with_cors_headers() {
    let origin = Origin::start().await;
    let verge = cors_proxy(&origin, "https://app.example").await;
    let target = format!("{}/api/items?x=1", origin.url);
    let proxied = verge.url(&format!("/?url={}", target.replace('&', "%26")));

    let pre = client::call(
        Method::OPTIONS,
        &proxied,
        &[
            ("origin", "https://app.example"),
            ("access-control-request-headers", "content-type"),
        ],
        "",
    )
    .await;
    assert_eq!(pre.status, 204, "{}", pre.describe());
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert!(
        origin.seen().is_empty(),
        "a preflight never reaches the upstream"
    );

    let got = client::call(
        Method::POST,
        &proxied,
        &[
            ("origin", "https://app.example"),
            ("content-type", "application/json"),
            ("cookie", "secret=1"),
        ],
        r#"{"a":1}"#,
    )
    .await;
    assert_eq!(got.status, 201, "{}", got.describe());
    assert_eq!(got.header("x-origin"), Some(ORIGIN_HEADER));
    assert_eq!(
        got.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(
        got.header("access-control-expose-headers")
            .is_some_and(|h| h.contains("x-origin"))
    );
    let seen = origin.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/api/items?x=1");
    assert_eq!(&seen[0].body[..], br#"{"a":1}"#);
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(seen[0].header("cookie"), None, "cookies are not forwarded");

    let other_origin = client::call(
        Method::GET,
        &proxied,
        &[("origin", "https://evil.example")],
        "",
    )
    .await;
    assert_eq!(other_origin.status, 403, "{}", other_origin.describe());
    let app = [("origin", "https://app.example")];
    let other_upstream = client::call(
        Method::GET,
        &verge.url("/?url=https://not-allowed.example/"),
        &app,
        "",
    )
    .await;
    assert_eq!(other_upstream.status, 403, "{}", other_upstream.describe());
    assert!(
        other_upstream
            .text()
            .contains("upstream https://not-allowed.example is not allowed")
    );
    assert_eq!(
        client::call(Method::GET, &verge.url("/"), &app, "")
            .await
            .status,
        400
    );
    let no_origin = client::get(&proxied).await;
    assert_eq!(
        no_origin.status, 403,
        "a caller without an allowed Origin is refused"
    );
    assert_eq!(
        origin.seen().len(),
        1,
        "refused requests never reach the upstream"
    );
}

#[tokio::test]
async fn ab_test_assigns_sticky_variants_in_proportion() {
    let verge = Verge::start(Project::example("ab-test"), &[]).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..200 {
        let r = client::get(&verge.url("/")).await;
        assert_eq!(r.status, 200, "{}", r.describe());
        let variant = r.header("x-variant").unwrap_or_default().to_owned();
        let cookie = r.header("set-cookie").unwrap_or_default();
        assert!(
            cookie.starts_with(&format!("ab-variant={variant};")),
            "{}",
            r.describe()
        );
        let title = if variant == "b" {
            "Variant B"
        } else {
            "Variant A"
        };
        assert!(r.text().contains(title), "{}", r.describe());
        *counts.entry(variant).or_default() += 1;
    }
    let (a, b) = (
        counts.get("a").copied().unwrap_or(0),
        counts.get("b").copied().unwrap_or(0),
    );
    assert_eq!(a + b, 200, "{counts:?}");
    assert!((70..=130).contains(&b), "B share far from 50%: {counts:?}");

    // Sticky: the cookie keeps the variant, and no new cookie is set.
    for variant in ["a", "b"] {
        let cookie = format!("ab-variant={variant}");
        for _ in 0..5 {
            let r = client::call(Method::GET, &verge.url("/"), &[("cookie", &cookie)], "").await;
            assert_eq!(r.header("x-variant"), Some(variant));
            assert_eq!(r.header("set-cookie"), None);
        }
    }
    // Forcing re-pins.
    let r = client::call(
        Method::GET,
        &verge.url("/?variant=b"),
        &[("cookie", "ab-variant=a")],
        "",
    )
    .await;
    assert_eq!(r.header("x-variant"), Some("b"));
    assert!(
        r.header("set-cookie")
            .is_some_and(|c| c.starts_with("ab-variant=b;"))
    );
}
