//! Every example under `examples/`, over HTTP.

use crate::client::{self, Reply};
use crate::support::{Project, Verge};
use http::Method;

fn assert_status(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.describe());
}

fn content_type(reply: &Reply) -> &str {
    reply.header("content-type").unwrap_or_default()
}

#[tokio::test]
async fn hello_answers_plain_text() {
    let verge = Verge::start(Project::example("hello"), &[]).await;
    for path in ["/", "/any/path?x=1"] {
        let reply = client::get(&verge.url(path)).await;
        assert_status(&reply, 200);
        assert_eq!(reply.text(), "Hello from verge!");
        assert!(
            content_type(&reply).starts_with("text/plain"),
            "{}",
            reply.describe()
        );
    }
}

#[tokio::test]
async fn hello_runs_as_a_lone_script() {
    let verge = Verge::start_script(Project::example("hello"), "worker.js", &[]).await;
    let reply = client::get(&verge.url("/")).await;
    assert_status(&reply, 200);
    assert_eq!(reply.text(), "Hello from verge!");
}

#[tokio::test]
async fn json_api_does_crud_404_and_405() {
    // The todo list lives in the isolate: one shard keeps one list.
    let verge = Verge::start(Project::example("json-api"), &["--shards", "1"]).await;
    let json = [("content-type", "application/json")];

    let list = client::get(&verge.url("/todos")).await;
    assert_status(&list, 200);
    assert!(content_type(&list).starts_with("application/json"));
    let seeded = list.json();
    let seeded = seeded.as_array().expect("a JSON array");
    assert_eq!(seeded.len(), 2, "seed.json has two todos");
    assert_eq!(seeded[0]["title"], "Read the verge README");

    let created = client::call(
        Method::POST,
        &verge.url("/todos"),
        &json,
        r#"{"title": "  write the tests  "}"#,
    )
    .await;
    assert_status(&created, 201);
    let todo = created.json();
    assert_eq!(todo["id"], 3);
    assert_eq!(todo["title"], "write the tests");
    assert_eq!(todo["done"], false);
    assert_eq!(created.header("location"), Some("/todos/3"));

    let fetched = client::get(&verge.url("/todos/3")).await;
    assert_status(&fetched, 200);
    assert_eq!(fetched.json(), todo);
    let list = client::get(&verge.url("/todos")).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(3));

    let bad = client::call(Method::POST, &verge.url("/todos"), &json, "not json").await;
    assert_status(&bad, 400);
    assert!(bad.json()["error"].is_string());

    let deleted = client::call(Method::DELETE, &verge.url("/todos/3"), &[], "").await;
    assert_status(&deleted, 204);
    assert!(deleted.body.is_empty());
    let gone = client::get(&verge.url("/todos/3")).await;
    assert_status(&gone, 404);
    assert!(gone.json()["error"].is_string());
    let again = client::call(Method::DELETE, &verge.url("/todos/3"), &[], "").await;
    assert_status(&again, 404);

    let unknown = client::get(&verge.url("/nope")).await;
    assert_status(&unknown, 404);
    assert!(content_type(&unknown).starts_with("application/json"));
    assert!(
        unknown.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("/nope"))
    );

    let put = client::call(Method::PUT, &verge.url("/todos"), &json, "{}").await;
    assert_status(&put, 405);
    assert_eq!(put.header("allow"), Some("GET, POST"));
    assert!(put.json()["error"].is_string());
    let patch = client::call(Method::PATCH, &verge.url("/todos/1"), &json, "{}").await;
    assert_status(&patch, 405);
    assert_eq!(patch.header("allow"), Some("GET, DELETE"));
}

#[tokio::test]
async fn redirect_answers_each_status_with_the_query_passed_through() {
    let verge = Verge::start(Project::example("redirect"), &[]).await;
    let base = verge.base().to_owned();
    let cases = [
        ("/old-blog?page=2", 301, format!("{base}/blog?page=2")),
        ("/docs", 308, "https://docs.example.com/start".to_owned()),
        (
            "/login?next=%2Fhome",
            307,
            format!("{base}/auth/login?next=%2Fhome"),
        ),
        (
            "/promo?utm=x",
            302,
            "https://shop.example.com/sale?ref=promo&utm=x".to_owned(),
        ),
    ];
    for (path, status, location) in cases {
        let reply = client::get(&verge.url(path)).await;
        assert_status(&reply, status);
        assert_eq!(
            reply.header("location"),
            Some(location.as_str()),
            "for {path}"
        );
    }
    let missing = client::get(&verge.url("/nowhere")).await;
    assert_status(&missing, 404);
    assert_eq!(missing.header("location"), None);
    assert!(missing.text().contains("/nowhere"));
}

#[tokio::test]
async fn echo_returns_bytes_and_upper_cases_text() {
    let verge = Verge::start(Project::example("echo"), &[]).await;

    let bytes = client::random_bytes(256 * 1024 + 3);
    let reply = client::call(
        Method::POST,
        &verge.url("/"),
        &[("content-type", "application/x-verge-test")],
        bytes.clone(),
    )
    .await;
    assert_status(&reply, 200);
    assert_eq!(content_type(&reply), "application/x-verge-test");
    assert_eq!(reply.body.len(), bytes.len());
    assert!(
        reply.body == bytes,
        "echoed bytes differ from the ones sent"
    );

    let untyped = client::call(Method::POST, &verge.url("/"), &[], "no type").await;
    assert_status(&untyped, 200);
    assert_eq!(content_type(&untyped), "application/octet-stream");
    assert_eq!(untyped.text(), "no type");

    // Big enough to arrive in several chunks, with multi-byte characters split between them.
    let text = "déjà vu, ✓ stream me! ".repeat(40_000);
    let upper = client::call(Method::POST, &verge.url("/upper"), &[], text.clone()).await;
    assert_status(&upper, 200);
    assert!(content_type(&upper).starts_with("text/plain"));
    assert!(
        upper.text() == text.to_uppercase(),
        "/upper did not upper-case the text"
    );

    let get = client::get(&verge.url("/")).await;
    assert_status(&get, 200);
    assert!(get.text().contains("POST a body"));
}

const API_KEY: &str = "example-key-0123456789";

#[tokio::test]
async fn env_shows_vars_and_secret_presence_without_the_secret() {
    let project = Project::example("env");
    project.copy_file(".dev.vars.example", ".dev.vars");
    assert!(project.read(".dev.vars").contains(API_KEY));
    let verge = Verge::start(project, &[]).await;

    let reply = client::get(&verge.url("/")).await;
    assert_status(&reply, 200);
    assert!(content_type(&reply).starts_with("application/json"));
    let body = reply.json();
    assert_eq!(body["greeting"], "Hello from verge.toml");
    assert_eq!(body["hasApiKey"], true);
    assert_eq!(body["apiKeyLength"], API_KEY.len());
    assert!(
        !reply.text().contains(API_KEY),
        "the secret leaked into the body"
    );
    assert!(
        !verge.stdout.text().contains(API_KEY) && !verge.stderr.text().contains(API_KEY),
        "the secret leaked into the output\n{}",
        verge.dump()
    );
}

#[tokio::test]
async fn env_var_flag_overrides_a_var() {
    let project = Project::example("env");
    project.copy_file(".dev.vars.example", ".dev.vars");
    let verge = Verge::start(
        project,
        &["--var", "GREETING=override from the command line"],
    )
    .await;
    let body = client::get(&verge.url("/")).await.json();
    assert_eq!(body["greeting"], "override from the command line");
    assert_eq!(body["hasApiKey"], true);
}

#[tokio::test]
async fn env_without_dev_vars_has_no_secret() {
    let verge = Verge::start(Project::example("env"), &[]).await;
    let body = client::get(&verge.url("/")).await.json();
    assert_eq!(body["greeting"], "Hello from verge.toml");
    assert_eq!(body["hasApiKey"], false);
    assert_eq!(body["apiKeyLength"], serde_json::Value::Null);
}

#[tokio::test]
async fn service_worker_form_answers() {
    let verge = Verge::start(Project::example("service-worker"), &[]).await;
    let reply = client::get(&verge.url("/some/path?q=1")).await;
    assert_status(&reply, 200);
    assert_eq!(reply.header("x-worker-form"), Some("service-worker"));
    assert!(content_type(&reply).starts_with("text/plain"));
    assert_eq!(
        reply.text(),
        "Hello from a service worker! You asked for /some/path\n"
    );
}
