//! Worker secrets: sealed with the platform key as they arrive, kept in the worker's record and copied into
//! the platform config for nodes. No read endpoint ever returns a value, only names.

use crate::control::{Control, check_worker_name};
use crate::documents::{modify_config, require_record, update_record};
use crate::error::{Error, Result};
use crate::model::SecretNames;

/// Largest secret value, in bytes.
const MAX_SECRET_BYTES: usize = 64 << 10;

impl Control {
    /// Set secret `secret` of worker `name` (creating the worker's record if it has none yet). A deployed
    /// worker gets it in a new config generation.
    pub async fn put_secret(&self, name: &str, secret: &str, value: &str) -> Result<SecretNames> {
        check_worker_name(name)?;
        check_secret_name(secret)?;
        if value.len() > MAX_SECRET_BYTES {
            return Err(Error::BadRequest(format!(
                "secret {secret}: values have at most {MAX_SECRET_BYTES} bytes"
            )));
        }
        let sealed = self.key.seal(name, secret, value);
        update_record(self.store.as_ref(), name, true, |rec| {
            rec.secrets.insert(secret.to_owned(), sealed.clone());
            Ok(())
        })
        .await?;
        self.publish_secrets(name).await
    }

    /// Remove secret `secret` of worker `name`.
    pub async fn delete_secret(&self, name: &str, secret: &str) -> Result<SecretNames> {
        check_worker_name(name)?;
        check_secret_name(secret)?;
        update_record(self.store.as_ref(), name, false, |rec| {
            rec.secrets
                .remove(secret)
                .map(|_| ())
                .ok_or_else(|| Error::NotFound(format!("worker {name:?} has no secret {secret:?}")))
        })
        .await?;
        self.publish_secrets(name).await
    }

    /// The names of worker `name`'s secrets.
    pub async fn secret_names(&self, name: &str) -> Result<SecretNames> {
        check_worker_name(name)?;
        let rec = require_record(self.store.as_ref(), name).await?;
        Ok(SecretNames {
            worker: name.to_owned(),
            names: rec.secrets.keys().cloned().collect(),
            generation: None,
        })
    }

    /// Copy the record's sealed secrets into the deployed worker, if it is deployed.
    async fn publish_secrets(&self, name: &str) -> Result<SecretNames> {
        let mut names = Vec::new();
        let (cfg, changed) = modify_config(self.store.as_ref(), name, |cfg, rec| {
            let secrets = rec.map(|r| r.secrets.clone()).unwrap_or_default();
            names = secrets.keys().cloned().collect();
            match cfg.workers.get_mut(name) {
                Some(dep) if dep.secrets != secrets => {
                    dep.secrets = secrets;
                    Ok(Some(()))
                }
                _ => Ok(None),
            }
        })
        .await?;
        let deployed = cfg.workers.contains_key(name);
        Ok(SecretNames {
            worker: name.to_owned(),
            names,
            generation: (deployed || changed.is_some()).then_some(cfg.generation),
        })
    }
}

/// A secret name is an identifier: `env.NAME` in the worker.
fn check_secret_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 128
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "secret name {name:?}: use a letter or '_' then letters, digits and '_' (at most 128)"
        )))
    }
}
