//! Applies a transformation pattern to every image under DIR and saves the results under OUT,
//! sub-folders kept, with the extension of each output's type; each image is uploaded to a
//! working folder (deleted at the end) and fetched from the CDN. A journal in OUT makes a
//! rerun after a crash (even `kill -9`) finish the work without uploading an image twice.
//!
//! `cargo run --example bulk_transform -- DIR OUT 't.resize(w:300)~t.toFormat(f:webp)'`
//! (reads PIXELBIN_API_TOKEN, PIXELBIN_DOMAIN)

use pixelbin::bulk::{self, Event, Exit, StreamExt};
use pixelbin::{PixelbinClient, PixelbinConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out), Some(pattern)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: bulk_transform DIR OUT PATTERN".into());
    };
    let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
    let journal = std::path::Path::new(&out).join(pixelbin::bulk::TRANSFORM_JOURNAL);
    let job = bulk::Transforms::new([dir])
        .pattern(pattern)
        .output(&out)
        .journal(journal);
    let mut events = bulk::transforms(&client, job).await?;
    while let Some(event) = events.next().await {
        match event {
            Event::Notice(notice) => eprintln!("note: {notice}"),
            Event::Item(item) => match &item.error {
                Some(error) => println!("{}: {} ({error})", item.input.display(), item.status),
                None => println!("{}: {} {:?}", item.input.display(), item.status, item.files),
            },
            Event::Finished(summary) => {
                println!("{summary}");
                if summary.exit() != Exit::Success {
                    return Err(match summary.stopped {
                        Some(stop) => stop.to_string().into(),
                        None => "some images did not finish; run again to retry them".into(),
                    });
                }
            }
        }
    }
    Ok(())
}
