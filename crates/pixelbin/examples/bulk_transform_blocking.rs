//! `bulk_transform`, blocking: every image under DIR through PATTERN, saved under OUT, with a
//! journal in OUT so a rerun after a crash finishes the work without uploading twice.
//!
//! `cargo run --example bulk_transform_blocking --features blocking -- DIR OUT PATTERN`
//! (reads PIXELBIN_API_TOKEN, PIXELBIN_DOMAIN)

use pixelbin::blocking::{PixelbinClient, bulk};
use pixelbin::bulk::{Event, Exit, Transforms};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out), Some(pattern)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: bulk_transform_blocking DIR OUT PATTERN".into());
    };
    let client = PixelbinClient::from_env()?;
    let journal = std::path::Path::new(&out).join(pixelbin::bulk::TRANSFORM_JOURNAL);
    let job = Transforms::new([dir])
        .pattern(pattern)
        .output(&out)
        .journal(journal);
    for event in bulk::transforms(&client, job)? {
        match event {
            Event::Notice(notice) => eprintln!("note: {notice}"),
            Event::Item(item) => match &item.error {
                Some(error) => println!("{}: {} ({error})", item.input.display(), item.status),
                None => println!("{}: {} {:?}", item.input.display(), item.status, item.files),
            },
            Event::Finished(summary) => {
                println!("{summary}");
                if summary.exit() != Exit::Success {
                    return Err("some images did not finish; run again to retry them".into());
                }
            }
        }
    }
    Ok(())
}
