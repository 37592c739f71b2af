//! `verge`: one binary, one subcommand per role.

mod commands;
mod output;

use clap::{Parser, Subcommand};

/// verge: a self-hostable edge platform for Workers-style JavaScript.
#[derive(Parser)]
#[command(name = "verge", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve one worker locally, reloading it when its files change.
    Dev(commands::dev::DevArgs),
    /// Run one point of presence: serve every deployed worker by route.
    Node(commands::node::NodeArgs),
    /// Routes served by proxying to an origin (no worker), cached on every node.
    Proxy(commands::proxy::ProxyArgs),
    /// The whole platform on this machine: a control plane and N nodes, ready for `verge deploy`.
    Up(commands::up::UpArgs),
    /// Run the control plane: the API that takes deploys and publishes them to every PoP.
    Control(commands::control::ControlArgs),
    /// Build a worker, upload it and deploy it to every PoP.
    Deploy(commands::deploy::DeployArgs),
    /// List a worker's versions.
    Versions(commands::versions::VersionsArgs),
    /// Point a worker back at an earlier version.
    Rollback(commands::rollback::RollbackArgs),
    /// Manage a worker's secrets.
    Secret(commands::secret::SecretArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev(args) => commands::dev::run(args),
        Command::Node(args) => commands::node::run(args),
        Command::Up(args) => commands::up::run(args),
        Command::Proxy(args) => commands::proxy::run(args),
        Command::Control(args) => commands::control::run(args),
        Command::Deploy(args) => commands::deploy::run(args),
        Command::Versions(args) => commands::versions::run(args),
        Command::Rollback(args) => commands::rollback::run(args),
        Command::Secret(args) => commands::secret::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            output::error(&format!("error: {e:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}
