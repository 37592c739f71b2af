//! The WebCrypto examples over HTTP: `examples/jwt-auth` with RS256 and ES256 tokens signed here (RustCrypto,
//! with the example's dev keys), and `examples/hmac-signed-urls` with links from the worker and from here.

use crate::client::{self, Reply};
use crate::support::{Project, Verge, examples_dir};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use http::Method;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

fn assert_status(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.describe());
}

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("seconds fit i64")
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A key from `examples/jwt-auth/dev-keys/`.
fn dev_key(name: &str) -> Value {
    let path = examples_dir().join("jwt-auth/dev-keys").join(name);
    let text = std::fs::read_to_string(&path).expect("read dev key");
    serde_json::from_str(&text).expect("dev key is JSON")
}

fn member(jwk: &Value, name: &str) -> Vec<u8> {
    let text = jwk[name].as_str().expect("JWK member");
    URL_SAFE_NO_PAD
        .decode(text)
        .expect("JWK member is base64url")
}

/// Something that signs JWTs: `alg`, `kid` and the key.
enum TokenSigner {
    Es256(p256::ecdsa::SigningKey),
    Rs256(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
}

impl TokenSigner {
    fn es256() -> Self {
        let jwk = dev_key("es256.private.jwk.json");
        Self::Es256(p256::ecdsa::SigningKey::from_slice(&member(&jwk, "d")).expect("P-256 d"))
    }

    /// A P-256 key that is not the configured one.
    fn stranger() -> Self {
        Self::Es256(p256::ecdsa::SigningKey::random(&mut rsa::rand_core::OsRng))
    }

    fn rs256() -> Self {
        let jwk = dev_key("rs256.private.jwk.json");
        let int = |m: &str| rsa::BigUint::from_bytes_be(&member(&jwk, m));
        let key = rsa::RsaPrivateKey::from_components(
            int("n"),
            int("e"),
            int("d"),
            vec![int("p"), int("q")],
        )
        .expect("RSA dev key");
        Self::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(key)))
    }

    fn alg(&self) -> &'static str {
        match self {
            Self::Es256(_) => "ES256",
            Self::Rs256(_) => "RS256",
        }
    }

    fn kid(&self) -> &'static str {
        match self {
            Self::Es256(_) => "dev-es256",
            Self::Rs256(_) => "dev-rs256",
        }
    }

    /// A signed JWT with `claims`, its header saying `alg`.
    fn token_as(&self, alg: &str, claims: &Value) -> String {
        let header = json!({ "alg": alg, "typ": "JWT", "kid": self.kid() });
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let signature = match self {
            Self::Es256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
                sig.to_bytes().to_vec()
            }
            Self::Rs256(key) => key.sign(input.as_bytes()).to_vec(),
        };
        format!("{input}.{}", b64url(&signature))
    }

    fn token(&self, claims: &Value) -> String {
        self.token_as(self.alg(), claims)
    }
}

async fn get_with_token(verge: &Verge, path: &str, token: &str) -> Reply {
    let auth = format!("Bearer {token}");
    client::call(
        Method::GET,
        &verge.url(path),
        &[("authorization", &auth)],
        "",
    )
    .await
}

/// A 401 whose JSON error message contains `needle`.
fn assert_unauthorized(reply: &Reply, needle: &str) {
    assert_status(reply, 401);
    let body = reply.json();
    assert_eq!(body["error"], "unauthorized", "{}", reply.describe());
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(needle),
        "expected {needle:?} in {message:?}"
    );
    assert!(
        reply.header("www-authenticate").is_some(),
        "{}",
        reply.describe()
    );
}

#[tokio::test]
async fn jwt_auth_accepts_es256_tokens_and_rejects_the_rest() {
    let verge = Verge::start(Project::example("jwt-auth"), &["--shards", "1"]).await;
    let es256 = TokenSigner::es256();
    let t = now();

    let valid = es256.token(&json!({ "sub": "alice", "iat": t, "exp": t + 600 }));
    let ok = get_with_token(&verge, "/me", &valid).await;
    assert_status(&ok, 200);
    let body = ok.json();
    assert_eq!(body["authenticated"], true);
    assert_eq!(body["sub"], "alice");
    assert_eq!(body["path"], "/me");
    // Twice: the second request uses the key imported by the first.
    assert_status(&get_with_token(&verge, "/again", &valid).await, 200);
    // Within the leeway for clock skew.
    let nbf_soon = es256.token(&json!({ "sub": "a", "nbf": t + 5, "exp": t + 600 }));
    assert_status(&get_with_token(&verge, "/", &nbf_soon).await, 200);

    assert_unauthorized(&client::get(&verge.url("/me")).await, "Bearer");
    let expired = es256.token(&json!({ "sub": "alice", "exp": t - 600 }));
    assert_unauthorized(&get_with_token(&verge, "/me", &expired).await, "expired");
    let early = es256.token(&json!({ "sub": "alice", "nbf": t + 600, "exp": t + 1200 }));
    assert_unauthorized(
        &get_with_token(&verge, "/me", &early).await,
        "not valid yet",
    );
    let no_exp = es256.token(&json!({ "sub": "alice" }));
    assert_unauthorized(&get_with_token(&verge, "/me", &no_exp).await, "no exp");

    // The payload swapped under a valid signature.
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    parts[1] = b64url(
        json!({ "sub": "mallory", "exp": t + 600 })
            .to_string()
            .as_bytes(),
    );
    let forged = parts.join(".");
    assert_unauthorized(&get_with_token(&verge, "/me", &forged).await, "signature");
    let stranger = TokenSigner::stranger().token(&json!({ "sub": "eve", "exp": t + 600 }));
    assert_unauthorized(&get_with_token(&verge, "/me", &stranger).await, "signature");
    let rs256 = TokenSigner::rs256().token(&json!({ "sub": "bob", "exp": t + 600 }));
    assert_unauthorized(
        &get_with_token(&verge, "/me", &rs256).await,
        "does not accept RS256",
    );
    let none = es256.token_as("none", &json!({ "sub": "alice", "exp": t + 600 }));
    assert_unauthorized(&get_with_token(&verge, "/me", &none).await, "alg");
    assert_unauthorized(
        &get_with_token(&verge, "/me", "not-a-jwt").await,
        "malformed",
    );
    assert_unauthorized(&get_with_token(&verge, "/me", "a.b!.c").await, "malformed");
}

#[tokio::test]
async fn jwt_auth_verifies_rs256_and_picks_keys_from_a_jwk_set() {
    let keys =
        json!({ "keys": [dev_key("es256.public.jwk.json"), dev_key("rs256.public.jwk.json")] });
    let var = format!("JWT_PUBLIC_JWK={keys}");
    let verge = Verge::start(Project::example("jwt-auth"), &["--var", &var]).await;
    let t = now();

    let rs256 = TokenSigner::rs256();
    let valid = rs256.token(&json!({ "sub": "bob", "exp": t + 600 }));
    let ok = get_with_token(&verge, "/reports", &valid).await;
    assert_status(&ok, 200);
    assert_eq!(ok.json()["sub"], "bob");
    let es256 = TokenSigner::es256().token(&json!({ "sub": "alice", "exp": t + 600 }));
    assert_eq!(
        get_with_token(&verge, "/", &es256).await.json()["sub"],
        "alice"
    );

    let expired = rs256.token(&json!({ "sub": "bob", "exp": t - 3600 }));
    assert_unauthorized(&get_with_token(&verge, "/", &expired).await, "expired");
    let early = rs256.token(&json!({ "sub": "bob", "nbf": t + 3600, "exp": t + 7200 }));
    assert_unauthorized(&get_with_token(&verge, "/", &early).await, "not valid yet");
    // An RS256 token whose kid names the EC key.
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    parts[0] = b64url(br#"{"alg":"RS256","kid":"dev-es256"}"#);
    let confused = parts.join(".");
    assert_unauthorized(
        &get_with_token(&verge, "/", &confused).await,
        "does not accept",
    );
    parts[0] = b64url(br#"{"alg":"RS256","kid":"unknown"}"#);
    let unknown = parts.join(".");
    assert_unauthorized(&get_with_token(&verge, "/", &unknown).await, "kid");
}

/// The secret in `examples/hmac-signed-urls/.dev.vars.example`.
fn example_secret() -> String {
    let path = examples_dir().join("hmac-signed-urls/.dev.vars.example");
    let text = std::fs::read_to_string(path).expect("read .dev.vars.example");
    text.lines()
        .find_map(|l| l.strip_prefix("URL_SIGNING_SECRET="))
        .expect("URL_SIGNING_SECRET line")
        .to_owned()
}

/// `path?expires=..&sig=..` signed here, as the worker signs: HMAC-SHA-256 over "path\nexpires".
fn signed_path(secret: &str, path: &str, expires: i64) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC key");
    mac.update(format!("{path}\n{expires}").as_bytes());
    let sig = b64url(&mac.finalize().into_bytes());
    format!("{path}?expires={expires}&sig={sig}")
}

#[tokio::test]
async fn hmac_signed_urls_serve_valid_links_and_refuse_the_rest() {
    let project = Project::example("hmac-signed-urls");
    project.copy_file(".dev.vars.example", ".dev.vars");
    let verge = Verge::start(project, &["--shards", "1"]).await;

    let signed = client::get(&verge.url("/sign?path=/reports/q3&ttl=600")).await;
    assert_status(&signed, 200);
    let url = signed.json()["url"].as_str().expect("a url").to_owned();
    assert!(
        url.starts_with(&format!("{}/reports/q3?expires=", verge.base())),
        "{url}"
    );
    let ok = client::get(&url).await;
    assert_status(&ok, 200);
    assert!(
        ok.text().starts_with("Here is /reports/q3."),
        "{}",
        ok.text()
    );

    // Any change to what was signed is refused.
    let other_path = url.replace("/reports/q3?", "/reports/q4?");
    assert_status(&client::get(&other_path).await, 403);
    let (head, sig) = url.split_once("&sig=").expect("a sig parameter");
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}&sig={flipped}{}", &sig[1..]);
    assert_status(&client::get(&tampered).await, 403);
    let expires: i64 = head
        .rsplit_once("expires=")
        .and_then(|(_, e)| e.parse().ok())
        .expect("expires");
    let later = url.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 1),
    );
    assert_status(&client::get(&later).await, 403);
    let short_sig = format!("{head}&sig={}", &sig[..10]);
    assert_status(&client::get(&short_sig).await, 403);
    let unsigned = client::get(&verge.url("/reports/q3")).await;
    assert_status(&unsigned, 403);
    assert_eq!(unsigned.json()["error"], "forbidden");

    // Links signed here with the same secret: valid ones work, a correctly signed expired one does not.
    let secret = example_secret();
    let fresh = client::get(&verge.url(&signed_path(&secret, "/files/a.txt", now() + 60))).await;
    assert_status(&fresh, 200);
    let stale = client::get(&verge.url(&signed_path(&secret, "/files/a.txt", now() - 10))).await;
    assert_status(&stale, 403);
    assert_eq!(stale.json()["reason"], "the link has expired");
    let wrong_secret = signed_path(
        "another-secret-of-enough-length",
        "/files/a.txt",
        now() + 60,
    );
    assert_status(&client::get(&verge.url(&wrong_secret)).await, 403);

    assert_status(&client::get(&verge.url("/sign?path=reports")).await, 400);
    assert_status(&client::get(&verge.url("/sign?path=/x&ttl=0")).await, 400);
}

#[tokio::test]
async fn hmac_signed_urls_need_the_secret() {
    // No .dev.vars: the worker refuses to sign rather than sign with nothing.
    let verge = Verge::start(Project::example("hmac-signed-urls"), &[]).await;
    let reply = client::get(&verge.url("/sign?path=/x")).await;
    assert_status(&reply, 500);
    assert!(
        reply.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("URL_SIGNING_SECRET")),
        "{}",
        reply.describe()
    );
}
