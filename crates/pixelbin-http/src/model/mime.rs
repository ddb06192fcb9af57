//! The one table from file extensions to content types, used wherever the SDK
//! names a file's type from its name (prediction inputs, direct uploads).

/// The content type for a file name's extension (case-insensitive), `None`
/// for an extension the table does not know.
///
/// ```
/// use pixelbin_http::model::content_type_for_name;
///
/// assert_eq!(content_type_for_name("Cat.JPEG"), Some("image/jpeg"));
/// assert_eq!(content_type_for_name("clip.mov"), Some("video/quicktime"));
/// assert_eq!(content_type_for_name("README"), None);
/// ```
pub fn content_type_for_name(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" | "jfif" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "avif" => "image/avif",
        "heic" | "heif" => "image/heic",
        "tif" | "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "json" => "application/json",
        "txt" => "text/plain",
        _ => return None,
    })
}
