//! Where and how the uploaded file is stored: [`UploadRequest`], the signed-url v2 request
//! body shared with the platform API (it lives in `pixelbin_http::model`).

pub use pixelbin_http::model::UploadRequest;
