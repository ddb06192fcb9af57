//! Removes the background (erase_bg, industry_type general) of every image under DIR and saves
//! the results under OUT, sub-folders kept, with a journal in OUT: run it again after a crash
//! (even `kill -9`) and it finishes the work without paying for a job twice.
//!
//! The blocking twin of `bulk_predict`, for programs without an async runtime.
//!
//! `cargo run --example bulk_predict_blocking --features blocking -- DIR OUT` (reads PIXELBIN_API_TOKEN, PIXELBIN_DOMAIN)

use pixelbin::blocking::{PixelbinClient, bulk};
use pixelbin::bulk::{Event, Exit, Predict, SharedInput};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: bulk_predict DIR OUT".into());
    };
    let client = PixelbinClient::from_env()?;
    let journal = std::path::Path::new(&out).join(pixelbin::bulk::DEFAULT_JOURNAL);
    let job = Predict::new("erase_bg")
        .each("image", &dir)
        .input("industry_type", SharedInput::Text("general".into()))
        .output(&out)
        .journal(journal);
    for event in bulk::predictions(&client, job)? {
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
