//! Uploads every file under DIR into the remote FOLDER, sub-folders kept, with a journal:
//! run it again after a crash (even `kill -9`) and it finishes the work, each file stored once.
//!
//! `cargo run --example bulk_upload -- DIR FOLDER` (reads PIXELBIN_API_TOKEN, PIXELBIN_DOMAIN)

use pixelbin::bulk::{self, Event, Exit, StreamExt};
use pixelbin::{PixelbinClient, PixelbinConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(folder)) = (args.next(), args.next()) else {
        return Err("usage: bulk_upload DIR FOLDER".into());
    };
    let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
    // Hidden files are not uploaded, so the journal can live in DIR.
    let journal = std::path::Path::new(&dir).join(".pixelbin-upload-journal.jsonl");
    let job = bulk::Uploads::new([&dir]).folder(folder).journal(journal);
    let mut events = bulk::uploads(&client, job).await?;
    while let Some(event) = events.next().await {
        match event {
            Event::Notice(notice) => eprintln!("note: {notice}"),
            Event::Item(item) => match &item.error {
                Some(error) => println!("{}: {} ({error})", item.input.display(), item.status),
                None => println!("{}: {}", item.input.display(), item.status),
            },
            Event::Finished(summary) => {
                println!("{summary}");
                if summary.exit() != Exit::Success {
                    return Err(match summary.stopped {
                        Some(stop) => stop.to_string().into(),
                        None => "some files did not upload; run again to retry them".into(),
                    });
                }
            }
        }
    }
    Ok(())
}
