//! Pixelbin URLs to objects and back: the CDN, custom domains and URL Translation Workers.
//! No network needed.
//!
//! `cargo run -p pixelbin --example url_utils`

use pixelbin::url::{Transformation, UrlError, UrlObj, UrlToObjOptions, obj_to_url, url_to_obj};

fn main() -> anyhow::Result<()> {
    // url_to_obj
    let pixelbin_url = "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true";
    let obj = url_to_obj(pixelbin_url, UrlToObjOptions::default())?;
    println!("{}", serde_json::to_string_pretty(&obj)?);

    // A custom domain has no cloud name in its path.
    let custom_domain_url =
        "https://xyz.designify.media/v2/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg";
    let obj = url_to_obj(
        custom_domain_url,
        UrlToObjOptions {
            is_custom_domain: true,
        },
    )?;
    println!("{}", serde_json::to_string_pretty(&obj)?);

    // A URL Translation Worker URL.
    let worker_url = "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/wrkr/resize:h100,w:200/folder/image.jpeg";
    let obj = url_to_obj(worker_url, UrlToObjOptions::default())?;
    println!("{}", serde_json::to_string_pretty(&obj)?);

    // obj_to_url
    let obj = UrlObj::new("your-cloud-name", "path/to/image.jpeg")
        .zone("z-slug")
        .transform(
            Transformation::new("t", "resize")
                .arg("h", 100)
                .arg("w", 200),
        )
        .transform(Transformation::new("t", "flip"))
        .dpr(2.0)
        .f_auto(true);
    let url = obj_to_url(&obj)?;
    assert_eq!(url, pixelbin_url);
    println!("{url}");

    // On a custom domain.
    let obj = UrlObj::on_custom_domain("https://xyz.designify.media", "path/to/image.jpeg")
        .zone("z-slug")
        .transform(
            Transformation::new("t", "resize")
                .arg("h", 100)
                .arg("w", 200),
        )
        .transform(Transformation::new("t", "flip"));
    let url = obj_to_url(&obj)?;
    assert_eq!(url, custom_domain_url);
    println!("{url}");

    // For a URL Translation Worker.
    let obj =
        UrlObj::for_worker("your-cloud-name", "resize:h100,w:200/folder/image.jpeg").zone("z-slug");
    let url = obj_to_url(&obj)?;
    assert_eq!(url, worker_url);
    println!("{url}");

    // The reference's JSON objects are accepted as they are.
    let json = serde_json::json!({
        "cloudName": "your-cloud-name",
        "zone": "z-slug",
        "version": "v2",
        "transformations": [{"plugin": "t", "name": "flip"}],
        "filePath": "path/to/image.jpeg",
        "baseUrl": "https://cdn.pixelbin.io",
    });
    println!("{}", obj_to_url(&UrlObj::from_json(&json)?)?);

    // Errors carry the reference's messages.
    match url_to_obj(
        "https://example.com/not-pixelbin",
        UrlToObjOptions::default(),
    ) {
        Err(e @ UrlError::InvalidUrl) => println!("{e}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
