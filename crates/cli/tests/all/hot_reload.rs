//! Editing a running worker: good edits are served, a broken edit keeps the last good version.

use crate::client;
use crate::support::{Project, Verge, eventually};
use std::time::Duration;

/// How long an edit may take to be served.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(10);

fn worker_answering(text: &str) -> String {
    format!(
        "export default {{\n  async fetch() {{\n    return new Response({text:?}, {{ headers: {{ \"content-type\": \"text/plain\" }} }});\n  }},\n}};\n"
    )
}

async fn wait_for_text(verge: &Verge, want: &str) {
    let served = eventually(RELOAD_TIMEOUT, || async {
        let reply = client::get(&verge.url("/")).await;
        (reply.status == 200 && reply.text() == want).then_some(())
    })
    .await;
    let last = client::get(&verge.url("/")).await;
    assert!(
        served.is_some(),
        "{want:?} never served within {RELOAD_TIMEOUT:?}; last answer: {}\n{}",
        last.describe(),
        verge.dump()
    );
}

#[tokio::test]
async fn edits_are_served_and_a_broken_edit_keeps_the_last_good_version() {
    let mut verge = Verge::start(Project::example("hello"), &[]).await;
    assert_eq!(
        client::get(&verge.url("/")).await.text(),
        "Hello from verge!"
    );

    verge
        .project()
        .write("worker.js", &worker_answering("second version"));
    wait_for_text(&verge, "second version").await;
    verge.expect_stdout("Reloaded hello").await;

    verge.project().write(
        "worker.js",
        "export default { fetch() { return new Response(\"oops\" }\n",
    );
    verge
        .expect_stdout("Reload failed, still serving the last good version:")
        .await;
    for _ in 0..5 {
        let reply = client::get(&verge.url("/")).await;
        assert_eq!(reply.status, 200, "{}", reply.describe());
        assert_eq!(reply.text(), "second version");
    }
    verge.assert_running();

    verge
        .project()
        .write("worker.js", &worker_answering("third version"));
    wait_for_text(&verge, "third version").await;
    verge.assert_running();
}

#[tokio::test]
async fn an_edited_module_dependency_is_reloaded() {
    let verge = Verge::start(Project::example("json-api"), &["--shards", "1"]).await;
    let before = client::get(&verge.url("/todos")).await.json();
    assert_eq!(before[0]["title"], "Read the verge README");

    verge.project().write(
        "seed.json",
        r#"[{ "id": 1, "title": "edited seed", "done": false }]"#,
    );
    let reloaded = eventually(RELOAD_TIMEOUT, || async {
        let list = client::get(&verge.url("/todos")).await.json();
        (list[0]["title"] == "edited seed").then_some(list)
    })
    .await
    .unwrap_or_else(|| panic!("edited seed.json never served\n{}", verge.dump()));
    assert_eq!(reloaded.as_array().map(Vec::len), Some(1));
}
