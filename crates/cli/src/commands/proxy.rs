//! `verge proxy`: routes with an origin and no worker — every node serves them as a caching reverse proxy.

use crate::commands::remote::{RemoteArgs, runtime};
use crate::output;

/// Arguments of `verge proxy`.
#[derive(clap::Args, Debug)]
pub struct ProxyArgs {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Proxy a route to an origin: `verge proxy add 'static.example.com/*' http://10.0.0.5:8080`.
    Add {
        /// Route pattern (`host/path*`, the host may start with `*`).
        pattern: String,
        /// Origin URL.
        origin: String,
    },
    /// Stop proxying a route.
    Remove {
        /// Route pattern, as added.
        pattern: String,
    },
    /// List proxy routes.
    List,
}

/// Run `verge proxy`.
pub fn run(args: ProxyArgs) -> anyhow::Result<()> {
    let client = args.remote.client()?;
    runtime()?.block_on(async {
        match args.action {
            Action::Add { pattern, origin } => {
                let r = client.put_proxy(&pattern, &origin).await?;
                output::line(&format!(
                    "{pattern} -> {origin} (generation {})",
                    r["generation"]
                ));
            }
            Action::Remove { pattern } => {
                let r = client.delete_proxy(&pattern).await?;
                output::line(&format!(
                    "removed {pattern} (generation {})",
                    r["generation"]
                ));
            }
            Action::List => {
                for p in client.proxies().await? {
                    output::line(&format!("{} -> {}", p.pattern, p.origin));
                }
            }
        }
        Ok(())
    })
}
