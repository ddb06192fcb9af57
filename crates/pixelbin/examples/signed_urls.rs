//! Signed CDN URLs, on the Pixelbin CDN and on a custom domain. No network needed.
//!
//! `cargo run -p pixelbin --example signed_urls`
//!
//! Signing needs no client and no async runtime; edge code can depend on `pixelbin-url` alone.

use pixelbin::url::{UrlError, sign_url, sign_url_at, verify_signed_url_at};

fn main() -> Result<(), UrlError> {
    // Valid for 20 seconds from now.
    let signed = sign_url(
        "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
        20,                                     // expiry_seconds
        "6227274d-92c9-4b74-bef8-2528542516d8", // access_key
        "dummy-token",                          // token
    )?;
    println!("{signed}");

    // With a fixed expiry time the signature is reproducible: this is the reference's output.
    let signed = sign_url_at(
        "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
        1695635915,
        "6227274d-92c9-4b74-bef8-2528542516d8",
        "dummy-token",
    )?;
    assert!(
        signed.contains("pbs=8eb6a00af74e57967a42316e4de238aa88d92961649764fad1832c1bff101f25")
    );
    println!("{signed}");

    // A custom domain URL (access key 22).
    let signed = sign_url(
        "https://test.example.com/v2/original/__playground/playground-default.jpeg",
        30,
        "22",
        "dummy-token",
    )?;
    println!("{signed}");
    let signed = sign_url_at(
        "https://test.example.com/v2/original/__playground/playground-default.jpeg",
        1695705975,
        "22",
        "dummy-token",
    )?;
    // The reference README prints another `pbs` for this URL, one its own algorithm does not
    // produce; this is what the reference's `sign_url` computes for this expiry.
    assert!(
        signed.contains("pbs=1848fb2d715a4e27d387a77a7fadc48174cf1806717f51e3fec70bb9b6f2eb96")
    );
    println!("{signed}");

    // A server that hands out signed URLs can check one it receives.
    let checked = verify_signed_url_at(&signed, "dummy-token", 1695705975)?;
    println!(
        "valid until {} for access key {:?}",
        checked.expiry, checked.access_key
    );

    // A URL that is already signed is refused.
    match sign_url(&signed, 30, "22", "dummy-token") {
        Err(UrlError::AlreadySigned) => println!("already signed: refused"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
