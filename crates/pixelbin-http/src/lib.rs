//! `pixelbin-http`: work in progress.
