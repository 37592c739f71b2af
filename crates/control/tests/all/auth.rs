//! Tokens: 401 without one or with an unknown one, 403 with the wrong scope, and nothing changes.

use crate::support::{Plane, bundle};
use bytes::Bytes;
use http::{Method, StatusCode};
use verge_control::Scope;
use verge_control::client::Client;
use verge_control::model::NewToken;
use verge_store::Store;

/// Every mutating endpoint, with a body that would succeed for an admin.
fn writes(hash: &str) -> Vec<(Method, String, Bytes)> {
    let json = |v: serde_json::Value| Bytes::from(v.to_string());
    vec![
        (
            Method::POST,
            "/v1/bundles".into(),
            Bytes::from(bundle("w", "x", &[]).to_archive()),
        ),
        (
            Method::POST,
            "/v1/workers/w/versions".into(),
            json(serde_json::json!({"bundle": hash})),
        ),
        (
            Method::POST,
            "/v1/workers/w/deployments".into(),
            json(serde_json::json!({"version": 1})),
        ),
        (
            Method::POST,
            "/v1/workers/w/rollback".into(),
            json(serde_json::json!({"version": 1})),
        ),
        (
            Method::PUT,
            "/v1/workers/w/secrets/KEY".into(),
            json(serde_json::json!({"value": "v"})),
        ),
        (Method::DELETE, "/v1/workers/w".into(), Bytes::new()),
        (
            Method::POST,
            "/v1/tokens".into(),
            json(serde_json::json!({"name": "x", "scopes": ["admin"]})),
        ),
    ]
}

#[tokio::test]
async fn missing_unknown_and_underscoped_tokens_change_nothing() {
    let plane = Plane::start().await;
    let b = bundle("w", "one", &[]);
    plane.ship(&b, 100).await;
    let unknown = Client::new(&plane.url, Some("verge_0000000000000000"));
    let garbage = Client::new(&plane.url, Some("not-even-a-token"));
    let node = plane.node("nrt-1").await;
    let before = plane.snapshot().await;
    let (cfg_before, _) = plane.config().await;
    for (method, path, body) in writes(&b.hash()) {
        for (who, client, want) in [
            ("no token", &plane.anonymous, StatusCode::UNAUTHORIZED),
            ("unknown token", &unknown, StatusCode::UNAUTHORIZED),
            ("garbage token", &garbage, StatusCode::UNAUTHORIZED),
            ("read token", &plane.read, StatusCode::FORBIDDEN),
            ("node token", &node, StatusCode::FORBIDDEN),
        ] {
            let resp = client
                .raw(
                    method.clone(),
                    &path,
                    Some("application/json"),
                    body.clone(),
                    &[],
                )
                .await
                .unwrap();
            assert_eq!(resp.status, want, "{who}: {method} {path}: {:?}", resp.body);
            let err: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
            assert!(
                err["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{err}"
            );
        }
    }
    // The deploy token may not manage tokens either.
    let resp = plane
        .deploy
        .raw(Method::GET, "/v1/tokens", None, Bytes::new(), &[])
        .await
        .unwrap();
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(
        plane.snapshot().await,
        before,
        "a refused request changed the store"
    );
    assert_eq!(plane.config().await.0, cfg_before);

    // Reads: anonymous 401, node 403, read allowed.
    for path in ["/v1/workers", "/v1/workers/w/versions", "/v1/pops"] {
        let get = |c: &Client| {
            let c = c.clone();
            let path = path.to_owned();
            async move {
                c.raw(Method::GET, &path, None, Bytes::new(), &[])
                    .await
                    .unwrap()
                    .status
            }
        };
        assert_eq!(
            get(&plane.anonymous).await,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(get(&node).await, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(get(&plane.read).await, StatusCode::OK, "{path}");
        assert_eq!(get(&plane.deploy).await, StatusCode::OK, "{path}");
    }
    // The config document is for nodes, not readers.
    assert!(node.config().await.is_ok());
    assert_eq!(plane.read.config().await.unwrap_err().status, Some(403));
    // Health needs no token.
    let health = plane
        .anonymous
        .raw(Method::GET, "/healthz", None, Bytes::new(), &[])
        .await
        .unwrap();
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_by_admins() {
    let plane = Plane::start().await;
    let created = plane
        .admin
        .create_token(&NewToken {
            name: "ci".into(),
            scopes: vec![Scope::Deploy],
            pop: None,
        })
        .await
        .unwrap();
    assert!(created.token.starts_with("verge_"));
    let ci = Client::new(&plane.url, Some(&created.token));
    assert!(ci.workers().await.is_ok());

    let list = plane
        .admin
        .raw(Method::GET, "/v1/tokens", None, Bytes::new(), &[])
        .await
        .unwrap();
    assert_eq!(list.status, StatusCode::OK);
    let text = String::from_utf8_lossy(&list.body).into_owned();
    assert!(text.contains(&created.record.id), "{text}");
    assert!(
        !text.contains(&created.token),
        "a listing shows a token: {text}"
    );
    // The store holds hashes only.
    for key in plane.store.keys("control-tokens").await.unwrap() {
        let e = plane
            .store
            .get("control-tokens", &key)
            .await
            .unwrap()
            .unwrap();
        assert!(!String::from_utf8_lossy(&e.value).contains("verge_"));
    }
    assert!(
        plane
            .store
            .get("control-tokens", &verge_control::token_hash(&created.token))
            .await
            .unwrap()
            .is_some()
    );

    let revoke = plane
        .admin
        .raw(
            Method::DELETE,
            &format!("/v1/tokens/{}", created.record.id),
            None,
            Bytes::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(revoke.status, StatusCode::OK);
    assert_eq!(ci.workers().await.unwrap_err().status, Some(401));

    let no_scope = plane
        .admin
        .raw(
            Method::POST,
            "/v1/tokens",
            Some("application/json"),
            Bytes::from(r#"{"name":"x","scopes":[]}"#),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(no_scope.status, StatusCode::BAD_REQUEST);
    let err = plane
        .admin
        .create_token(&NewToken {
            name: "node without a PoP".into(),
            scopes: vec![Scope::Node],
            pop: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(400), "{err}");
}
