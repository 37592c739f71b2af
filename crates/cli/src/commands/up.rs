//! `verge up`: the whole platform on one machine in one command — a control plane with embedded storage in
//! this process, and N nodes as child processes on their own ports, named after real regions.
//!
//! It writes `<data-dir>/up.json` (the control URL, a deploy token, every node) so `verge deploy` works at
//! once. The nodes read standard input from this process: when it ends, however it ends, they stop too.

use crate::output;
use anyhow::Context as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use verge_control::client::{DEFAULT_DATA_DIR, UpFile, UpNode};
use verge_control::{Control, ControlOptions, Scope, create_token, load_or_create_key};
use verge_store::Store;

/// Regions `verge up` names its nodes after: code, latitude, longitude.
const REGIONS: [(&str, f64, f64); 8] = [
    ("nrt", 35.76, 140.39),
    ("fra", 50.03, 8.57),
    ("iad", 38.95, -77.46),
    ("sin", 1.36, 103.99),
    ("gru", -23.43, -46.47),
    ("syd", -33.94, 151.18),
    ("lhr", 51.47, -0.45),
    ("sjc", 37.36, -121.93),
];

/// Arguments of `verge up`.
#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// Where the platform keeps its files (store, secret key, up.json).
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// How many nodes (PoPs) to run.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=64))]
    nodes: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// Port of the control plane (0 picks a free one).
    #[arg(long, default_value_t = 8800)]
    control_port: u16,
    /// Port of the first node; node i listens on this + i, its admin endpoints on this + 100 + i
    /// (0 picks free ports).
    #[arg(long, default_value_t = 8801)]
    base_port: u16,
    /// Shard threads per node.
    #[arg(long, default_value_t = 1)]
    shards: usize,
    /// Platform domain: `<worker>.<domain>` reaches a worker on every node.
    #[arg(long, default_value = super::node::DEFAULT_DOMAIN)]
    domain: String,
}

fn port(base: u16, offset: u16) -> u16 {
    if base == 0 {
        0
    } else {
        base.saturating_add(offset)
    }
}

/// Run `verge up` until interrupted.
pub fn run(args: UpArgs) -> anyhow::Result<()> {
    output::init_logging();
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let data_dir = args
        .data_dir
        .canonicalize()
        .with_context(|| format!("{}", args.data_dir.display()))?;
    let key_file = data_dir.join(super::control::SECRET_KEY_FILE);
    let key = load_or_create_key(&key_file)?;
    let store: Arc<dyn Store> = Arc::new(
        verge_store::EmbeddedStore::open(data_dir.join("store"))
            .with_context(|| format!("opening the store in {}", data_dir.display()))?,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let exe = std::env::current_exe().context("finding the verge binary")?;
    runtime.block_on(async move {
        let control = Control::new(store.clone(), key, ControlOptions::default())
            .with_store_gateway(super::control::store_gateway());
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.ip, args.control_port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.ip, args.control_port))?;
        let control_url = format!("http://{}", listener.local_addr()?);
        let (token, _) = create_token(&*store, "verge up", &[Scope::Admin], None).await?;
        tokio::spawn(verge_control::serve(Arc::new(control), listener));

        let mut children: Vec<(String, Child)> = Vec::new();
        let mut nodes = Vec::new();
        for i in 0..args.nodes {
            let (region, lat, lon) = REGIONS[usize::from(i) % REGIONS.len()];
            let id = format!("{region}-{}", usize::from(i) / REGIONS.len() + 1);
            let (node_token, _) =
                create_token(&*store, &format!("node {id}"), &[Scope::Node], Some(&id)).await?;
            let listen = SocketAddr::new(args.ip, port(args.base_port, i));
            let admin = SocketAddr::new(args.ip, port(args.base_port, 100 + i));
            let child = Command::new(&exe)
                .arg("node")
                .args(["--id", &id, "--region", region])
                .args(["--lat", &lat.to_string(), "--lon", &lon.to_string()])
                .args([
                    "--listen",
                    &listen.to_string(),
                    "--admin",
                    &admin.to_string(),
                ])
                .args(["--control", &control_url])
                .arg("--secret-key-file")
                .arg(&key_file)
                .arg("--data-dir")
                .arg(data_dir.join("nodes").join(&id))
                .args(["--domain", &args.domain])
                .args(["--shards", &args.shards.to_string()])
                .arg("--exit-with-stdin")
                .env("VERGE_NODE_TOKEN", &node_token)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .with_context(|| format!("starting node {id}"))?;
            children.push((id.clone(), child));
            nodes.push((id, region.to_owned()));
        }
        // Each node prints one line when it serves: its addresses (ports may have been picked by the OS).
        let mut up_nodes = Vec::new();
        for ((id, region), (_, child)) in nodes.iter().zip(children.iter_mut()) {
            let http =
                read_ready_line(child).with_context(|| format!("node {id} did not start"))?;
            up_nodes.push(UpNode {
                id: id.clone(),
                region: region.clone(),
                http,
            });
        }
        let up = UpFile {
            control: control_url.clone(),
            token: token.clone(),
            nodes: up_nodes.clone(),
        };
        up.write(&data_dir)?;
        output::line(&format!("Control plane on {control_url}"));
        for n in &up_nodes {
            output::line(&format!(
                "Node {} ({}) on http://{}",
                n.id, n.region, n.http
            ));
        }
        output::line(&format!("Admin token: {token}"));
        output::line(&format!(
            "Wrote {}; try: verge deploy examples/hello, then curl -H 'Host: hello.{}' http://{}/",
            UpFile::path(&data_dir).display(),
            args.domain,
            up_nodes.first().map(|n| n.http.as_str()).unwrap_or("")
        ));
        let started = Instant::now();
        loop {
            tokio::select! {
                r = tokio::signal::ctrl_c() => {
                    r.context("waiting for Ctrl-C")?;
                    break;
                }
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            for (id, child) in &mut children {
                if let Ok(Some(status)) = child.try_wait() {
                    anyhow::bail!(
                        "node {id} exited ({status}) after {:.0} s; stopping the platform",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        output::line("Stopping");
        for (_, mut child) in children {
            drop(child.stdin.take());
            let _ = child.wait();
        }
        Ok(())
    })
}

/// The HTTP address from a node's "serving on http://ADDR," line (which it prints once it listens).
fn read_ready_line(child: &mut Child) -> anyhow::Result<String> {
    use std::io::BufRead;
    let out = child.stdout.take().context("no stdout")?;
    let mut lines = std::io::BufReader::new(out).lines();
    let line = lines
        .next()
        .context("the node exited before it listened")??;
    // Keep draining the node's stdout so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let addr = line
        .split("serving on http://")
        .nth(1)
        .and_then(|s| s.split([',', ' ']).next())
        .with_context(|| format!("unexpected first line from the node: {line:?}"))?;
    Ok(addr.to_owned())
}
