//! `pixelbin-upload`: work in progress.
