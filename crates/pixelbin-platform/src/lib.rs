//! `pixelbin-platform`: work in progress.
