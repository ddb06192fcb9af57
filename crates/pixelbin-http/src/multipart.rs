//! `multipart/form-data` bodies built from `Bytes` segments.
//!
//! The encoded form is a list of segments: each part's small header, the part
//! data itself (a `Bytes` handle — a 10 MiB file part is never copied) and the
//! separators. The exact length is known up front, so the body is sent with a
//! `Content-Length`, and cloning the form for a retry copies no data.

use std::fmt;

use bytes::{Bytes, BytesMut};
use rand::Rng;

/// A replayable `multipart/form-data` body.
///
/// ```
/// use bytes::Bytes;
/// use pixelbin_http::Form;
///
/// let form = Form::new()
///     .text("webhook", "https://example.com/hook")
///     .file("input.image", "image.jpg", "image/jpeg", Bytes::from_static(b"\xff\xd8..."));
/// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
/// assert_eq!(form.content_length(), form.to_bytes()?.len() as u64);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Form {
    boundary: String,
    parts: Vec<Part>,
}

#[derive(Clone)]
struct Part {
    name: String,
    filename: Option<String>,
    /// `--boundary` line and part headers, ending with the blank line.
    head: Bytes,
    data: Segment,
}

/// A piece of the encoded form: bytes in memory, or a file read while sending.
#[derive(Clone)]
pub(crate) enum Segment {
    /// Bytes sent as they are.
    Bytes(Bytes),
    /// The first `len` bytes of a file, opened and streamed at each send
    /// (so a retry reads it again and memory stays flat).
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Bytes announced in `Content-Length`.
        len: u64,
    },
}

impl Segment {
    fn len(&self) -> u64 {
        match self {
            Segment::Bytes(b) => b.len() as u64,
            Segment::File { len, .. } => *len,
        }
    }
}

const CRLF: &[u8] = b"\r\n";

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    /// An empty form with a random boundary.
    pub fn new() -> Form {
        let mut rng = rand::rng();
        let boundary = format!(
            "pixelbin-{:016x}{:016x}",
            rng.random::<u64>(),
            rng.random::<u64>()
        );
        Form {
            boundary,
            parts: Vec::new(),
        }
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Form {
        let name = name.into();
        let head = self.part_head(&name, None, None);
        self.parts.push(Part {
            name,
            filename: None,
            head,
            data: Segment::Bytes(Bytes::from(value.into())),
        });
        self
    }

    /// Adds a file field; `data` is sent as it is, without copying.
    pub fn file(
        self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: Bytes,
    ) -> Form {
        self.file_part(
            name.into(),
            filename.into(),
            content_type.into(),
            Segment::Bytes(data),
        )
    }

    /// Adds a file field streamed from disk while sending: the first `len`
    /// bytes of the file at `path` (its size when the form is built). The file
    /// is opened at each send, never read whole into memory; a file that has
    /// become shorter fails the send.
    pub fn file_path(
        self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        path: impl Into<std::path::PathBuf>,
        len: u64,
    ) -> Form {
        let data = Segment::File {
            path: path.into(),
            len,
        };
        self.file_part(name.into(), filename.into(), content_type.into(), data)
    }

    fn file_part(
        mut self,
        name: String,
        filename: String,
        content_type: String,
        data: Segment,
    ) -> Form {
        let head = self.part_head(&name, Some(&filename), Some(&content_type));
        self.parts.push(Part {
            name,
            filename: Some(filename),
            head,
            data,
        });
        self
    }

    /// `multipart/form-data; boundary=...`
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The boundary separating the parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// Exact size in bytes of the encoded form.
    pub fn content_length(&self) -> u64 {
        let parts: u64 = self
            .parts
            .iter()
            .map(|p| (p.head.len() + CRLF.len()) as u64 + p.data.len())
            .sum();
        parts + self.closing_len() as u64
    }

    /// Number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the form has no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The encoded form as one buffer. This copies every part (and reads
    /// file parts from disk); the transport itself streams the segments
    /// instead. Meant for tests and inspection.
    pub fn to_bytes(&self) -> std::io::Result<Bytes> {
        let mut out = BytesMut::new();
        for segment in self.clone().into_segments() {
            match segment {
                Segment::Bytes(b) => out.extend_from_slice(&b),
                Segment::File { path, len } => {
                    use std::io::Read as _;
                    let mut data = Vec::new();
                    std::fs::File::open(path)?
                        .take(len)
                        .read_to_end(&mut data)?;
                    out.extend_from_slice(&data);
                }
            }
        }
        Ok(out.freeze())
    }

    /// The encoded form as a list of segments, data parts not copied.
    pub(crate) fn into_segments(self) -> Vec<Segment> {
        let closing = self.closing();
        let mut out = Vec::with_capacity(self.parts.len() * 3 + 1);
        for part in self.parts {
            out.push(Segment::Bytes(part.head));
            out.push(part.data);
            out.push(Segment::Bytes(Bytes::from_static(CRLF)));
        }
        out.push(Segment::Bytes(closing));
        out
    }

    fn closing(&self) -> Bytes {
        Bytes::from(format!("--{}--\r\n", self.boundary))
    }

    fn closing_len(&self) -> usize {
        self.boundary.len() + 6
    }

    fn part_head(&self, name: &str, filename: Option<&str>, content_type: Option<&str>) -> Bytes {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
            self.boundary,
            escape_quoted(name)
        );
        if let Some(filename) = filename {
            head.push_str(&format!("; filename=\"{}\"", escape_quoted(filename)));
        }
        head.push_str("\r\n");
        if let Some(content_type) = content_type {
            // A content type cannot span lines; drop any line breaks a caller passed.
            let clean: String = content_type
                .chars()
                .filter(|c| *c != '\r' && *c != '\n')
                .collect();
            head.push_str(&format!("Content-Type: {clean}\r\n"));
        }
        head.push_str("\r\n");
        Bytes::from(head)
    }
}

/// Escapes a field or file name for a quoted header parameter the way
/// browsers do (WHATWG HTML): `"` and line breaks are percent-encoded.
fn escape_quoted(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

impl fmt::Debug for Form {
    // Names and sizes only; the data may be a large image.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct PartDebug<'a>(&'a Part);
        impl fmt::Debug for PartDebug<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("Part")
                    .field("name", &self.0.name)
                    .field("filename", &self.0.filename)
                    .field("len", &self.0.data.len())
                    .finish()
            }
        }
        f.debug_struct("Form")
            .field("boundary", &self.boundary)
            .field(
                "parts",
                &self.parts.iter().map(PartDebug).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_text_and_file_parts() {
        let form = Form::new().text("webhook", "https://x.test/h").file(
            "input.image",
            "a.jpg",
            "image/jpeg",
            Bytes::from_static(b"JPEG"),
        );
        let b = form.boundary().to_owned();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"webhook\"\r\n\r\nhttps://x.test/h\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"input.image\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEG\r\n\
             --{b}--\r\n"
        );
        assert_eq!(form.to_bytes().unwrap(), expected.as_bytes());
        assert_eq!(form.content_length(), expected.len() as u64);
        assert_eq!(form.len(), 2);
    }

    #[test]
    fn empty_form_is_just_the_closing_line() {
        let form = Form::new();
        assert!(form.is_empty());
        assert_eq!(
            form.to_bytes().unwrap(),
            format!("--{}--\r\n", form.boundary()).as_bytes()
        );
        assert_eq!(form.content_length(), form.to_bytes().unwrap().len() as u64);
    }

    #[test]
    fn file_data_is_shared_not_copied() {
        let data = Bytes::from(vec![7u8; 1024 * 1024]);
        let form = Form::new().file("file", "big.bin", "application/octet-stream", data.clone());
        let segments = form.clone().into_segments();
        let Segment::Bytes(part) = &segments[1] else {
            panic!("a bytes part")
        };
        assert_eq!(part.as_ptr(), data.as_ptr());
        assert_eq!(
            form.content_length(),
            segments.iter().map(Segment::len).sum::<u64>()
        );
    }

    #[test]
    fn file_parts_are_read_from_disk_with_their_announced_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.bin");
        std::fs::write(&path, b"0123456789").unwrap();
        let form = Form::new().text("a", "b").file_path(
            "file",
            "in.bin",
            "application/octet-stream",
            &path,
            10,
        );
        let bytes = form.to_bytes().unwrap();
        assert_eq!(form.content_length(), bytes.len() as u64);
        assert!(bytes.windows(10).any(|w| w == b"0123456789"));
        std::fs::remove_file(&path).unwrap();
        assert!(form.to_bytes().is_err());
    }

    #[test]
    fn quotes_and_line_breaks_in_names_are_escaped() {
        let form = Form::new().file(
            "a\"b",
            "x\r\ny.jpg",
            "image/jpeg\r\nX-Evil: 1",
            Bytes::new(),
        );
        let text = String::from_utf8(form.to_bytes().unwrap().to_vec()).unwrap();
        assert!(text.contains("name=\"a%22b\"; filename=\"x%0D%0Ay.jpg\""));
        assert!(text.contains("Content-Type: image/jpegX-Evil: 1\r\n"));
    }

    #[test]
    fn boundaries_differ_and_debug_hides_data() {
        assert_ne!(Form::new().boundary(), Form::new().boundary());
        let form = Form::new().file("f", "f.bin", "a/b", Bytes::from_static(b"SECRETDATA"));
        let debug = format!("{form:?}");
        assert!(!debug.contains("SECRETDATA"));
        assert!(debug.contains("len: 10"));
    }
}
