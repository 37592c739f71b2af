//! `verge secret put NAME`: set a worker secret; the value comes from stdin, never from the command line.

use crate::commands::remote::{RemoteArgs, runtime, worker_name};
use crate::output;
use anyhow::{Context as _, bail};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Arguments of `verge secret`.
#[derive(clap::Args, Debug)]
pub struct SecretArgs {
    #[command(subcommand)]
    action: SecretAction,
}

#[derive(clap::Subcommand, Debug)]
enum SecretAction {
    /// Set secret NAME of a worker to the value read from stdin (typed without echo on a terminal).
    Put {
        /// The secret's name (`env.NAME` in the worker).
        name: String,
        /// The worker (default: the `name` in ./verge.toml).
        #[arg(long)]
        worker: Option<String>,
        /// The worker folder whose manifest names the worker, when --worker is not given.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

/// Run `verge secret`.
pub fn run(args: SecretArgs) -> anyhow::Result<()> {
    match args.action {
        SecretAction::Put {
            name,
            worker,
            dir,
            remote,
        } => {
            let worker = match worker {
                Some(w) => w,
                None => worker_name(&dir)?,
            };
            let client = remote.client()?;
            let value = read_value(&name)?;
            let names = runtime()?.block_on(client.put_secret(&worker, &name, &value))?;
            let published = names
                .generation
                .map(|g| format!(" (generation {g})"))
                .unwrap_or_else(|| " (applies from the next deploy)".into());
            output::line(&format!(
                "Set secret {name} of {worker}{published}; its secrets: {}",
                names.names.join(", ")
            ));
            Ok(())
        }
    }
}

/// The value: typed without echo on a terminal, else all of stdin less one trailing newline.
fn read_value(name: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut value = String::new();
        stdin
            .lock()
            .read_to_string(&mut value)
            .context("reading the secret from stdin")?;
        if value.ends_with('\n') {
            value.pop();
            if value.ends_with('\r') {
                value.pop();
            }
        }
        return Ok(value);
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "Value of {name}: ");
    let _ = err.flush();
    let echo_off = stty("-echo");
    let mut value = String::new();
    let read = stdin.lock().read_line(&mut value);
    if echo_off {
        stty("echo");
    }
    let _ = writeln!(err);
    read.context("reading the secret")?;
    let value = value.trim_end_matches(['\n', '\r']).to_owned();
    if value.is_empty() {
        bail!("no value given for {name}");
    }
    Ok(value)
}

/// Change the terminal's mode with `stty` (which acts on its stdin: ours, the terminal).
fn stty(mode: &str) -> bool {
    Command::new("stty")
        .arg(mode)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
