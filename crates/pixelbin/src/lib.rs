//! `pixelbin`: work in progress.
