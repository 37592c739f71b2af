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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev(args) => commands::dev::run(args),
        Command::Node(args) => commands::node::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            output::error(&format!("error: {e:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}
