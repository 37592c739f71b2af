//! A node's admin endpoints, on their own address: `/healthz` (the process is up), `/readyz` (a
//! configuration has been applied), `/metrics` (Prometheus text) and `/status` (JSON).

use crate::routes::PlatformTarget;
use crate::sync::SyncState;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use std::fmt::Write as _;
use std::sync::Arc;
use verge_runtime::limits::ViolationCounters;

/// What the admin endpoints read.
#[derive(Clone)]
pub struct AdminState {
    /// The route table being served.
    pub target: Arc<PlatformTarget>,
    /// Sync progress; `None` for a node without a control plane (always ready).
    pub sync: Option<Arc<SyncState>>,
    /// Node-wide violation counters.
    pub violations: Arc<ViolationCounters>,
    /// This PoP's id.
    pub pop: String,
}

/// Serve the admin endpoints on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AdminState) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |req: http::Request<hyper::body::Incoming>| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(respond(&state, req.uri().path())) }
                },
            );
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn text(status: u16, content_type: &'static str, body: String) -> http::Response<Full<Bytes>> {
    let mut r = http::Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    r
}

fn respond(state: &AdminState, path: &str) -> http::Response<Full<Bytes>> {
    match path {
        "/healthz" => text(200, "text/plain", "ok\n".into()),
        "/readyz" => {
            if state.sync.as_ref().is_none_or(|s| s.ready()) {
                text(200, "text/plain", "ready\n".into())
            } else {
                text(
                    503,
                    "text/plain",
                    "waiting for the platform configuration\n".into(),
                )
            }
        }
        "/metrics" => text(200, "text/plain; version=0.0.4", metrics(state)),
        "/status" => {
            let table = state.target.current();
            let mut workers: Vec<_> = table
                .workers()
                .iter()
                .map(|(name, d)| {
                    serde_json::json!({
                        "name": name,
                        "versions": d.versions.iter().map(|(v, _, p)| serde_json::json!({"version": v, "percent": p})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            workers.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
            let body = serde_json::json!({
                "pop": state.pop,
                "generation": table.generation(),
                "ready": state.sync.as_ref().is_none_or(|s| s.ready()),
                "connected": state.sync.as_ref().is_none_or(|s| s.connected()),
                "errors": state.sync.as_ref().map(|s| s.errors()).unwrap_or_default(),
                "workers": workers,
            });
            text(200, "application/json", format!("{body}\n"))
        }
        _ => text(404, "text/plain", "not found\n".into()),
    }
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition of the node's counters.
pub fn metrics(state: &AdminState) -> String {
    let mut out = String::new();
    let stats = verge_runtime::metrics::snapshot();
    let table = state.target.current();
    let _ = writeln!(
        out,
        "# HELP verge_requests_total Responses served by workers, by status.\n# TYPE verge_requests_total counter"
    );
    for (name, s) in &stats {
        for (status, n) in &s.statuses {
            let _ = writeln!(
                out,
                "verge_requests_total{{worker=\"{}\",status=\"{status}\"}} {n}",
                label(name)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP verge_cpu_seconds_total CPU time used by workers' requests.\n# TYPE verge_cpu_seconds_total counter"
    );
    for (name, s) in &stats {
        let _ = writeln!(
            out,
            "verge_cpu_seconds_total{{worker=\"{}\"}} {}",
            label(name),
            s.cpu_us as f64 / 1e6
        );
    }
    let _ = writeln!(
        out,
        "# HELP verge_isolates Isolates alive, per worker.\n# TYPE verge_isolates gauge"
    );
    for (name, s) in &stats {
        let _ = writeln!(
            out,
            "verge_isolates{{worker=\"{}\"}} {}",
            label(name),
            s.isolates
        );
    }
    let _ = writeln!(
        out,
        "# HELP verge_isolates_created_total Isolates made, per worker.\n# TYPE verge_isolates_created_total counter"
    );
    for (name, s) in &stats {
        let _ = writeln!(
            out,
            "verge_isolates_created_total{{worker=\"{}\"}} {}",
            label(name),
            s.isolates_created
        );
    }
    let _ = writeln!(
        out,
        "# HELP verge_isolates_evicted_total Idle isolates evicted to keep shards within their idle limit, per worker.\n# TYPE verge_isolates_evicted_total counter"
    );
    for (name, s) in &stats {
        let _ = writeln!(
            out,
            "verge_isolates_evicted_total{{worker=\"{}\"}} {}",
            label(name),
            s.isolates_evicted
        );
    }
    let _ = writeln!(
        out,
        "# HELP verge_limit_violations_total Limit violations, per worker and limit.\n# TYPE verge_limit_violations_total counter"
    );
    for (name, s) in &stats {
        for (code, n) in &s.violations {
            let _ = writeln!(
                out,
                "verge_limit_violations_total{{worker=\"{}\",limit=\"{code}\"}} {n}",
                label(name)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP verge_node_limit_violations_total Limit violations on this node, per limit.\n# TYPE verge_node_limit_violations_total counter"
    );
    for (code, n) in state.violations.snapshot() {
        let _ = writeln!(
            out,
            "verge_node_limit_violations_total{{limit=\"{code}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP verge_workers_deployed Workers in the route table.\n# TYPE verge_workers_deployed gauge\nverge_workers_deployed {}",
        table.workers().len()
    );
    let _ = writeln!(
        out,
        "# HELP verge_config_generation Platform configuration generation served.\n# TYPE verge_config_generation gauge\nverge_config_generation {}",
        table.generation()
    );
    if let Some(sync) = &state.sync {
        let _ = writeln!(
            out,
            "# HELP verge_store_connected Whether the configuration watch is up.\n# TYPE verge_store_connected gauge\nverge_store_connected {}",
            u8::from(sync.connected())
        );
    }
    out
}
