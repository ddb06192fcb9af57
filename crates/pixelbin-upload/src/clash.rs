//! A taken name found before any part is sent: one `GET` of the file the upload would create.
//!
//! Without `overwrite` (or `filenameOverride`) the service refuses a name that is taken, but a
//! signed multipart upload learns it only at the completion, after every part was sent. When
//! the stored name is known in advance (the name and format are set), one lookup of that file
//! (`GET /service/platform/assets/v1.0/files/{fileId}`) finds the clash first. A 404 (or any
//! failure of the lookup itself) means go on: the completion still refuses a clash that
//! appears meanwhile, so the lookup only saves the parts, it decides nothing alone.

use pixelbin_http::naming::stored_name;
use pixelbin_http::{ApiRequest, Transport};

use crate::error::UploadError;
use crate::request::UploadRequest;

/// The files endpoint the lookup reads.
const FILES_PATH: &str = "/service/platform/assets/v1.0/files";

/// The `fileId` the upload of `request` would create, when it is known in advance: a fixed
/// name and format, and neither `overwrite` nor `filenameOverride` (which make a clash
/// harmless).
pub(crate) fn fixed_file_id(request: &UploadRequest) -> Option<String> {
    if request.overwrite == Some(true) || request.filename_override == Some(true) {
        return None;
    }
    let name = request.name.as_deref().filter(|n| !n.is_empty())?;
    let format = request.format.as_deref().filter(|f| !f.is_empty())?;
    let name = stored_name(name, Some(format)).ok()?;
    Some(match request.path.as_deref().map(|p| p.trim_matches('/')) {
        Some(folder) if !folder.is_empty() => format!("{folder}/{name}"),
        _ => name,
    })
}

/// Fails with [`UploadError::NameTaken`] when the file `request` would create already exists;
/// sends nothing when [`fixed_file_id`] does not know it.
pub(crate) async fn refuse_taken_name(
    transport: &Transport,
    request: &UploadRequest,
) -> Result<(), UploadError> {
    let Some(file_id) = fixed_file_id(request) else {
        return Ok(());
    };
    let segments: Vec<&str> = file_id.split('/').collect();
    let Ok(url) = transport.endpoint(FILES_PATH, &segments) else {
        return Ok(());
    };
    match transport.send(ApiRequest::get(url)).await {
        Ok(_) => Err(UploadError::NameTaken { file_id }),
        Err(error) => {
            if error.status() != Some(404) {
                tracing::debug!(target: "pixelbin_upload", %error, "the name lookup failed; uploading");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_id_is_known_only_for_a_fixed_name_without_overwrite() {
        let named = UploadRequest::new()
            .name("a b")
            .format("png")
            .path("shop/x");
        assert_eq!(fixed_file_id(&named).as_deref(), Some("shop/x/a-b.png"));
        let root = UploadRequest::new().name("photo").format("jpeg");
        assert_eq!(fixed_file_id(&root).as_deref(), Some("photo.jpeg"));
        assert_eq!(fixed_file_id(&named.clone().overwrite(true)), None);
        assert_eq!(
            fixed_file_id(&named.clone().overwrite(false)).as_deref(),
            Some("shop/x/a-b.png")
        );
        assert_eq!(fixed_file_id(&named.clone().filename_override(true)), None);
        assert_eq!(
            fixed_file_id(&UploadRequest::new().format("png")),
            None,
            "no name"
        );
        assert_eq!(
            fixed_file_id(&UploadRequest::new().name("n")),
            None,
            "format unknown"
        );
    }
}
