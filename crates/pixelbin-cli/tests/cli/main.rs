//! Command tests: the `pixelbin` binary run against emulators started in this process.

mod areas;
mod assets;
mod bulk_faults;
mod demo;
mod each;
mod errors;
mod holding_proxy;
mod hostile;
#[path = "../../../pixelbin-http/tests/support/hostile.rs"]
mod hostile_server;
mod mcp;
mod predict;
mod predictions;
mod profiles;
mod support;
mod transform;
mod transformations;
mod upload;
mod upload_many;
mod urls;
mod webhooks;
