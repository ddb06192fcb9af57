//! `pixelbin::bulk` against the emulator: the plan checks (nothing sent when they refuse), the
//! journal's identity, the store-then-crash window, credits running out, a server gone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pixelbin::bulk::{
    self, Event, Exit, ItemOutcome, ItemStatus, Notice, Stop, StreamExt, Summary,
};
use pixelbin::{BatchOptions, PixelbinClient, PixelbinConfig};
use pixelbin_emulator::{Emulator, EmulatorOptions};

const SECRET: &str = "bulk-test-secret-token";

async fn emulator(options: EmulatorOptions) -> (Emulator, PixelbinClient) {
    let emu = Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        ..options
    })
    .await
    .expect("the emulator starts");
    let client = client(&emu.url());
    (emu, client)
}

fn client(domain: &str) -> PixelbinClient {
    let config = PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(domain)
        .build()
        .unwrap();
    PixelbinClient::new(config).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn image(dir: &Path, name: &str) -> PathBuf {
    write(dir, name, &pixelbin_emulator::media::sample_png(4, 3))
}

/// Every event of a run, bounded in time.
async fn run(stream: bulk::BulkStream) -> (Vec<Notice>, Vec<ItemOutcome>, Summary) {
    let collect = async {
        let (mut notices, mut items, mut summary) = (Vec::new(), Vec::new(), None);
        let mut stream = stream;
        while let Some(event) = stream.next().await {
            match event {
                Event::Notice(n) => notices.push(n),
                Event::Item(i) => items.push(i),
                Event::Finished(s) => summary = Some(s),
            }
        }
        (notices, items, summary.expect("a summary ends the run"))
    };
    tokio::time::timeout(Duration::from_secs(60), collect)
        .await
        .expect("the run ends")
}

#[tokio::test]
async fn names_the_service_would_merge_are_refused_before_anything_is_sent() {
    let (emu, client) = emulator(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let before = emu.file_count();
    for pair in [["a b.png", "a-b.png"], ["x.jpg", "x.jpeg"]] {
        let photos = dir.path().join(pair[0]).with_extension("d");
        write(&photos, pair[0], b"1");
        write(&photos, pair[1], b"2");
        let err = bulk::uploads(&client, bulk::Uploads::new([&photos]))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, bulk::Error::RemoteNameClash { .. }), "{text}");
        assert!(text.contains(pair[0]) && text.contains(pair[1]), "{text}");
        // Unique names asked for: the plan holds.
        let apart = bulk::Uploads::new([&photos])
            .request(pixelbin::UploadRequest::new().filename_override(true));
        let (_, items, summary) = run(bulk::uploads(&client, apart).await.unwrap()).await;
        assert_eq!((items.len(), summary.exit()), (2, Exit::Success));
    }
    assert_eq!(emu.file_count(), before + 4);
    for bad in ["../x", "/abs", "a//b"] {
        let job = bulk::Uploads::new([dir.path()]).folder(bad);
        let err = bulk::uploads(&client, job).await.unwrap_err();
        assert!(matches!(err, bulk::Error::BadFolder(_)), "{bad}: {err}");
    }
    assert_eq!(emu.file_count(), before + 4);
}

#[tokio::test]
async fn a_journal_applies_only_to_the_same_work() {
    let (emu, client) = emulator(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    write(&photos, "a.png", b"aa");
    write(&photos, "sub/b.png", b"bbb");
    let journal = dir.path().join("j.jsonl");
    let job = |folder: &str| {
        bulk::Uploads::new([&photos])
            .folder(folder)
            .journal(&journal)
    };
    let (_, items, summary) = run(bulk::uploads(&client, job("destA")).await.unwrap()).await;
    assert_eq!(summary.done, 2, "{items:?}");
    let (_, _, again) = run(bulk::uploads(&client, job("destA")).await.unwrap()).await;
    assert_eq!((again.skipped, again.done), (2, 0));
    let files = emu.file_count();
    // Another destination: the records do not apply, each is said so, the files go up.
    let (notices, _, other) = run(bulk::uploads(&client, job("destB")).await.unwrap()).await;
    assert_eq!((other.done, other.skipped), (2, 0));
    assert_eq!(emu.file_count(), files + 2);
    let ignored = notices
        .iter()
        .filter(|n| matches!(n, Notice::JournalIgnored { .. }))
        .count();
    assert_eq!(ignored, 2, "{notices:?}");
}

#[tokio::test]
async fn a_file_stored_before_a_crash_counts_as_done_on_the_rerun() {
    let (emu, client) = emulator(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    write(&photos, "a.png", b"aa");
    write(&photos, "b.png", b"bbb");
    let journal = dir.path().join("j.jsonl");
    let job = || {
        bulk::Uploads::new([&photos])
            .folder("shop")
            .journal(&journal)
    };
    let (_, _, first) = run(bulk::uploads(&client, job()).await.unwrap()).await;
    assert_eq!(first.done, 2);
    // The crash: the server stored both files, the journal heard of neither.
    let text = std::fs::read_to_string(&journal).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains(r#""status":"done""#))
        .collect();
    assert_eq!(kept.len(), 3, "the header and two started records");
    std::fs::write(&journal, kept.join("\n") + "\n").unwrap();
    let files = emu.file_count();
    let (_, items, rerun) = run(bulk::uploads(&client, job()).await.unwrap()).await;
    assert_eq!((rerun.skipped, rerun.errors), (2, 0), "{items:?}");
    assert_eq!(emu.file_count(), files, "nothing sent again");
    // A different file under that name is not taken for it: it is sent, and the 409 says so.
    write(&photos, "b.png", b"changed!");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(
        &journal,
        text.replace(r#""status":"done""#, r#""status":"started""#),
    )
    .unwrap();
    let (_, items, changed) = run(bulk::uploads(&client, job()).await.unwrap()).await;
    assert_eq!((changed.skipped, changed.errors), (1, 1), "{items:?}");
}

#[tokio::test]
async fn credits_running_out_stop_new_creates_and_are_journaled() {
    let (emu, client) = emulator(EmulatorOptions {
        credits: Some(2),
        prediction_delay: Duration::from_millis(50),
        ..EmulatorOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    for name in ["a.png", "b.png", "c.png", "d.png", "e.png"] {
        image(&photos, name);
    }
    let out = dir.path().join("out");
    let journal = out.join(".journal.jsonl");
    let job = bulk::Predict::new("erase_bg")
        .each("image", &photos)
        .output(&out)
        .options(BatchOptions::new().concurrency(1))
        .journal(&journal);
    let (_, items, summary) = run(bulk::predictions(&client, job).await.unwrap()).await;
    assert_eq!(summary.exit(), Exit::OutOfCredits, "{items:?}");
    assert_eq!(summary.stopped, Some(Stop::CreditsRanOut));
    assert_eq!(summary.done, 2, "{items:?}");
    assert_eq!(summary.not_started, 3, "{items:?}");
    assert_eq!(emu.predictions_created(), 2);
    let message = summary.stopped.unwrap().to_string();
    assert!(
        message.contains("credits ran out") && message.contains("again"),
        "{message}"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(
        text.matches(r#""status":"not_created""#).count(),
        3,
        "{text}"
    );
}

#[tokio::test]
async fn a_credit_limit_stops_before_it_is_passed() {
    let (emu, client) = emulator(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.png", "b.png", "c.png", "d.png"] {
        image(dir.path(), name);
    }
    let job = bulk::Predict::new("erase_bg")
        .each("image", dir.path())
        .options(BatchOptions::new().concurrency(1))
        .max_credits(2.0);
    let (_, items, summary) = run(bulk::predictions(&client, job).await.unwrap()).await;
    assert_eq!(summary.exit(), Exit::OutOfCredits, "{items:?}");
    assert!(summary.credits <= 2.0 && summary.done >= 1, "{summary:?}");
    assert_eq!(emu.predictions_created() as usize, summary.done);
}

#[tokio::test]
async fn outputs_that_would_collide_or_replace_are_refused_before_any_job() {
    let (emu, client) = emulator(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    image(&a, "x.png");
    image(&b, "x.png");
    image(&a, "y.png");
    image(&a, "y.jpg");
    let out = dir.path().join("out");
    let twice = bulk::Predict::new("erase_bg")
        .each("image", &a)
        .each("image", &b)
        .output(&out);
    let err = bulk::predictions(&client, twice).await.unwrap_err();
    assert!(matches!(err, bulk::Error::OutputClash { .. }), "{err}");
    std::fs::remove_file(a.join("x.png")).unwrap();
    let stems = bulk::Predict::new("erase_bg")
        .each("image", &a)
        .output(&out);
    let err = bulk::predictions(&client, stems).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("y.png") && text.contains("y.jpg"), "{text}");
    write(&out, "x_0.webp", b"taken");
    let taken = bulk::Predict::new("erase_bg")
        .each("image", &b)
        .output(&out);
    let err = bulk::predictions(&client, taken).await.unwrap_err();
    assert!(matches!(err, bulk::Error::OutputExists { .. }), "{err}");
    assert_eq!(emu.predictions_created(), 0);
}

#[tokio::test]
async fn a_server_gone_stops_the_run_with_one_message() {
    // A port nobody listens on: every connection is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let domain = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    for n in 0..12 {
        write(dir.path(), &format!("f{n}.png"), b"x");
    }
    let job = bulk::Uploads::new([dir.path()]).options(pixelbin::ManyOptions::new().files(1));
    let (_, items, summary) = run(bulk::uploads(&client(&domain), job).await.unwrap()).await;
    assert!(
        matches!(summary.stopped, Some(Stop::ServerGone { .. })),
        "{summary:?}"
    );
    assert!(items.len() < 3, "{items:?}");
    assert_eq!(summary.not_started, 12 - summary.errors);
    assert_eq!(summary.exit(), Exit::Errors);
    assert!(items.iter().all(|i| i.status == ItemStatus::Error));
}

/// A backend runs bulk work on a task of its own.
#[tokio::test]
async fn bulk_runs_can_be_spawned() {
    let client = client("http://127.0.0.1:9");
    let c = client.clone();
    let upload = tokio::spawn(async move {
        bulk::uploads(&c, bulk::Uploads::new(["missing"]))
            .await
            .map(|_| ())
    });
    let predict = tokio::spawn(async move {
        bulk::predictions(
            &client,
            bulk::Predict::new("erase_bg").each("image", "missing"),
        )
        .await
        .map(|_| ())
    });
    assert!(matches!(
        upload.await.unwrap(),
        Err(bulk::Error::Input { .. })
    ));
    assert!(matches!(
        predict.await.unwrap(),
        Err(bulk::Error::Input { .. })
    ));
}
