#![allow(missing_docs)] // `criterion_group!` generates an undocumented public function.

//! Speed of parsing, building and signing the URL, and the floor for signing: one raw
//! HMAC-SHA256 plus hex over the same message `sign_url_at` signs.
//!
//! Goals on a 2-core machine: parse <= 190 ns, build <= 180 ns, sign <= 1.5 x floor.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use pixelbin_url::{UrlToObjOptions, obj_to_url, sign_url_at, url_to_obj};
use sha2::Sha256;

const URL: &str = "https://cdn.pixelbin.io/v2/red-scene-95b6ea/z-slug/t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)/path/to/image.jpeg?dpr=2.0&f_auto=true";
const EXPIRY: u64 = 1_700_000_000;
const ACCESS_KEY: &str = "6227274d-92c9-4b74-bef8-2528542516d8";
const TOKEN: &str = "dummy-token";

fn benches(c: &mut Criterion) {
    c.bench_function("parse", |b| {
        b.iter(|| url_to_obj(black_box(URL), UrlToObjOptions::default()))
    });

    let obj = url_to_obj(URL, UrlToObjOptions::default()).expect("the bench URL parses");
    assert_eq!(obj_to_url(&obj).as_deref(), Ok(URL));
    c.bench_function("build", |b| b.iter(|| obj_to_url(black_box(&obj))));

    c.bench_function("sign_url_at", |b| {
        b.iter(|| sign_url_at(black_box(URL), black_box(EXPIRY), ACCESS_KEY, TOKEN))
    });

    // The message sign_url_at signs: the path without its leading `/`, then the expiry.
    let message = format!(
        "{}{EXPIRY}",
        "v2/red-scene-95b6ea/z-slug/t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)/path/to/image.jpeg"
    );
    c.bench_function("floor_hmac_sha256_hex", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(black_box(TOKEN).as_bytes())
                .expect("any key length");
            mac.update(black_box(message.as_bytes()));
            hex::encode(mac.finalize().into_bytes())
        })
    });
}

criterion_group!(url, benches);
criterion_main!(url);
