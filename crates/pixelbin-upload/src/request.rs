//! Where and how the uploaded file is stored: [`UploadRequest`], the signed-url v2 request
//! body shared with the platform API (it lives in `pixelbin_http::model`).

pub use pixelbin_http::model::UploadRequest;

/// Fills what the file name tells, as the CLI does: the name (the file name without its
/// extension) and the format (the extension in lower case, `jpg` as `jpeg`), each only when
/// not set already.
pub(crate) fn defaults_from_path(
    mut request: UploadRequest,
    path: &std::path::Path,
) -> UploadRequest {
    if request.name.is_none() {
        request.name = crate::many::default_name(path);
    }
    if request.format.is_none() {
        request.format = crate::many::default_format(path);
    }
    request
}
