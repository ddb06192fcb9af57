//! `pixelbin-predictions`: work in progress.
