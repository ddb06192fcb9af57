//! `client.cdn()` against a local CDN of our own that answers `202 Accepted` a given number
//! of times (or forever) before the image, and records what each request carried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pixelbin::cdn::CdnOptions;
use pixelbin::url::UrlObj;
use pixelbin::url::plugins::{basic, erase_bg};
use pixelbin::{Error, PixelbinClient, PixelbinConfig, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SECRET: &str = "cdn-test-secret";
const IMAGE: &[u8] = b"\x89PNG\r\n\x1a\n not really a png, but bytes to carry";

/// What the local CDN saw.
#[derive(Default)]
struct Seen {
    requests: AtomicUsize,
    heads: Mutex<Vec<String>>,
}

/// A CDN answering `202` to the first `accepted` requests (all of them for `None`), then the
/// image as `image/png`. Returns its origin.
async fn cdn(accepted: Option<usize>, seen: Arc<Seen>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut head = Vec::new();
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let n = seen.requests.fetch_add(1, Ordering::SeqCst);
                seen.heads
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let answer = if accepted.is_none_or(|a| n < a) {
                    b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_vec()
                } else {
                    let mut ok = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        IMAGE.len()
                    )
                    .into_bytes();
                    ok.extend_from_slice(IMAGE);
                    ok
                };
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// A client whose API origin is `domain`: the CDN shares it, as the emulator's does.
fn client(domain: &str) -> PixelbinClient {
    let config = PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(domain)
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    PixelbinClient::new(config).unwrap()
}

fn quick() -> CdnOptions {
    CdnOptions::default()
        .deadline(Duration::from_secs(20))
        .waits(Duration::from_millis(20), Duration::from_millis(100))
}

/// An AI pattern on the local CDN, built with the typed builders.
fn ai_url(origin: &str) -> UrlObj<'static> {
    UrlObj::new("my-cloud", "shoes/red.jpeg")
        .base_url(origin.to_owned())
        .transform(erase_bg::bg())
        .transform(basic::resize().width(300))
}

#[tokio::test]
async fn waits_through_202s_then_returns_the_image() {
    let seen = Arc::new(Seen::default());
    let origin = cdn(Some(2), seen.clone()).await;
    let client = client(&origin);
    let url = ai_url(&origin);
    let fetched = client.cdn().fetch_with(&url, &quick()).await.unwrap();
    assert_eq!(fetched.bytes, IMAGE);
    assert_eq!(fetched.content_type.as_deref(), Some("image/png"));
    assert_eq!(fetched.accepted, 2);
    assert_eq!(seen.requests.load(Ordering::SeqCst), 3);
    for head in seen.heads.lock().unwrap().iter() {
        assert!(
            head.starts_with("GET /v2/my-cloud/erase.bg()~t.resize(w:300)/shoes/red.jpeg HTTP/1.1"),
            "{head}"
        );
        // Same origin as the API, yet no credential goes to the CDN.
        assert!(
            !head.to_ascii_lowercase().contains("authorization"),
            "{head}"
        );
    }
    // A plain string URL goes the same way (the image is ready now).
    let again = client
        .cdn()
        .fetch_with(url.to_url().unwrap(), &quick())
        .await
        .unwrap();
    assert_eq!((again.bytes.as_slice(), again.accepted), (IMAGE, 0));
}

#[tokio::test]
async fn gives_up_at_its_deadline_when_the_cdn_answers_202_forever() {
    let seen = Arc::new(Seen::default());
    let origin = cdn(None, seen.clone()).await;
    let client = client(&origin);
    let options = quick().deadline(Duration::from_millis(400));
    let err = client
        .cdn()
        .fetch_with(ai_url(&origin), &options)
        .await
        .unwrap_err();
    let Error::CdnNotReady { accepted, deadline } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*deadline, Duration::from_millis(400));
    assert_eq!(*accepted as usize, seen.requests.load(Ordering::SeqCst));
    assert!(*accepted >= 2, "{accepted}");
    assert!(
        err.to_string().contains("still generating") && err.to_string().contains("deadline"),
        "{err}"
    );
    // Nothing was saved, and the target's folder holds no leftovers.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.png");
    let err = client
        .cdn()
        .fetch_to_with(ai_url(&origin), &target, &options)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CdnNotReady { .. }), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn fetch_to_saves_atomically_and_keeps_an_existing_file() {
    let seen = Arc::new(Seen::default());
    let origin = cdn(Some(1), seen.clone()).await;
    let client = client(&origin);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("red.png");
    let saved = client
        .cdn()
        .fetch_to_with(ai_url(&origin), &target, &quick())
        .await
        .unwrap();
    assert_eq!((saved.size, saved.accepted), (IMAGE.len() as u64, 1));
    assert_eq!(saved.content_type.as_deref(), Some("image/png"));
    assert_eq!(std::fs::read(&target).unwrap(), IMAGE);
    // The mode a plain file create gets here (the umask applies), as for every download.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&target), mode(&plain));
        std::fs::remove_file(&plain).unwrap();
    }

    // An existing file is refused before any request, and left as it was.
    std::fs::write(&target, b"keep me").unwrap();
    let before = seen.requests.load(Ordering::SeqCst);
    let err = client
        .cdn()
        .fetch_to_with(ai_url(&origin), &target, &quick())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("red.png"), "{err}");
    assert_eq!(seen.requests.load(Ordering::SeqCst), before);
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    // Unless overwriting is asked for.
    client
        .cdn()
        .fetch_to_with(ai_url(&origin), &target, &quick().overwrite(true))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), IMAGE);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let seen = Arc::new(Seen::default());
    let origin = cdn(Some(0), seen).await;
    let err = client(&origin)
        .cdn()
        .fetch_with(ai_url(&origin), &quick().max_bytes(8))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("8"), "{err}");
    assert!(
        matches!(err, Error::Http(pixelbin::http::Error::TooLarge { .. })),
        "{err:?}"
    );
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_waits_the_same_way() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = Arc::new(Seen::default());
    let origin = runtime.block_on(cdn(Some(2), seen.clone()));
    let config = PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(origin.as_str())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let client = pixelbin::blocking::PixelbinClient::new(config).unwrap();
    let fetched = client.cdn().fetch_with(ai_url(&origin), &quick()).unwrap();
    assert_eq!((fetched.bytes.as_slice(), fetched.accepted), (IMAGE, 2));
}

/// The emulator's CDN answers an AI pattern with `202` while it "generates", as the live CDN
/// does; the client waits through them and returns the rendered stand-in.
#[tokio::test]
async fn waits_through_the_emulators_202s_for_an_ai_pattern() {
    use pixelbin::url::{UrlToObjOptions, url_to_obj};
    use pixelbin::{UploadOptions, UploadRequest, UploadSource};
    use pixelbin_emulator::{Emulator, EmulatorOptions};

    // A real 48 x 32 PNG (one of the renderer's sharp vector inputs).
    const PHOTO: &[u8] = include_bytes!("../../pixelbin-render/tests/vectors/inputs/gradient.png");
    let emu = Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        transform_delay: Duration::from_millis(300),
        ..EmulatorOptions::default()
    })
    .await
    .expect("the emulator starts");
    let client = client(&emu.url());
    let stored = client
        .uploader()
        .upload(
            UploadSource::from(PHOTO),
            UploadRequest::new().name("photo").path("cdn").format("png"),
            UploadOptions::default(),
        )
        .await
        .unwrap();
    let stored_url = stored.url.unwrap();
    let original = url_to_obj(&stored_url, UrlToObjOptions::default()).unwrap();
    let url = original
        .transform(erase_bg::bg())
        .transform(basic::resize().width(24));

    let fetched = client.cdn().fetch_with(&url, &quick()).await.unwrap();
    assert!(fetched.accepted >= 1, "no 202 before the output");
    assert_eq!(fetched.content_type.as_deref(), Some("image/png"));
    assert_eq!(&fetched.bytes[1..4], b"PNG");
    // IHDR: width and height, big-endian, at bytes 16..24; 48 x 32 resized to width 24.
    let width = u32::from_be_bytes(fetched.bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(fetched.bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (24, 16));
}
