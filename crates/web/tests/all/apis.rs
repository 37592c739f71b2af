//! Request, Response, Headers, URL, encoding, timers and friends, through JS.

use crate::support::{eval, isolate, request};

#[tokio::test]
async fn hello_module_form() {
    let iso = isolate(&[(
        "w.js",
        "export default { fetch(req, env) { return new Response(`hello ${env.GREETING} ${new URL(req.url).pathname}`) } }",
    )])
    .unwrap();
    let (status, headers, body) = request(&iso, "GET", "http://x/a/b", None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body, "hello hi /a/b");
    assert!(headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("text/plain")));
}
