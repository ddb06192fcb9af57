//! `pixelbin-url`: parse, build and sign Pixelbin URLs with no I/O (work in progress).

mod sign;

pub use sign::generate_signature;
