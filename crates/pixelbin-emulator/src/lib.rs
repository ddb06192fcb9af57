//! `pixelbin-emulator`: work in progress.
