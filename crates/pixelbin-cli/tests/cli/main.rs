//! Command tests: the `pixelbin` binary run against emulators started in this process.

mod assets;
mod demo;
mod each;
mod errors;
mod predict;
mod predictions;
mod support;
mod transformations;
mod upload;
mod upload_many;
mod urls;
