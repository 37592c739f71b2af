//! The wire format shared by the server and the client: paths, headers, error bodies, watch lines.

use crate::{Change, Entry, StoreError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// The revision of the entry returned by a `GET /kv/...`, or of the write done by a `PUT /kv/...`.
pub const REVISION_HEADER: &str = "verge-revision";
/// On a `PUT /kv/...`: write only if the key's revision is still this (0: only if it does not exist).
pub const EXPECTED_HEADER: &str = "verge-expected-revision";

/// Encode a name as one path segment. Names are `[A-Za-z0-9_=./-]` (see [`crate::check_name`]), so only `/`
/// needs escaping.
pub fn encode(name: &str) -> String {
    name.replace('/', "%2F")
}

/// Decode a percent-encoded path piece; `None` when it is not valid percent-encoded UTF-8.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A JSON error body; the client turns it back into the same [`StoreError`].
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// `conflict`, `invalid_name`, `unavailable`, `backend`, `not_found`, `bad_request`, `too_large`.
    pub error: String,
    /// Human-readable text.
    pub message: String,
    /// For conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// For conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// For conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<u64>,
    /// For conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<u64>,
    /// For invalid names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ErrorBody {
    /// A body of `kind` with `message` only.
    pub fn plain(kind: &str, message: impl Into<String>) -> Self {
        Self {
            error: kind.into(),
            message: message.into(),
            bucket: None,
            key: None,
            expected: None,
            found: None,
            name: None,
        }
    }

    /// The body and HTTP status for a store error.
    pub fn from_error(e: &StoreError) -> (http::StatusCode, Self) {
        use http::StatusCode as S;
        let message = e.to_string();
        match e {
            StoreError::Conflict {
                bucket,
                key,
                expected,
                found,
            } => (
                S::CONFLICT,
                Self {
                    bucket: Some(bucket.clone()),
                    key: Some(key.clone()),
                    expected: Some(*expected),
                    found: Some(*found),
                    ..Self::plain("conflict", message)
                },
            ),
            StoreError::InvalidName(name) => (
                S::BAD_REQUEST,
                Self {
                    name: Some(name.clone()),
                    ..Self::plain("invalid_name", message)
                },
            ),
            StoreError::Unavailable(m) => (S::SERVICE_UNAVAILABLE, Self::plain("unavailable", m)),
            StoreError::Backend(m) => (S::INTERNAL_SERVER_ERROR, Self::plain("backend", m)),
        }
    }

    /// Back to a store error (`status` for bodies that are not ours, e.g. a proxy's or an auth layer's).
    pub fn into_error(self, status: http::StatusCode) -> StoreError {
        match self.error.as_str() {
            "conflict" => StoreError::Conflict {
                bucket: self.bucket.unwrap_or_default(),
                key: self.key.unwrap_or_default(),
                expected: self.expected.unwrap_or_default(),
                found: self.found.unwrap_or_default(),
            },
            "invalid_name" => StoreError::InvalidName(self.name.unwrap_or(self.message)),
            "unavailable" => StoreError::Unavailable(self.message),
            _ => StoreError::Backend(format!("remote store: {status}: {}", self.message)),
        }
    }
}

/// One line of a `/watch/{bucket}` stream.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum WatchLine {
    /// A key was written (or is current when the watch starts); the value is base64.
    Put {
        /// The key.
        key: String,
        /// The value, base64 (standard alphabet, padded).
        value: String,
        /// The revision.
        revision: u64,
    },
    /// A key was deleted.
    Delete {
        /// The key.
        key: String,
        /// The revision of the delete.
        revision: u64,
    },
    /// The watch failed; the stream ends after this line.
    Error(ErrorBody),
    /// Nothing happened for a while (keeps idle connections observable).
    Ping,
}

impl WatchLine {
    /// The line for a change.
    pub fn from_change(c: &Change) -> Self {
        match c {
            Change::Put(e) => Self::Put {
                key: e.key.clone(),
                value: STANDARD.encode(&e.value),
                revision: e.revision,
            },
            Change::Delete { key, revision } => Self::Delete {
                key: key.clone(),
                revision: *revision,
            },
        }
    }

    /// The change (`Ok(None)` for a ping).
    pub fn into_change(self) -> Result<Option<Change>, StoreError> {
        match self {
            Self::Put {
                key,
                value,
                revision,
            } => {
                let value = STANDARD.decode(value).map_err(|e| {
                    StoreError::Backend(format!("remote watch: bad base64 value of {key}: {e}"))
                })?;
                Ok(Some(Change::Put(Entry {
                    key,
                    value: Bytes::from(value),
                    revision,
                })))
            }
            Self::Delete { key, revision } => Ok(Some(Change::Delete { key, revision })),
            Self::Error(e) => Err(e.into_error(http::StatusCode::OK)),
            Self::Ping => Ok(None),
        }
    }

    /// The line, JSON and a newline.
    pub fn to_bytes(&self) -> Bytes {
        let mut v = serde_json::to_vec(self).unwrap_or_else(|_| b"{\"op\":\"ping\"}".to_vec());
        v.push(b'\n');
        Bytes::from(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in ["a", "a/b/c", "x=1.y_z-"] {
            assert_eq!(decode(&encode(n)).as_deref(), Some(n));
        }
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("a%2fb").as_deref(), Some("a/b"));
    }

    #[test]
    fn errors_round_trip() {
        let e = StoreError::Conflict {
            bucket: "b".into(),
            key: "k/1".into(),
            expected: 3,
            found: 5,
        };
        let (status, body) = ErrorBody::from_error(&e);
        assert_eq!(status, 409);
        let body: ErrorBody = serde_json::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert!(matches!(
            body.into_error(status),
            StoreError::Conflict { expected: 3, found: 5, ref key, .. } if key == "k/1"
        ));
    }
}
