//! How requests come in and answers go out: authentication, the error body, body extractors,
//! multipart forms and the recording of requests for tests.

pub mod auth;
pub mod errors;
pub mod extract;
pub mod form;
pub mod record;
