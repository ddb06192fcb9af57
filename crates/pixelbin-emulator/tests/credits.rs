//! Credits and usage: `--credits N` per token, 403 Usage Limit Exceeded once spent, and the
//! billing routes answering from the emulator's accounting.

mod common;

use std::time::Duration;

use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use serde_json::{Value, json};

const PREDICTIONS: &str = "/service/platform/transformation/v1.0/predictions";
const USAGE: &str = "/service/platform/payment/v1.0/usage";

async fn emulator_with_credits(credits: u64) -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: None,
        prediction_delay: Duration::from_millis(10),
        credits: Some(credits),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

async fn create(emu: &Emulator, token: &str, model: &str, image: &str) -> (u16, Value) {
    send(
        client()
            .post(format!("{}{PREDICTIONS}/{model}", emu.url()))
            .header("authorization", bearer(token))
            .json(&json!({"input.image": image})),
    )
    .await
}

fn playground(emu: &Emulator) -> String {
    format!(
        "{}/v2/{}/original/__playground/playground-default.jpeg",
        emu.url(),
        pixelbin_emulator::CLOUD_NAME
    )
}

async fn usage(emu: &Emulator, token: &str, path: &str) -> Value {
    let (status, body) = send(
        client()
            .get(format!("{}{path}", emu.url()))
            .header("authorization", bearer(token)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn creates_are_refused_exactly_when_the_credits_are_spent() {
    let emu = emulator_with_credits(3).await;
    let image = playground(&emu);
    // sr_upscale costs 2, erase_bg 1: 3 credits pay for exactly these two.
    assert_eq!(create(&emu, "token-a", "sr/upscale", &image).await.0, 200);
    // A job that will fail is admitted and costs nothing.
    let (status, _) = create(&emu, "token-a", "erase/bg", "https://example.com/x.jpg").await;
    assert_eq!(status, 200);
    // One credit left: a 2-credit job is refused, a 1-credit one is not.
    let (status, body) = create(&emu, "token-a", "sr/upscale", &image).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(create(&emu, "token-a", "erase/bg", &image).await.0, 200);
    let (status, body) = create(&emu, "token-a", "erase/bg", &image).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({
            "message": "Usage Limit Exceeded",
            "status": 403,
            "errorCode": "JR-1000",
            "exception": "UsageBlockedError",
            "info": "https://fynd.engineering/erasebg/docs/error/1000",
        })
    );
    // Another token has its own balance.
    assert_eq!(create(&emu, "token-b", "erase/bg", &image).await.0, 200);
    assert_eq!(emu.predictions_created(), 4);
}

#[tokio::test]
async fn usage_reflects_consumed_credits_and_stored_bytes() {
    let emu = emulator_with_credits(10).await;
    let image = playground(&emu);
    let before = usage(&emu, "token-a", USAGE).await;
    assert_eq!(before["credits"], json!({"total": 10, "used": 0}));
    let stored = before["storage"]["used"].as_u64().unwrap();
    assert!(stored > 0, "the playground asset is stored: {before}");
    assert!(before["storage"]["total"].as_u64().unwrap() > stored);

    create(&emu, "token-a", "erase/bg", &image).await;
    create(&emu, "token-a", "sr/upscale", &image).await;
    let after = usage(&emu, "token-a", USAGE).await;
    assert_eq!(after["credits"], json!({"total": 10, "used": 3}));
    assert_eq!(usage(&emu, "token-b", USAGE).await["credits"]["used"], 0);

    let old = usage(&emu, "token-a", &format!("{USAGE}/subscription")).await;
    assert_eq!(old["credits"], json!({"used": 3}));
    assert_eq!(old["total"]["credits"], 10);
    assert_eq!(old["usage"]["storage"], stored.to_string());
    assert_eq!(emu.request_count("billing.*"), 4);
}

#[tokio::test]
async fn unlimited_without_credits() {
    let emu = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let image = playground(&emu);
    for _ in 0..5 {
        assert_eq!(create(&emu, "token-a", "sr/upscale", &image).await.0, 200);
    }
    let body = usage(&emu, "token-a", USAGE).await;
    assert_eq!(body["credits"], json!({"total": null, "used": 10}));
    // Billing routes need a token like every platform route.
    let (status, _) = send(client().get(format!("{}{USAGE}", emu.url()))).await;
    assert_eq!(status, 401);
}
