//! The conformance suite on the embedded backend, plus what only a durable store has: restarts and the lock.

use crate::conformance::{next, t};
use bytes::Bytes;
use std::sync::Arc;
use verge_store::{Change, EmbeddedStore, Store, StoreError};

async fn make() -> Option<(Arc<dyn Store>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    Some((Arc::new(store), dir))
}

crate::conformance::conformance_tests!(make());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_restart_and_revisions_continue() {
    let dir = tempfile::tempdir().unwrap();
    let (r_a, r_del) = {
        let s = EmbeddedStore::open(dir.path()).unwrap();
        let r_a = t(s.put("b", "a", Bytes::from("1"))).await.unwrap();
        t(s.put("b", "gone", Bytes::from("x"))).await.unwrap();
        t(s.delete("b", "gone")).await.unwrap();
        t(s.put_blob("bundle/1", Bytes::from("blob")))
            .await
            .unwrap();
        let r_del = t(s.get("b", "a")).await.unwrap().unwrap().revision + 2;
        (r_a, r_del)
    };
    let s = EmbeddedStore::open(dir.path()).unwrap();
    let e = t(s.get("b", "a")).await.unwrap().unwrap();
    assert_eq!((&e.value[..], e.revision), (&b"1"[..], r_a));
    assert_eq!(t(s.get("b", "gone")).await.unwrap(), None);
    assert_eq!(t(s.keys("b")).await.unwrap(), ["a"]);
    assert_eq!(t(s.get_blob("bundle/1")).await.unwrap().unwrap(), "blob");
    // The revision counter survived, including the delete's revision: no revision is ever given out twice.
    let r = t(s.update("b", "a", Bytes::from("2"), r_a)).await.unwrap();
    assert!(
        r > r_del,
        "revision {r} after restart, last before was {r_del}"
    );
    let mut w = t(s.watch("b")).await.unwrap();
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.revision == r));
}

#[tokio::test]
async fn second_opener_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let first = EmbeddedStore::open(dir.path()).unwrap();
    match EmbeddedStore::open(dir.path()) {
        Err(StoreError::Backend(m)) => {
            assert!(m.contains("in use"), "{m}");
            assert!(m.contains(&dir.path().display().to_string()), "{m}");
        }
        other => panic!("second open: {other:?}"),
    }
    drop(first);
    EmbeddedStore::open(dir.path()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_sees_writes_from_other_threads() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path()).unwrap();
    let mut w = t(s.watch("b")).await.unwrap();
    let writer = s.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            for i in 0..20 {
                writer
                    .put("b", &format!("k{i:02}"), Bytes::new())
                    .await
                    .unwrap();
            }
        });
    })
    .join()
    .unwrap();
    let mut last = 0;
    for i in 0..20 {
        match next(&mut w).await {
            Change::Put(e) => {
                assert_eq!(e.key, format!("k{i:02}"));
                assert!(e.revision > last);
                last = e.revision;
            }
            c => panic!("{c:?}"),
        }
    }
}

/// A durable write (fsync on commit) and its arrival on a watch (printed; bounded loosely).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_and_watch_latency() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path()).unwrap();
    let mut w = t(s.watch("lat")).await.unwrap();
    let mut times = Vec::new();
    for i in 0..100 {
        let start = std::time::Instant::now();
        t(s.put("lat", "k", Bytes::from(i.to_string())))
            .await
            .unwrap();
        next(&mut w).await;
        times.push(start.elapsed());
    }
    times.sort();
    let (p50, p99) = (times[50], times[98]);
    println!("embedded durable put + watch delivery: p50 {p50:?}, p99 {p99:?}");
    assert!(p50 < std::time::Duration::from_millis(500), "p50 {p50:?}");
}
