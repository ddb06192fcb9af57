//! Removes the background (erase_bg, industry_type general) of every image under DIR and saves
//! the results under OUT, sub-folders kept, with a journal in OUT: run it again after a crash
//! (even `kill -9`) and it finishes the work without paying for a job twice.
//!
//! `cargo run --example bulk_predict -- DIR OUT` (reads PIXELBIN_API_TOKEN, PIXELBIN_DOMAIN)

use pixelbin::bulk::{self, Event, Exit, SharedInput, StreamExt};
use pixelbin::{PixelbinClient, PixelbinConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: bulk_predict DIR OUT".into());
    };
    let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
    let journal = std::path::Path::new(&out).join(bulk::DEFAULT_JOURNAL);
    let job = bulk::Predict::new("erase_bg")
        .each("image", &dir)
        .input("industry_type", SharedInput::Text("general".into()))
        .output(&out)
        .journal(journal);
    let mut events = bulk::predictions(&client, job).await?;
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
