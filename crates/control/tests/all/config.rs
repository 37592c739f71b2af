//! Nodes read the platform config document through the API, and can long-poll it for the next generation.

use crate::support::{Plane, bundle};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_long_poll_returns_on_the_next_generation() {
    let plane = Plane::start().await;
    let node = plane.node("nrt-1").await;
    let (_, g1) = plane.ship(&bundle("a", "x", &[]), 100).await;

    // Already past `after`: at once.
    let started = Instant::now();
    let cfg = node.config_after(g1 - 1, 10).await.unwrap();
    assert_eq!(cfg.generation, g1);
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nothing new: the answer comes when the wait is over, with the same generation.
    let started = Instant::now();
    let cfg = node.config_after(g1, 1).await.unwrap();
    assert_eq!(cfg.generation, g1);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // A deploy while a node waits wakes it with the new generation.
    let waiting = {
        let node = node.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            (node.config_after(g1, 30).await.unwrap(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, g2) = plane.ship(&bundle("b", "y", &[]), 100).await;
    let (cfg, took) = waiting.await.unwrap();
    assert_eq!(cfg.generation, g2);
    assert!(cfg.workers.contains_key("b"));
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(
        plane.read.config_after(0, 0).await.unwrap_err().status,
        Some(403)
    );
}
