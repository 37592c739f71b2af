//! The behaviour every backend must have, as functions over `Arc<dyn Store>`.

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use verge_store::{Change, Store, StoreError};

/// Every store call in the suite is bounded: a hang is a failure, not a stuck test run.
pub async fn t<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("store call hung for 30 s")
}

/// The next watch item, bounded.
pub async fn next(w: &mut BoxStream<'static, verge_store::Result<Change>>) -> Change {
    tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .expect("watch delivered nothing for 10 s")
        .expect("watch ended")
        .expect("watch failed")
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

pub async fn cas_and_revisions(s: Arc<dyn Store>) {
    let r1 = t(s.update("cas", "k", b("1"), 0)).await.unwrap();
    assert!(r1 > 0);
    match t(s.update("cas", "k", b("x"), 0)).await {
        Err(StoreError::Conflict {
            bucket,
            key,
            expected,
            found,
        }) => {
            assert_eq!((bucket.as_str(), key.as_str()), ("cas", "k"));
            assert_eq!((expected, found), (0, r1));
        }
        other => panic!("create over an existing key: {other:?}"),
    }
    let r2 = t(s.update("cas", "k", b("2"), r1)).await.unwrap();
    assert!(r2 > r1);
    assert!(matches!(
        t(s.update("cas", "k", b("stale"), r1)).await,
        Err(StoreError::Conflict { expected, found, .. }) if expected == r1 && found == r2
    ));
    let e = t(s.get("cas", "k")).await.unwrap().unwrap();
    assert_eq!(
        (e.key.as_str(), &e.value[..], e.revision),
        ("k", &b"2"[..], r2)
    );

    // Revisions grow across keys of a bucket, puts and deletes alike.
    let r3 = t(s.put("cas", "other", b("o"))).await.unwrap();
    assert!(r3 > r2);
    let r4 = t(s.put("cas", "k", b("3"))).await.unwrap();
    assert!(r4 > r3);
    assert!(matches!(
        t(s.update("cas", "missing", b("x"), 7)).await,
        Err(StoreError::Conflict { found: 0, .. })
    ));

    // Delete; a deleted key can be created again with expected 0, and its revision keeps growing.
    t(s.delete("cas", "k")).await.unwrap();
    assert_eq!(t(s.get("cas", "k")).await.unwrap(), None);
    t(s.delete("cas", "k")).await.unwrap();
    t(s.delete("cas", "never")).await.unwrap();
    assert!(matches!(
        t(s.update("cas", "k", b("x"), r4)).await,
        Err(StoreError::Conflict { found: 0, .. })
    ));
    let r5 = t(s.update("cas", "k", b("again"), 0)).await.unwrap();
    assert!(r5 > r4);
    assert_eq!(t(s.get("cas", "k")).await.unwrap().unwrap().revision, r5);

    // Empty values are values.
    let r6 = t(s.put("cas", "empty", Bytes::new())).await.unwrap();
    let e = t(s.get("cas", "empty")).await.unwrap().unwrap();
    assert_eq!((e.value.len(), e.revision), (0, r6));
}

pub async fn keys_sorted(s: Arc<dyn Store>) {
    assert_eq!(t(s.keys("keys")).await.unwrap(), Vec::<String>::new());
    for k in ["c", "a", "b/x", "a_b", "b.y", "z=1"] {
        t(s.put("keys", k, b(k))).await.unwrap();
    }
    t(s.put("keys2", "other", b("o"))).await.unwrap();
    t(s.put("keys/sub", "nested", b("n"))).await.unwrap();
    t(s.delete("keys", "c")).await.unwrap();
    let mut want = vec!["a", "a_b", "b.y", "b/x", "z=1"];
    want.sort();
    assert_eq!(t(s.keys("keys")).await.unwrap(), want);
    assert_eq!(t(s.keys("keys/sub")).await.unwrap(), ["nested"]);
    let e = t(s.get("keys", "b/x")).await.unwrap().unwrap();
    assert_eq!(&e.value[..], b"b/x");
}

pub async fn watch_order(s: Arc<dyn Store>) {
    let ra = t(s.put("watch", "a", b("1"))).await.unwrap();
    let rb = t(s.put("watch", "b/1", b("2"))).await.unwrap();
    t(s.put("watch", "gone", b("x"))).await.unwrap();
    t(s.delete("watch", "gone")).await.unwrap();
    let mut w = t(s.watch("watch")).await.unwrap();
    let mut other = t(s.watch("watch-other")).await.unwrap();

    // Current entries first, each once (order between keys not promised); the deleted key is not there.
    let mut current = BTreeMap::new();
    for _ in 0..2 {
        match next(&mut w).await {
            Change::Put(e) => assert!(current.insert(e.key.clone(), e).is_none()),
            c => panic!("expected current entries first, got {c:?}"),
        }
    }
    assert_eq!(current["a"].revision, ra);
    assert_eq!(current["b/1"].revision, rb);
    assert_eq!(&current["b/1"].value[..], b"2");

    // Then every change, in order.
    let r1 = t(s.put("watch", "a", b("3"))).await.unwrap();
    t(s.delete("watch", "b/1")).await.unwrap();
    let r3 = t(s.update("watch", "c", b("new"), 0)).await.unwrap();
    t(s.delete("watch", "never-there")).await.unwrap();
    let r4 = t(s.put("watch", "a", b("4"))).await.unwrap();
    let c = next(&mut w).await;
    assert!(
        matches!(&c, Change::Put(e) if e.key == "a" && e.revision == r1 && e.value == "3"),
        "{c:?} (want a=3 at {r1})"
    );
    let rdel = match next(&mut w).await {
        Change::Delete { key, revision } => {
            assert_eq!(key, "b/1");
            assert!(revision > r1 && revision < r3);
            revision
        }
        c => panic!("expected the delete of b/1, got {c:?}"),
    };
    assert!(rdel < r3);
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.key == "c" && e.revision == r3));
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.key == "a" && e.revision == r4));

    // Nothing leaked into another bucket's watch, and nothing more came on this one.
    t(s.put("watch-other", "x", b("1"))).await.unwrap();
    assert!(matches!(next(&mut other).await, Change::Put(e) if e.key == "x"));
    let extra = tokio::time::timeout(Duration::from_millis(300), w.next()).await;
    assert!(extra.is_err(), "unexpected watch item: {extra:?}");

    // A second watch now sees exactly the current state.
    let mut w2 = t(s.watch("watch")).await.unwrap();
    let mut seen = BTreeMap::new();
    for _ in 0..2 {
        match next(&mut w2).await {
            Change::Put(e) => seen.insert(e.key, e.revision),
            c => panic!("expected current entries, got {c:?}"),
        };
    }
    assert_eq!(
        seen,
        BTreeMap::from([("a".to_owned(), r4), ("c".to_owned(), r3)])
    );
}

pub async fn blobs(s: Arc<dyn Store>) {
    assert_eq!(t(s.get_blob("bundles/missing")).await.unwrap(), None);
    let big: Vec<u8> = (0..5u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let big = Bytes::from(big);
    t(s.put_blob("bundles/sha256=abc.big", big.clone()))
        .await
        .unwrap();
    let got = t(s.get_blob("bundles/sha256=abc.big"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), big.len());
    assert!(got == big, "5 MiB blob came back different");
    t(s.put_blob("small", b("hello"))).await.unwrap();
    t(s.put_blob("small", b("hello"))).await.unwrap();
    assert_eq!(t(s.get_blob("small")).await.unwrap().unwrap(), "hello");
    t(s.put_blob("empty", Bytes::new())).await.unwrap();
    assert_eq!(t(s.get_blob("empty")).await.unwrap().unwrap().len(), 0);
    // Blob names and document keys do not collide.
    assert_eq!(t(s.get("small", "small")).await.unwrap(), None);
}

pub async fn invalid_names(s: Arc<dyn Store>) {
    let long = "x".repeat(256);
    for bad in [
        "",
        "../x",
        "a b",
        ".hidden",
        "/abs",
        "a//b",
        "a/",
        "ü",
        "a\nb",
        "a%2Fb",
        "a?b",
        "*",
        long.as_str(),
    ] {
        let invalid = |r: verge_store::Result<()>| match r {
            Err(StoreError::InvalidName(n)) => assert_eq!(n, bad),
            other => panic!("{bad:?} accepted: {other:?}"),
        };
        invalid(t(s.get("b", bad)).await.map(drop));
        invalid(t(s.get(bad, "k")).await.map(drop));
        invalid(t(s.put("b", bad, b("v"))).await.map(drop));
        invalid(t(s.put(bad, "k", b("v"))).await.map(drop));
        invalid(t(s.update("b", bad, b("v"), 0)).await.map(drop));
        invalid(t(s.delete("b", bad)).await.map(drop));
        invalid(t(s.keys(bad)).await.map(drop));
        invalid(t(s.watch(bad)).await.map(drop));
        invalid(t(s.put_blob(bad, b("v"))).await.map(drop));
        invalid(t(s.get_blob(bad)).await.map(drop));
    }
    // The longest valid name works.
    let max = "k".repeat(255);
    t(s.put("b", &max, b("v"))).await.unwrap();
    assert_eq!(t(s.keys("b")).await.unwrap(), [max]);
}

/// Writers racing on one counter with compare-and-set: every increment lands exactly once.
pub async fn concurrent_cas(s: Arc<dyn Store>) {
    const WRITERS: u64 = 6;
    const EACH: u64 = 10;
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0u64;
            for _ in 0..EACH {
                loop {
                    let cur = t(s.get("race", "counter")).await.unwrap();
                    let (n, rev) = cur.map_or((0, 0), |e| {
                        (
                            std::str::from_utf8(&e.value)
                                .unwrap()
                                .parse::<u64>()
                                .unwrap(),
                            e.revision,
                        )
                    });
                    match t(s.update("race", "counter", Bytes::from((n + 1).to_string()), rev))
                        .await
                    {
                        Ok(_) => break,
                        Err(StoreError::Conflict { .. }) => conflicts += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            conflicts
        }));
    }
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.unwrap();
    }
    let e = t(s.get("race", "counter")).await.unwrap().unwrap();
    assert_eq!(
        &e.value[..],
        (WRITERS * EACH).to_string().as_bytes(),
        "lost updates ({conflicts} conflicts)"
    );
}

/// Instantiate every conformance test for one backend. `$make` is an async expression giving
/// `Option<(Arc<dyn Store>, guard)>` (None: the backend is not available here, and the test says so).
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance::conformance_tests!(@each $make; cas_and_revisions, keys_sorted, watch_order, blobs, invalid_names, concurrent_cas);
    };
    (@each $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some((store, _guard)) = $make.await else { return };
                crate::conformance::$name(store).await;
            }
        )*
    };
}
pub(crate) use conformance_tests;
