//! The `html-rewrite` example over HTTP: HTMLRewriter personalising and rewriting a page as it streams.

use crate::client::{self, Reply};
use crate::support::{Project, Verge};
use http::Method;

fn assert_html(reply: &Reply) {
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.describe());
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{}",
        reply.describe()
    );
}

/// The text of the element with `id="banner"`.
fn banner(page: &str) -> &str {
    let start = page.find(r#"id="banner""#).expect("the page has a banner");
    let open = page[start..]
        .find('>')
        .expect("the banner's start tag ends")
        + start
        + 1;
    let close = page[open..].find("</div>").expect("the banner ends") + open;
    &page[open..close]
}

#[tokio::test]
async fn html_rewrite_personalises_the_page_and_rewrites_links() {
    let project = Project::example("html-rewrite");
    let original = project.read("page.html");
    let verge = Verge::start(project, &[]).await;

    let guest = client::get(&verge.url("/")).await;
    assert_html(&guest);
    let page = guest.text();
    assert_eq!(
        banner(&page),
        "Welcome, guest! Add ?name=YourName to the address."
    );
    assert!(page.contains(r#"class="banner guest""#), "{page}");
    assert_eq!(guest.header("set-cookie"), None);
    assert!(
        page.contains(r#"<a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">Docs ↗</a>"#),
        "http link upgraded and marked external: {page}"
    );
    assert!(
        page.contains(r#"<a href="https://example.org/blog" target="_blank" rel="noopener noreferrer">Blog ↗</a>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<a href="/raw">This page, unrewritten</a>"#),
        "internal links untouched: {page}"
    );
    assert!(!page.contains("http://"), "no plain-http link left: {page}");
    assert!(
        page.ends_with("</html>\n<!-- rewritten at the edge by verge -->\n"),
        "{page}"
    );
    assert!(page.contains("<title>verge news</title>"), "{page}");

    let ada = client::get(&verge.url("/?name=Ada")).await;
    assert_html(&ada);
    let page = ada.text();
    assert_eq!(banner(&page), "Welcome back, Ada!");
    assert!(page.contains("<title>verge news for Ada</title>"), "{page}");
    assert!(page.contains(r#"class="banner known""#), "{page}");
    assert_eq!(
        ada.header("set-cookie"),
        Some("name=Ada; Path=/; SameSite=Lax; HttpOnly")
    );
    if let Some(len) = ada.header("content-length") {
        assert_eq!(
            len,
            ada.body.len().to_string(),
            "a length header matches the body"
        );
    }

    let grace = client::call(
        Method::GET,
        &verge.url("/"),
        &[("cookie", "theme=dark; name=Grace%20Hopper")],
        "",
    )
    .await;
    assert_html(&grace);
    assert_eq!(banner(&grace.text()), "Welcome back, Grace Hopper!");
    assert_eq!(grace.header("set-cookie"), None);

    let sneaky = client::get(&verge.url("/?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E")).await;
    assert_html(&sneaky);
    let page = sneaky.text();
    assert_eq!(
        banner(&page),
        "Welcome back, &lt;script&gt;alert(1)&lt;/script&gt;!"
    );
    assert!(!page.contains("<script>"), "{page}");

    let raw = client::get(&verge.url("/raw")).await;
    assert_html(&raw);
    assert_eq!(raw.text(), original, "/raw is page.html untouched");

    let missing = client::get(&verge.url("/nope")).await;
    assert_eq!(missing.status.as_u16(), 404, "{}", missing.describe());
}
