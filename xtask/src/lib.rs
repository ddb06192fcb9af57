//! The pixelbin-rs workspace's own automation, run as `cargo xtask <command>`:
//!
//! - `cargo xtask ci` runs the local gate ([`ci`]);
//! - `cargo xtask release` cuts a release of every publishable crate ([`release`]);
//! - `cargo xtask codegen` generates `pixelbin-url`'s typed transformation builders from its
//!   catalogue, and `catalogue-extract` / `catalogue-vectors` refresh that catalogue and its
//!   vectors from `@pixelbin/core` at development time ([`codegen`]);
//! - `cargo xtask bench batch` runs the benchmarks that need release binaries ([`bench`](mod@bench)).
//!
//! The pieces that decide things ([`version`], [`manifest`], [`changelog`], [`workspace`]) are
//! pure functions tested on their own; [`release`] and [`ci`] drive cargo and git with them.

pub mod bench;
pub mod changelog;
pub mod ci;
pub mod cmd;
pub mod codegen;
pub mod man;
pub mod manifest;
pub mod release;
pub mod version;
pub mod workspace;
