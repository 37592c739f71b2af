//! The web APIs a worker sees, checked through one JSON report from `fixtures/web-api`.

use crate::client;
use crate::support::{Project, Verge};
use http::Method;
use serde_json::json;

#[tokio::test]
async fn request_url_encoding_crypto_and_clone_behave() {
    let mut verge = Verge::start(Project::fixture("web-api"), &[]).await;
    let path = "/api/echo?a=1&b=two&b=three";
    let reply = client::call(
        Method::POST,
        &verge.url(path),
        &[("content-type", "application/json"), ("x-custom", "yes")],
        r#"{"hello": [1, "two"], "nested": {"ok": true}}"#,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "Response.json sets the content-type: {}",
        reply.describe()
    );
    let report = reply.json();

    assert_eq!(
        report["banner"], "verge web-api fixture",
        "text module import"
    );
    assert_eq!(report["method"], "POST");
    assert_eq!(report["url"], verge.url(path));
    assert_eq!(report["pathname"], "/api/echo");
    assert_eq!(report["search"], "?a=1&b=two&b=three");
    assert_eq!(report["a"], "1");
    assert_eq!(report["b"], json!(["two", "three"]));
    assert_eq!(report["custom"], "yes");
    assert_eq!(report["contentType"], "application/json");
    assert_eq!(
        report["body"],
        json!({"hello": [1, "two"], "nested": {"ok": true}})
    );

    assert_eq!(report["encodedLength"], 10, "UTF-8 length of \"héllo ✓\"");
    assert_eq!(report["roundTrip"], "héllo ✓");
    assert_eq!(report["btoa"], "dmVyZ2U=");
    assert_eq!(report["atob"], "verge");

    let uuid = report["uuid"].as_str().expect("uuid string");
    assert!(is_uuid_v4(uuid), "not a v4 UUID: {uuid}");
    assert_eq!(report["randomLength"], 16);

    assert_eq!(
        report["clone"],
        json!({"isMap": true, "entries": [["k", {"n": 1, "list": [1, 2]}]], "deep": true})
    );
    assert_eq!(report["resolved"], "https://a.example/b/x?y=1#frag");
    assert_eq!(report["params"], "q=a+b%26c&n=1");
    assert_eq!(report["mergedHeader"], "a, b");
    assert_eq!(report["timing"], json!(["sync", "microtask", "timeout"]));

    // A second request gets a different UUID.
    let again = client::call(
        Method::POST,
        &verge.url(path),
        &[("content-type", "application/json")],
        "{}",
    )
    .await
    .json();
    assert_ne!(again["uuid"], report["uuid"]);
    verge.assert_running();
}

/// `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`, lower-case hex.
fn is_uuid_v4(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            14 => b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[test]
fn uuid_check() {
    assert!(is_uuid_v4("aa4dcc39-cfdc-4087-adb4-20608853a5d4"));
    assert!(!is_uuid_v4("aa4dcc39-cfdc-3087-adb4-20608853a5d4"));
    assert!(!is_uuid_v4("AA4DCC39-CFDC-4087-ADB4-20608853A5D4"));
}
