//! `verge versions`: a worker's versions, newest first, with the traffic each serves.

use crate::commands::remote::{RemoteArgs, runtime, worker_name};
use crate::output;
use std::path::PathBuf;

/// Arguments of `verge versions`.
#[derive(clap::Args, Debug)]
pub struct VersionsArgs {
    /// The worker (default: the `name` in ./verge.toml).
    name: Option<String>,
    /// The worker folder whose manifest names the worker, when NAME is not given.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// Run `verge versions`.
pub fn run(args: VersionsArgs) -> anyhow::Result<()> {
    let name = match args.name {
        Some(n) => n,
        None => worker_name(&args.dir)?,
    };
    let client = args.remote.client()?;
    runtime()?.block_on(async {
        let worker = client.worker(&name).await?;
        let versions = client.versions(&name).await?;
        output::line(&format!(
            "{:<8} {:<20} {:<13} {:>7}  MESSAGE",
            "VERSION", "CREATED (UTC)", "BUNDLE", "TRAFFIC"
        ));
        for v in versions {
            let traffic = worker
                .active
                .iter()
                .find(|s| s.version == v.version)
                .map(|s| format!("{}%", s.percent))
                .unwrap_or_default();
            output::line(&format!(
                "{:<8} {:<20} {:<13} {:>7}  {}",
                v.version,
                utc(v.created_ms),
                &v.bundle[..v.bundle.len().min(12)],
                traffic,
                v.message.unwrap_or_default()
            ));
        }
        Ok(())
    })
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of milliseconds since the epoch.
fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(
            super::utc(1_795_996_800_000 + 3_723_000),
            "2026-11-30 01:02:03"
        );
    }
}
