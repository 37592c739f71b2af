//! The Cache API's host side (`caches.default`, `caches.open(name)`): match, put and delete against the node's
//! HTTP cache, in the worker's own namespace. The prelude (`45_cache.js`) does the Request/Response work.

use crate::body::copy_bytes;
use crate::fetch::{Host, latin1};
use bytes::Bytes;
use rquickjs::{Array, Ctx, Function, Object, TypedArray, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::SystemTime;
use verge_cache::{CacheDecision, CacheStore, CachedResponse, storable};
use verge_js::ops::OpError;
use verge_js::rquickjs;

type HostSlot = Rc<RefCell<Option<Rc<dyn Host>>>>;

fn pairs(list: Vec<Vec<String>>) -> Vec<(String, Vec<u8>)> {
    list.into_iter()
        .filter_map(|p| match <[String; 2]>::try_from(p) {
            Ok([k, v]) => Some((
                k.to_ascii_lowercase(),
                v.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect(),
            )),
            Err(_) => None,
        })
        .collect()
}

fn store<'js>(
    ctx: &Ctx<'js>,
    host: &HostSlot,
    name: &str,
) -> rquickjs::Result<(std::sync::Arc<dyn CacheStore>, String)> {
    let cache = host.borrow().as_ref().and_then(|h| h.cache());
    match cache {
        Some((store, tenant)) => Ok((store, format!("{tenant}/{name}"))),
        None => Err(OpError::Type(
            "The Cache API can only be used while handling a request".into(),
        )
        .throw(ctx)),
    }
}

/// Register `cacheMatch`, `cachePut` and `cacheDelete`.
pub fn register<'js>(
    ctx: &Ctx<'js>,
    target: &Object<'js>,
    host: &HostSlot,
) -> rquickjs::Result<()> {
    let h = host.clone();
    target.set(
        "cacheMatch",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  name: String,
                  url: String,
                  headers: Vec<Vec<String>>|
                  -> rquickjs::Result<Value<'js>> {
                let (store, ns) = store(&ctx, &h, &name)?;
                let Some(hit) = store.get(&ns, &url, &pairs(headers), SystemTime::now()) else {
                    return Ok(Value::new_null(ctx));
                };
                let arr = Array::new(ctx.clone())?;
                arr.set(0, hit.status)?;
                let hs: Vec<Vec<String>> = hit
                    .headers
                    .iter()
                    .map(|(k, v)| vec![k.clone(), latin1(v)])
                    .collect();
                arr.set(1, hs)?;
                arr.set(2, TypedArray::<u8>::new(ctx.clone(), hit.body.to_vec())?)?;
                Ok(arr.into_value())
            },
        )?,
    )?;
    let h = host.clone();
    target.set(
        "cachePut",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  name: String,
                  url: String,
                  request_headers: Vec<Vec<String>>,
                  status: u16,
                  response_headers: Vec<Vec<String>>,
                  body: TypedArray<'js, u8>|
                  -> rquickjs::Result<bool> {
                let (store, ns) = store(&ctx, &h, &name)?;
                let headers = pairs(response_headers);
                let now = SystemTime::now();
                let ttl = match storable(status, &headers, now) {
                    CacheDecision::Store(ttl) => ttl,
                    CacheDecision::Skip(why) => {
                        tracing::debug!(url, "not cached: {why}");
                        return Ok(false);
                    }
                };
                let request_headers = pairs(request_headers);
                let vary: Vec<(String, Vec<u8>)> = headers
                    .iter()
                    .filter(|(k, _)| k == "vary")
                    .flat_map(|(_, v)| {
                        String::from_utf8_lossy(v)
                            .split(',')
                            .map(|s| s.trim().to_ascii_lowercase())
                            .collect::<Vec<_>>()
                    })
                    .filter(|n| !n.is_empty())
                    .map(|n| {
                        let value = request_headers
                            .iter()
                            .find(|(k, _)| *k == n)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default();
                        (n, value)
                    })
                    .collect();
                let entry = CachedResponse::new(
                    status,
                    headers,
                    vary,
                    Bytes::from(copy_bytes(&body)),
                    now + ttl,
                );
                store.put(&ns, &url, entry);
                Ok(true)
            },
        )?,
    )?;
    let h = host.clone();
    target.set(
        "cacheDelete",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, name: String, url: String| -> rquickjs::Result<bool> {
                let (store, ns) = store(&ctx, &h, &name)?;
                Ok(store.delete(&ns, &url))
            },
        )?,
    )?;
    Ok(())
}
