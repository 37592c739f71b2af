//! Serving a [`Control`] over HTTP/1.1 and HTTP/2 (hyper), and the platform key file.

use crate::control::Control;
use crate::error::{Error, Result};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use verge_core::secrets::SecretKey;

/// How long a client may take to send a request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Serve the API on `listener` until the task is dropped. Each connection runs in a task of its own.
pub async fn serve(control: Arc<Control>, listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let control = control.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let control = control.clone();
                async move { Ok::<_, Infallible>(control.handle(req).await) }
            });
            let mut builder = auto::Builder::new(TokioExecutor::new());
            // A client that never finishes its request head does not hold a connection for ever.
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            if let Err(e) = builder
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}

/// Read the platform's secret key from `path` (64 hex digits), or create the file with a fresh key
/// (mode 0600) when it does not exist.
pub fn load_or_create_key(path: &Path) -> Result<SecretKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::from_hex(&text)
            .map_err(|e| Error::BadRequest(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SecretKey::generate();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::internal(&dir.display().to_string(), e))?;
            }
            write_private(path, &format!("{}\n", key.to_hex()))?;
            Ok(key)
        }
        Err(e) => Err(Error::internal(&path.display().to_string(), e)),
    }
}

/// Write `text` to a new file only its owner can read.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Error::internal(&path.display().to_string(), e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::internal(&path.display().to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let a = load_or_create_key(&path).unwrap();
        let b = load_or_create_key(&path).unwrap();
        assert_eq!(a.to_hex(), b.to_hex());
        std::fs::write(&path, "nope").unwrap();
        assert!(load_or_create_key(&path).is_err());
    }
}
