//! The per-node in-memory store: entries by (namespace, URL), evicted least-recently-used past a byte budget.

use bytes::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::SystemTime;

/// A stored response.
#[derive(Debug, Clone)]
pub struct CachedResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The request headers named by the response's `Vary`, as the storing request had them (lower-case names).
    pub vary: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Bytes,
    /// When it stops being fresh.
    pub expires: SystemTime,
}

impl CachedResponse {
    /// A stored response.
    pub fn new(
        status: u16,
        headers: Vec<(String, Vec<u8>)>,
        vary: Vec<(String, Vec<u8>)>,
        body: Bytes,
        expires: SystemTime,
    ) -> Self {
        Self {
            status,
            headers,
            vary,
            body,
            expires,
        }
    }

    fn size(&self) -> usize {
        self.body.len()
            + self
                .headers
                .iter()
                .chain(&self.vary)
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + 64
    }

    fn matches(&self, request_headers: &[(String, Vec<u8>)]) -> bool {
        self.vary.iter().all(|(name, stored)| {
            let now = request_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_slice())
                .unwrap_or_default();
            now == stored.as_slice()
        })
    }
}

/// Where cached responses live. Namespaces keep tenants (and their named caches) apart.
pub trait CacheStore: Send + Sync {
    /// A fresh response stored for `url`, whose `Vary` headers match `request_headers`.
    fn get(
        &self,
        namespace: &str,
        url: &str,
        request_headers: &[(String, Vec<u8>)],
        now: SystemTime,
    ) -> Option<CachedResponse>;
    /// Store `response` for `url`, replacing what was there.
    fn put(&self, namespace: &str, url: &str, response: CachedResponse);
    /// Remove what is stored for `url`; whether something was.
    fn delete(&self, namespace: &str, url: &str) -> bool;
}

type Key = (String, String);

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, (CachedResponse, u64)>,
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
}

impl Inner {
    fn remove(&mut self, key: &Key) -> bool {
        match self.entries.remove(key) {
            Some((resp, tick)) => {
                self.order.remove(&tick);
                self.bytes -= resp.size();
                true
            }
            None => false,
        }
    }

    fn touch(&mut self, key: &Key) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.entries.get_mut(key) {
            self.order.remove(&entry.1);
            entry.1 = tick;
            self.order.insert(tick, key.clone());
        }
    }
}

/// A node's cache in memory, at most `budget` bytes; least recently used entries go first.
pub struct MemoryCache {
    inner: Mutex<Inner>,
    budget: usize,
}

impl MemoryCache {
    /// An empty cache holding at most `budget` bytes.
    pub fn new(budget: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            budget,
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.inner.lock().map(|i| i.bytes).unwrap_or(0)
    }
}

impl CacheStore for MemoryCache {
    fn get(
        &self,
        namespace: &str,
        url: &str,
        request_headers: &[(String, Vec<u8>)],
        now: SystemTime,
    ) -> Option<CachedResponse> {
        let mut inner = self.inner.lock().ok()?;
        let key = (namespace.to_owned(), url.to_owned());
        let (resp, _) = inner.entries.get(&key)?;
        if resp.expires <= now {
            inner.remove(&key);
            return None;
        }
        if !resp.matches(request_headers) {
            return None;
        }
        let found = resp.clone();
        inner.touch(&key);
        Some(found)
    }

    fn put(&self, namespace: &str, url: &str, response: CachedResponse) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let key = (namespace.to_owned(), url.to_owned());
        inner.remove(&key);
        let size = response.size();
        if size > self.budget {
            return;
        }
        while inner.bytes + size > self.budget {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((resp, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= resp.size();
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.bytes += size;
        inner.order.insert(tick, key.clone());
        inner.entries.insert(key, (response, tick));
    }

    fn delete(&self, namespace: &str, url: &str) -> bool {
        self.inner
            .lock()
            .map(|mut i| i.remove(&(namespace.to_owned(), url.to_owned())))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn resp(body: &str, ttl: u64, now: SystemTime) -> CachedResponse {
        CachedResponse::new(
            200,
            vec![],
            vec![],
            Bytes::from(body.to_owned()),
            now + Duration::from_secs(ttl),
        )
    }

    #[test]
    fn expiry_namespaces_and_delete() {
        let now = SystemTime::now();
        let c = MemoryCache::new(1 << 20);
        c.put("a", "u", resp("x", 10, now));
        assert!(c.get("a", "u", &[], now).is_some());
        assert!(c.get("b", "u", &[], now).is_none(), "namespaces are apart");
        assert!(
            c.get("a", "u", &[], now + Duration::from_secs(11))
                .is_none(),
            "expired"
        );
        c.put("a", "u", resp("x", 10, now));
        assert!(c.delete("a", "u"));
        assert!(!c.delete("a", "u"));
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn vary_must_match() {
        let now = SystemTime::now();
        let c = MemoryCache::new(1 << 20);
        let mut r = resp("gz", 10, now);
        r.vary = vec![("accept-encoding".into(), b"gzip".to_vec())];
        c.put("a", "u", r);
        let gzip = vec![("Accept-Encoding".to_owned(), b"gzip".to_vec())];
        assert!(c.get("a", "u", &gzip, now).is_some());
        assert!(c.get("a", "u", &[], now).is_none());
    }

    #[test]
    fn evicts_least_recently_used() {
        let now = SystemTime::now();
        let c = MemoryCache::new(3 * (100 + 64));
        for u in ["1", "2", "3"] {
            c.put("a", u, resp(&"x".repeat(100), 10, now));
        }
        assert!(c.get("a", "1", &[], now).is_some()); // 1 is now the most recent
        c.put("a", "4", resp(&"x".repeat(100), 10, now));
        assert!(
            c.get("a", "2", &[], now).is_none(),
            "2 was least recently used"
        );
        assert!(c.get("a", "1", &[], now).is_some());
        assert!(c.get("a", "4", &[], now).is_some());
        assert!(c.bytes() <= 3 * (100 + 64));
    }
}
