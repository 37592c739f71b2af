//! Bearer tokens: scopes, creation (the plaintext is shown once), and lookup by sha256 hash.

use crate::error::{Error, Result};
use crate::now_ms;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use verge_core::sha256_hex;
use verge_store::Store;

/// Bucket of token records, keyed by the sha256 (hex) of the token.
pub const TOKENS_BUCKET: &str = "control-tokens";

/// Prefix of every token, so a leaked one is recognisable.
const TOKEN_PREFIX: &str = "verge_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// List workers, versions, deployments and PoPs.
    Read,
    /// Upload bundles, create versions, deploy, roll back, set secrets (and everything `read` may).
    Deploy,
    /// Everything, including managing tokens.
    Admin,
    /// What a PoP needs: read the platform config and bundles, write its own status.
    Node,
}

impl Scope {
    /// Whether holding `self` grants `needed`.
    pub fn grants(self, needed: Scope) -> bool {
        self == needed || self == Scope::Admin || (self == Scope::Deploy && needed == Scope::Read)
    }

    /// The scope's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Deploy => "deploy",
            Scope::Admin => "admin",
            Scope::Node => "node",
        }
    }
}

/// A token as stored: never the token itself, only its hash (the store key) and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// A short public id (the first 16 hex digits of the token's hash), for listing and revoking.
    pub id: String,
    /// A label given at creation.
    pub name: String,
    /// What the token may do.
    pub scopes: Vec<Scope>,
    /// For a `node` token: the PoP whose status it may write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pop: Option<String>,
    /// Milliseconds since the Unix epoch of its creation.
    pub created_ms: u64,
}

impl TokenRecord {
    /// Whether the token holds a scope granting `needed`.
    pub fn allows(&self, needed: Scope) -> bool {
        self.scopes.iter().any(|s| s.grants(needed))
    }

    /// `Ok` when the token allows `needed`, else a 403 naming the scope.
    pub fn require(&self, needed: Scope) -> Result<()> {
        if self.allows(needed) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "token {:?} lacks the {:?} scope this request needs",
                self.name,
                needed.as_str()
            )))
        }
    }
}

/// The sha256 (hex) under which a token is stored.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// A fresh random token: `verge_` and 64 hex digits.
fn new_token() -> Result<String> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| Error::internal("no OS randomness", e))?;
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{TOKEN_PREFIX}{hex}"))
}

/// Create a token with `scopes` (and, for a node token, the PoP it speaks for). Returns the plaintext, which
/// is stored nowhere, and the record.
pub async fn create_token(
    store: &dyn Store,
    name: &str,
    scopes: &[Scope],
    pop: Option<&str>,
) -> Result<(String, TokenRecord)> {
    if scopes.is_empty() {
        return Err(Error::BadRequest("a token needs at least one scope".into()));
    }
    match pop {
        Some(pop) => verge_store::check_name(pop).map_err(|e| Error::BadRequest(e.to_string()))?,
        None if scopes.contains(&Scope::Node) => {
            return Err(Error::BadRequest(
                "a node token names the PoP whose status it writes (`pop`)".into(),
            ));
        }
        None => {}
    }
    let token = new_token()?;
    let hash = token_hash(&token);
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    let record = TokenRecord {
        id: hash[..16].to_owned(),
        name: name.to_owned(),
        scopes,
        pop: pop.map(str::to_owned),
        created_ms: now_ms(),
    };
    let json = serde_json::to_vec(&record).map_err(|e| Error::internal("token record", e))?;
    store
        .update(TOKENS_BUCKET, &hash, Bytes::from(json), 0)
        .await?;
    Ok((token, record))
}

/// The record of `token`, or 401.
pub async fn authenticate(store: &dyn Store, token: &str) -> Result<TokenRecord> {
    let unknown = || Error::Unauthorized("unknown or revoked token".into());
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(unknown());
    }
    let entry = store
        .get(TOKENS_BUCKET, &token_hash(token))
        .await?
        .ok_or_else(unknown)?;
    serde_json::from_slice(&entry.value).map_err(|e| Error::internal("token record", e))
}

/// Every token record, by id.
pub async fn list_tokens(store: &dyn Store) -> Result<Vec<TokenRecord>> {
    let mut out = Vec::new();
    for key in store.keys(TOKENS_BUCKET).await? {
        if let Some(entry) = store.get(TOKENS_BUCKET, &key).await? {
            out.push(
                serde_json::from_slice::<TokenRecord>(&entry.value)
                    .map_err(|e| Error::internal("token record", e))?,
            );
        }
    }
    out.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Revoke the token with public id `id`.
pub async fn revoke_token(store: &dyn Store, id: &str) -> Result<()> {
    let key = store
        .keys(TOKENS_BUCKET)
        .await?
        .into_iter()
        .find(|k| k.starts_with(id) && id.len() == 16)
        .ok_or_else(|| Error::NotFound(format!("no token with id {id:?}")))?;
    store.delete(TOKENS_BUCKET, &key).await?;
    Ok(())
}

/// On a store with no tokens at all, create the bootstrap admin token and return its plaintext; `None` when
/// tokens exist already.
pub async fn bootstrap_admin(store: &dyn Store) -> Result<Option<String>> {
    if !store.keys(TOKENS_BUCKET).await?.is_empty() {
        return Ok(None);
    }
    let (token, _) = create_token(store, "bootstrap-admin", &[Scope::Admin], None).await?;
    Ok(Some(token))
}

/// The bearer token of an `Authorization` header value.
pub fn bearer(header: Option<&str>) -> Result<&str> {
    let value = header.ok_or_else(|| {
        Error::Unauthorized("missing token: send `Authorization: Bearer <token>`".into())
    })?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| Error::Unauthorized("malformed Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Error::Unauthorized(
            "malformed Authorization header: expected `Bearer <token>`".into(),
        ));
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::MemoryStore;

    #[test]
    fn scopes_grant() {
        assert!(Scope::Admin.grants(Scope::Node));
        assert!(Scope::Deploy.grants(Scope::Read));
        assert!(!Scope::Read.grants(Scope::Deploy));
        assert!(!Scope::Node.grants(Scope::Read));
        assert!(!Scope::Deploy.grants(Scope::Admin));
    }

    #[tokio::test]
    async fn tokens_are_stored_hashed() {
        let store = MemoryStore::new();
        let admin = bootstrap_admin(&store).await.unwrap().unwrap();
        assert!(bootstrap_admin(&store).await.unwrap().is_none());
        let keys = store.keys(TOKENS_BUCKET).await.unwrap();
        assert_eq!(keys, vec![token_hash(&admin)]);
        let raw = store.get(TOKENS_BUCKET, &keys[0]).await.unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&raw.value).contains(&admin));
        let rec = authenticate(&store, &admin).await.unwrap();
        assert!(rec.allows(Scope::Deploy));
        assert!(authenticate(&store, "verge_nope").await.is_err());
        revoke_token(&store, &rec.id).await.unwrap();
        assert!(authenticate(&store, &admin).await.is_err());
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert!(bearer(None).is_err());
        assert!(bearer(Some("Basic abc")).is_err());
    }
}
