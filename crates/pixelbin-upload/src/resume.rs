//! What a failed upload leaves behind so it can be finished later:
//! the presigned URL and the parts the server already acknowledged.

use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use pixelbin_http::atomic_file::{Access, write_atomically};
use serde::{Deserialize, Serialize};

use url::Url;

use crate::error::UploadError;

/// The presigned multipart URL and its signed fields (`presignedUrl` of the
/// signed-url v2 response; one type across the SDK, from `pixelbin-http`).
pub use pixelbin_http::model::PresignedUrl;

/// The presigned URL, parsed.
pub(crate) fn parse_presigned(presigned: &PresignedUrl) -> Result<Url, UploadError> {
    Url::parse(&presigned.url).map_err(|e| {
        UploadError::InvalidState(format!(
            "the presigned URL is not a valid absolute URL ({e}); \
             use the `presignedUrl.url` returned by the signed-url request"
        ))
    })
}

/// Everything needed to finish an interrupted upload with
/// [`Uploader::resume`](crate::Uploader::resume), before the presigned URL
/// expires (3000 s by default, see `UploadRequest::expiry`).
///
/// Found in a failed upload's error ([`UploadError::resume_state`]). It is
/// serializable, so it can be stored and the upload finished by another
/// process. Give `resume` the same data again: parts already acknowledged are
/// skipped (a file is seeked, a reader is read past), the others are sent, then
/// the upload is completed.
///
/// It can also be made from a presigned URL created elsewhere, to upload to it:
///
/// ```
/// use pixelbin_upload::{PresignedUrl, ResumeState};
///
/// let url = PresignedUrl::new("https://api.pixelbin.io/service/public/assets/v1.0/signed-multipart?pbs=x", Default::default());
/// let state = ResumeState::new(url, 5 * 1024 * 1024);
/// assert!(state.acknowledged_parts.is_empty());
/// assert!(!format!("{state:?}").contains("pbs=x"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResumeState {
    /// The presigned URL and fields of the interrupted upload.
    pub presigned_url: PresignedUrl,
    /// Part numbers (from 1) the server acknowledged, ascending.
    pub acknowledged_parts: Vec<u32>,
    /// Bytes in the acknowledged parts.
    pub acknowledged_bytes: u64,
    /// The chunk size the parts were cut with; a resume cuts the same way.
    pub chunk_size: usize,
    /// Length of the source, when it was known (a resume checks it).
    pub source_len: Option<u64>,
    /// Modification time of a file source, in nanoseconds since the Unix
    /// epoch: a resume refuses a file modified since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_modified_ns: Option<u64>,
    /// When the presigned URL expires, in milliseconds since the Unix epoch
    /// (when known: the time of the signed-url request plus its `expiry`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
}

impl ResumeState {
    /// A fresh state for `presigned_url`, no part sent yet.
    pub fn new(presigned_url: PresignedUrl, chunk_size: usize) -> Self {
        ResumeState {
            presigned_url,
            acknowledged_parts: Vec::new(),
            acknowledged_bytes: 0,
            chunk_size,
            source_len: None,
            source_modified_ns: None,
            expires_at_ms: None,
        }
    }

    /// Reads a state saved with [`ResumeState::save`] (or by an upload with
    /// [`UploadOptions::state_file`](crate::UploadOptions::state_file)).
    pub fn load(path: impl AsRef<Path>) -> Result<ResumeState, UploadError> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|e| state_file_error(path, e))?;
        serde_json::from_slice(&text).map_err(|e| {
            state_file_error(
                path,
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("not a resume state ({e}); remove it to start afresh"),
                ),
            )
        })
    }

    /// Writes the state to `path` atomically: a temporary file in the same
    /// folder renamed over it, so a crash leaves the old state or the new one,
    /// never half of one.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), UploadError> {
        let path = path.as_ref();
        self.write_atomically(path)
            .map_err(|e| state_file_error(path, e))
    }

    fn write_atomically(&self, path: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec(self)?;
        // Private: the state holds the presigned URL, whose query is a credential.
        write_atomically(path, &bytes, Access::Private)
    }

    /// Whether the presigned URL has expired at `now`, or will within a minute
    /// (too late to start sending parts). `false` when the expiry is unknown.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        let Some(at) = self.expires_at_ms else {
            return false;
        };
        let now_ms = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        now_ms + 60_000 >= u128::from(at)
    }

    /// Records when a presigned URL obtained now expires, `expiry_secs` from now.
    pub(crate) fn set_expiry(&mut self, expiry_secs: u64) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let at = now.saturating_add(Duration::from_secs(expiry_secs));
        self.expires_at_ms = u64::try_from(at.as_millis()).ok();
    }

    /// Parts still to send, when the source length is known.
    pub fn missing_parts(&self) -> Option<Vec<u32>> {
        let total = self.total_parts()?;
        let total = u32::try_from(total).ok()?;
        Some(
            (1..=total)
                .filter(|n| self.acknowledged_parts.binary_search(n).is_err())
                .collect(),
        )
    }

    fn total_parts(&self) -> Option<u64> {
        match (self.source_len, self.chunk_size) {
            (Some(len), size) if size > 0 => Some(len.div_ceil(size as u64)),
            _ => None,
        }
    }

    /// Checks the state against itself and the source length (when known),
    /// before any request.
    pub(crate) fn check(&mut self, source_len: Option<u64>) -> Result<(), UploadError> {
        if self.chunk_size == 0 {
            return Err(UploadError::InvalidOptions(
                "Invalid chunkSize: Must be a positive integer.".to_owned(),
            ));
        }
        parse_presigned(&self.presigned_url)?;
        self.acknowledged_parts.sort_unstable();
        self.acknowledged_parts.dedup();
        if self.acknowledged_parts.first() == Some(&0) {
            return Err(UploadError::InvalidState(
                "acknowledged part numbers start at 1; part 0 does not exist".to_owned(),
            ));
        }
        if let (Some(expected), Some(actual)) = (self.source_len, source_len)
            && expected != actual
        {
            return Err(UploadError::InvalidState(format!(
                "the source is {actual} bytes long but the interrupted upload was {expected} bytes; \
                     resume with the same data"
            )));
        }
        if self.source_len.is_none() {
            self.source_len = source_len;
        }
        if let (Some(total), Some(&last)) = (self.total_parts(), self.acknowledged_parts.last())
            && u64::from(last) > total
        {
            return Err(UploadError::InvalidState(format!(
                "part {last} is marked acknowledged but the source has only {total} parts of {} bytes; \
                     resume with the same data and chunk size",
                self.chunk_size
            )));
        }
        Ok(())
    }
}

fn state_file_error(path: &Path, source: io::Error) -> UploadError {
    UploadError::StateFile {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload.state");
        let mut s = state();
        s.acknowledged_parts = vec![1, 2];
        s.source_modified_ns = Some(1_700_000_000_123_456_789);
        s.set_expiry(3000);
        s.save(&path).unwrap();
        assert_eq!(ResumeState::load(&path).unwrap(), s);
        s.acknowledged_parts.push(3);
        s.save(&path).unwrap();
        assert_eq!(
            ResumeState::load(&path).unwrap().acknowledged_parts,
            vec![1, 2, 3]
        );
        // Only the state file is left: the temporary file was renamed over it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        std::fs::write(&path, b"{not json").unwrap();
        let err = ResumeState::load(&path).unwrap_err();
        assert!(err.to_string().contains("upload.state"), "{err}");
        assert!(
            std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("not a resume state")
        );
        assert!(ResumeState::load(dir.path().join("missing")).is_err());
    }

    #[test]
    fn expiry() {
        let mut s = state();
        assert!(!s.is_expired(SystemTime::now()), "unknown expiry");
        s.set_expiry(3000);
        assert!(!s.is_expired(SystemTime::now()));
        assert!(s.is_expired(SystemTime::now() + Duration::from_secs(2950)));
        s.set_expiry(30);
        assert!(s.is_expired(SystemTime::now()), "less than a minute left");
    }

    fn state() -> ResumeState {
        ResumeState::new(
            PresignedUrl::new("http://127.0.0.1:1/signed?pbs=secret&pbe=1", Map::new()),
            10,
        )
    }

    #[test]
    fn debug_redacts_the_signed_query() {
        let mut fields = Map::new();
        fields.insert(
            "x-pixb-meta-assetdata".into(),
            Value::from("{\"s3Key\":\"k\"}"),
        );
        let url = PresignedUrl::new(
            "https://api.pixelbin.io/signed-multipart?pbs=abc123",
            fields,
        );
        let text = format!("{url:?}");
        assert!(!text.contains("abc123"), "{text}");
        assert!(!text.contains("s3Key"), "{text}");
        assert!(
            text.contains("https://api.pixelbin.io/signed-multipart"),
            "{text}"
        );
        assert!(text.contains("x-pixb-meta-assetdata"), "{text}");
    }

    #[test]
    fn round_trips_through_json() {
        let mut s = state();
        s.acknowledged_parts = vec![1, 3];
        s.acknowledged_bytes = 20;
        s.source_len = Some(35);
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("\"acknowledgedParts\":[1,3]"), "{text}");
        assert_eq!(serde_json::from_str::<ResumeState>(&text).unwrap(), s);
        assert_eq!(s.missing_parts(), Some(vec![2, 4]));
    }

    #[test]
    fn check_refuses_inconsistent_states() {
        let mut s = state();
        s.source_len = Some(35);
        let err = s.check(Some(36)).unwrap_err();
        assert!(err.to_string().contains("36 bytes long"), "{err}");

        let mut s = state();
        s.acknowledged_parts = vec![5];
        let err = s.check(Some(35)).unwrap_err();
        assert!(err.to_string().contains("only 4 parts"), "{err}");

        let mut s = state();
        s.acknowledged_parts = vec![0];
        assert!(s.check(None).is_err());

        let mut s = state();
        s.chunk_size = 0;
        assert_eq!(
            s.check(None).unwrap_err().to_string(),
            "Invalid chunkSize: Must be a positive integer."
        );

        let mut s = state();
        s.presigned_url.url = "not a url".into();
        assert!(s.check(None).is_err());
    }

    #[test]
    fn check_normalises_and_learns_the_length() {
        let mut s = state();
        s.acknowledged_parts = vec![3, 1, 3];
        s.check(Some(35)).unwrap();
        assert_eq!(s.acknowledged_parts, vec![1, 3]);
        assert_eq!(s.source_len, Some(35));
    }
}
