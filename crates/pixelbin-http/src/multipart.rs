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
/// assert_eq!(form.content_length(), form.to_bytes().len() as u64);
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
    data: Bytes,
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
            data: Bytes::from(value.into()),
        });
        self
    }

    /// Adds a file field; `data` is sent as it is, without copying.
    pub fn file(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: Bytes,
    ) -> Form {
        let name = name.into();
        let filename = filename.into();
        let content_type = content_type.into();
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
        let parts: usize = self
            .parts
            .iter()
            .map(|p| p.head.len() + p.data.len() + CRLF.len())
            .sum();
        (parts + self.closing_len()) as u64
    }

    /// Number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the form has no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The encoded form as one buffer. This copies every part; the transport
    /// itself streams the segments instead. Meant for tests and inspection.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.content_length() as usize);
        for segment in self.clone().into_segments() {
            out.extend_from_slice(&segment);
        }
        out.freeze()
    }

    /// The encoded form as a list of segments, data parts not copied.
    pub(crate) fn into_segments(self) -> Vec<Bytes> {
        let closing = self.closing();
        let mut out = Vec::with_capacity(self.parts.len() * 3 + 1);
        for part in self.parts {
            out.push(part.head);
            out.push(part.data);
            out.push(Bytes::from_static(CRLF));
        }
        out.push(closing);
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
        assert_eq!(form.to_bytes(), expected.as_bytes());
        assert_eq!(form.content_length(), expected.len() as u64);
        assert_eq!(form.len(), 2);
    }

    #[test]
    fn empty_form_is_just_the_closing_line() {
        let form = Form::new();
        assert!(form.is_empty());
        assert_eq!(
            form.to_bytes(),
            format!("--{}--\r\n", form.boundary()).as_bytes()
        );
        assert_eq!(form.content_length(), form.to_bytes().len() as u64);
    }

    #[test]
    fn file_data_is_shared_not_copied() {
        let data = Bytes::from(vec![7u8; 1024 * 1024]);
        let form = Form::new().file("file", "big.bin", "application/octet-stream", data.clone());
        let segments = form.clone().into_segments();
        assert_eq!(segments[1].as_ptr(), data.as_ptr());
        assert_eq!(
            form.content_length(),
            segments.iter().map(|s| s.len() as u64).sum::<u64>()
        );
    }

    #[test]
    fn quotes_and_line_breaks_in_names_are_escaped() {
        let form = Form::new().file(
            "a\"b",
            "x\r\ny.jpg",
            "image/jpeg\r\nX-Evil: 1",
            Bytes::new(),
        );
        let text = String::from_utf8(form.to_bytes().to_vec()).unwrap();
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
