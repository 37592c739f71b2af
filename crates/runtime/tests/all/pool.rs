//! The isolate pool: reuse, the per-worker cap, and reloads.

use verge_runtime::pool::{Acquire, IsolatePool, instantiate};
use verge_runtime::worker::WorkerPath;
use verge_runtime::{LoadError, Worker};

fn worker(dir: &tempfile::TempDir, body: &str) -> Worker {
    std::fs::write(dir.path().join("w.js"), body).unwrap();
    Worker::compile(WorkerPath::read(&dir.path().join("w.js")).unwrap()).unwrap()
}

const HELLO: &str = "export default { fetch() { return new Response('hi') } }";

#[test]
fn reuses_caps_and_wakes() {
    let dir = tempfile::tempdir().unwrap();
    let w = worker(&dir, HELLO);
    let mut pool = IsolatePool::new(1, 2);
    assert!(matches!(pool.acquire(&w), Acquire::Create));
    assert!(matches!(pool.acquire(&w), Acquire::Create));
    // Two live isolates: the third request waits.
    assert!(matches!(pool.acquire(&w), Acquire::Wait(_)));
    let (a, _) = instantiate(&w).unwrap();
    let (b, _) = instantiate(&w).unwrap();
    pool.put(&w, a);
    // Only one is kept idle; the other is dropped and frees its slot.
    pool.put(&w, b);
    assert_eq!(pool.idle_count(), 1);
    assert!(matches!(pool.acquire(&w), Acquire::Warm(_)));
    assert!(matches!(pool.acquire(&w), Acquire::Create));
    assert!(matches!(pool.acquire(&w), Acquire::Wait(_)));
    pool.discard(&w);
    assert!(matches!(pool.acquire(&w), Acquire::Create));
}

#[test]
fn a_reloaded_worker_never_gets_old_isolates() {
    let dir = tempfile::tempdir().unwrap();
    let old = worker(&dir, HELLO);
    let new = worker(
        &dir,
        "export default { fetch() { return new Response('new') } }",
    );
    assert_ne!(old.uid(), new.uid());
    let mut pool = IsolatePool::new(4, 4);
    assert!(matches!(pool.acquire(&old), Acquire::Create));
    let (iso, _) = instantiate(&old).unwrap();
    pool.put(&old, iso);
    // The new version never gets the old version's isolate.
    assert!(matches!(pool.acquire(&new), Acquire::Create));
    // The old one stays pooled while it is one of the two newest versions (a gradual rollout serves both)...
    assert_eq!(pool.idle_count(), 1);
    // ...and a third version retires it: its isolates go, and one coming back late is dropped.
    let third = worker(
        &dir,
        "export default { fetch() { return new Response('third') } }",
    );
    assert!(matches!(pool.acquire(&third), Acquire::Create));
    assert_eq!(pool.idle_count(), 0);
    let (late, _) = instantiate(&old).unwrap();
    pool.put(&old, late);
    assert_eq!(pool.idle_count(), 0);
}

#[test]
fn idle_isolates_past_the_shard_limit_evict_the_least_recently_used() {
    let dir = tempfile::tempdir().unwrap();
    let workers: Vec<_> = (0..3)
        .map(|i| {
            let d = dir.path().join(format!("w{i}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("worker.js"), HELLO).unwrap();
            std::fs::write(
                d.join("verge.toml"),
                format!("name = \"w{i}\"\nmain = \"worker.js\"\n"),
            )
            .unwrap();
            Worker::compile(WorkerPath::read(&d).unwrap()).unwrap()
        })
        .collect();
    let mut pool = IsolatePool::new(4, 4).with_idle_limit(2);
    for w in &workers {
        assert!(matches!(pool.acquire(w), Acquire::Create));
        let (iso, _) = instantiate(w).unwrap();
        pool.put(w, iso);
    }
    // Three idle isolates for a limit of two: w0's (the least recently used) was evicted.
    assert_eq!(pool.idle_count(), 2);
    assert_eq!(pool.evictions(), 1);
    assert!(matches!(pool.acquire(&workers[0]), Acquire::Create));
    assert!(matches!(pool.acquire(&workers[2]), Acquire::Warm(_)));
}

#[test]
fn load_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("verge.toml"),
        "name = \"x\"\nmain = \"../escape.js\"\n",
    )
    .unwrap();
    let err = Worker::compile(WorkerPath::read(dir.path()).unwrap()).unwrap_err();
    assert!(matches!(err, LoadError::Config(_)), "{err}");
    std::fs::write(
        dir.path().join("verge.toml"),
        "name = \"x\"\nmain = \"w.js\"\n[limits]\nstartup_cpu_ms = 20\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("w.js"), "for(;;){}").unwrap();
    let err = Worker::compile(WorkerPath::read(dir.path()).unwrap()).unwrap_err();
    assert!(
        err.to_string().starts_with("CPU time limit exceeded"),
        "{err}"
    );
    let missing = WorkerPath::read(&dir.path().join("nope")).unwrap_err();
    assert!(missing.to_string().contains("nope"), "{missing}");
}

#[test]
fn blanks_become_the_worker_they_are_given() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("verge.toml"),
        "name = \"blanky\"\nmain = \"w.js\"\n[vars]\nWHO = \"blank\"\n[limits]\nmemory_mb = 32\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("w.js"),
        "export const who = globalThis.WHO; export default { fetch(r, env) { return new Response(env.WHO) } }",
    )
    .unwrap();
    let w = Worker::compile(WorkerPath::read(dir.path()).unwrap()).unwrap();
    let blank = verge_runtime::pool::make_blank().unwrap();
    let (iso, _) = verge_runtime::pool::instantiate_from(blank, &w).unwrap();
    assert_eq!(iso.config().name, "blanky");
    assert_eq!(
        iso.guard().memory().limit(),
        32 << 20,
        "the worker's heap limit replaces the blank's"
    );
    // A worker that needs eval cannot take a blank made without it.
    let mut eval_config = w.config().clone();
    eval_config.allow_eval = true;
    let blank = verge_runtime::pool::make_blank().unwrap();
    let err = blank
        .load(
            &eval_config,
            &verge_web::WebSetup,
            "w.js",
            verge_js::loader::Source::Bytecode(w.compiled().clone()),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("allow_eval"), "{err}");
}
