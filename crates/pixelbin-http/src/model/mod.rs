//! Wire types shared by the platform API and the multipart uploader, and the
//! content types of names and bytes ([`content_type_for_name`], [`content_type_of`]).
//!
//! `pixelbin-platform` and `pixelbin-upload` are sibling crates over this one, so the types both
//! decode from the service live here once: the [`Access`] level of an asset and the stored
//! [`FileObject`]. Both sibling crates re-export them under these names.
//!
//! ```
//! use pixelbin_http::model::{Access, FileObject};
//!
//! let file: FileObject = serde_json::from_str(
//!     r#"{"_id":"a0b0","orgId":"17","name":"hero.jpeg","access":"private","isOriginal":"true"}"#,
//! )?;
//! assert_eq!(file.org_id, Some(17));
//! assert_eq!(file.access, Some(Access::Private));
//! assert_eq!(file.is_original, Some(true));
//! # Ok::<(), serde_json::Error>(())
//! ```

mod access;
mod file;
pub mod lenient;
mod mime;
mod placement;
mod presigned;
mod upload_request;

pub use access::Access;
pub use file::FileObject;
pub use mime::{content_type_for_name, content_type_of, dimensions_of, format_for_content_type};
pub use placement::Placement;
pub use presigned::PresignedUrl;
pub use upload_request::{SIGNED_URL_V2_PATH, UploadRequest};
