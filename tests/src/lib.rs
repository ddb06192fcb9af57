//! Workspace integration tests: the `pixelbin` facade, async and blocking, against
//! `pixelbin-emulator` started in-process on 127.0.0.1.
//!
//! The tests live in `tests/tests/`:
//!
//! - `facade_async.rs`: every method of `pixelbin::PixelbinClient`'s handles;
//! - `facade_blocking.rs`: the same through `pixelbin::blocking::PixelbinClient`, plus its
//!   behaviour inside an async runtime and across threads;
//! - `examples.rs`: builds the crate's examples once and runs them against the emulator.
//!
//! Run them with `cargo test -p pixelbin-integration-tests`.
