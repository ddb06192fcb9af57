//! pixelbin-emulator binary (work in progress).
fn main() {}
