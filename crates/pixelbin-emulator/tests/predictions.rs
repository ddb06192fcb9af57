//! Prediction routes: create (JSON and multipart), get, list, schema; good and bad requests.

mod common;

use std::time::Duration;

use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions, RecordedBody, RecordedField};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const CREATE: &str = "/service/platform/transformation/v1.0/predictions";
const PUBLIC: &str = "/service/public/transformation/v1.0/predictions";

fn image_form(bytes: Vec<u8>, content_type: &str) -> Form {
    Form::new()
        .part(
            "input.image",
            Part::bytes(bytes)
                .file_name("image.jpg")
                .mime_str(content_type)
                .unwrap(),
        )
        .text("input.industry_type", "general")
        .text("input.shadow", "false")
        .text("input.refine", "true")
}

async fn create_multipart(emu: &Emulator, form: Form) -> (u16, Value) {
    send(authed(Method::POST, format!("{}{CREATE}/erase/bg", emu.url())).multipart(form)).await
}

async fn wait_final(emu: &Emulator, id: &str) -> Value {
    for _ in 0..100 {
        let (status, body) = send(authed(Method::GET, format!("{}{CREATE}/{id}", emu.url()))).await;
        assert_eq!(status, 200, "{body}");
        if body["status"] != "ACCEPTED" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never finished");
}

#[tokio::test]
async fn multipart_job_goes_accepted_then_success_with_served_output() {
    let emu = emulator().await;
    let (status, job) = create_multipart(&emu, image_form(png(40, 30), "image/png")).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "ACCEPTED");
    let id = job["_id"].as_str().unwrap();
    assert!(id.starts_with("erase--bg--"), "{id}");
    assert_eq!(
        job["urls"]["get"],
        format!("{}{CREATE}/{id}", emu.url()),
        "{job}"
    );
    assert_eq!(job["retention"], "30d");
    assert_eq!(job["orgId"], 1);
    assert!(job["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(job.get("output").is_none());
    // Echoed input: typed booleans, the file as a URL the emulator serves.
    assert_eq!(job["input"]["shadow"], false);
    assert_eq!(job["input"]["refine"], true);
    let input_url = job["input"]["image"].as_str().unwrap();
    let served = client().get(input_url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), png(40, 30));

    let done = wait_final(&emu, id).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    assert_eq!(done["consumedCredits"], 1);
    let output = done["output"][0].as_str().unwrap();
    assert!(output.ends_with("/result_0.png"), "{output}");
    let response = client().get(output).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    // The output keeps the input's dimensions (IHDR width/height).
    assert_eq!(&bytes[16..24], &[0, 0, 0, 40, 0, 0, 0, 30]);

    let recorded = emu.recorded("predictions.create");
    assert_eq!(recorded.len(), 1);
    match recorded[0].body.field("input.image") {
        Some(RecordedField::File {
            filename,
            content_type,
            size,
            ..
        }) => {
            assert_eq!(filename.as_deref(), Some("image.jpg"));
            assert_eq!(content_type.as_deref(), Some("image/png"));
            assert_eq!(*size, png(40, 30).len() as u64);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        recorded[0].body.text("input.industry_type"),
        Some("general")
    );
    assert!(emu.request_count("predictions.get") >= 1);
    assert_eq!(emu.request_count("predictions.create"), 1);
}

#[tokio::test]
async fn json_job_with_the_playground_url_succeeds() {
    let emu = emulator().await;
    let url =
        "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";
    let body = json!({
        "input.image": url,
        "input.industry_type": "general",
        "input.quality_type": "original",
        "input.shadow": false,
        "input.refine": true,
        "webhook": "https://example.com/hook",
    });
    let (status, job) =
        send(authed(Method::POST, format!("{}{CREATE}/erase/bg", emu.url())).json(&body)).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["input"]["image"], url);
    let done = wait_final(&emu, job["_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    assert_eq!(
        emu.recorded("predictions.create")[0].body,
        RecordedBody::Json(body)
    );
}

#[tokio::test]
async fn unusable_inputs_fail_the_job() {
    let emu = emulator().await;
    let (status, job) =
        create_multipart(&emu, Form::new().text("input.industry_type", "general")).await;
    assert_eq!(status, 200, "{job}");
    let done = wait_final(&emu, job["_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "FAILURE", "{done}");
    assert_eq!(done["error"], "image not found", "{done}");
    assert!(done.get("output").is_none());
    // A URL the emulator cannot reach fails too, saying why.
    let (_, job) = send(
        authed(Method::POST, format!("{}{CREATE}/erase/bg", emu.url()))
            .json(&json!({"input.image": "https://example.com/cat.jpg"})),
    )
    .await;
    let done = wait_final(&emu, job["_id"].as_str().unwrap()).await;
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .contains("no network access")
    );
}

/// A PNG header claiming `width` x `height` pixels.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes
}

#[tokio::test]
async fn files_breaking_the_schema_limits_are_refused_naming_the_limit() {
    let emu = emulator().await;
    let cases: Vec<(Form, &str)> = vec![
        (
            image_form(b"plain text".to_vec(), "text/plain"),
            "supportedContentTypes",
        ),
        (image_form(Vec::new(), "image/png"), "image is empty"),
        (
            image_form(vec![0u8; 26_214_401], "image/jpeg"),
            "imageValidation.maxSize",
        ),
        (
            image_form(png_header(10_001, 10), "image/png"),
            "imageValidation.maxWidth",
        ),
        (
            image_form(png_header(10, 10_001), "image/png"),
            "imageValidation.maxHeight",
        ),
    ];
    // Judged by content, as the service does: a text file named broken.png, sent as image/png,
    // is not an image.
    let broken = Form::new().part(
        "input.image",
        Part::bytes(b"just some text".to_vec())
            .file_name("broken.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let mut cases = cases;
    cases.push((broken, "not an image"));
    for (form, expected) in cases {
        let (status, body) = create_multipart(&emu, form).await;
        assert_eq!(status, 400, "{expected}: {body}");
        let message = error_message(400, &body);
        assert!(message.contains(expected), "{expected}: {message}");
        assert!(message.starts_with("input.image: "), "{message}");
    }
    // Exactly at the limits is fine.
    let (status, body) =
        create_multipart(&emu, image_form(png_header(10_000, 10_000), "image/png")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(emu.predictions_created(), 1);
}

#[tokio::test]
async fn bad_requests_get_error_bodies() {
    let emu = emulator().await;
    let base = emu.url();
    // Missing and wrong tokens.
    let (status, body) = send(
        client()
            .post(format!("{base}{CREATE}/erase/bg"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(error_message(401, &body).contains("Authorization"));
    let (status, body) = send(
        client()
            .get(format!(
                "{base}{CREATE}/erase--bg--0198f54a-cc84-7ccc-b31f-18dd0a5b0f01"
            ))
            .header("authorization", bearer("wrong-secret")),
    )
    .await;
    assert_eq!(status, 401);
    error_message(401, &body);
    // Unknown model and job, malformed names and ids.
    let (status, body) =
        send(authed(Method::POST, format!("{base}{CREATE}/nope/model")).json(&json!({}))).await;
    assert_eq!(status, 404);
    let message = error_message(404, &body);
    assert!(message.contains("nope_model"), "{message}");
    assert!(
        message.contains("pixelbin predictions list") && message.contains("predictions().list()"),
        "the hint names the CLI and SDK calls, not a raw route: {message}"
    );
    let (status, body) =
        send(authed(Method::POST, format!("{base}{CREATE}/Erase/bg")).json(&json!({}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = send(authed(
        Method::GET,
        format!("{base}{CREATE}/erase--bg--0198f54a-cc84-7ccc-b31f-18dd0a5b0f01"),
    ))
    .await;
    assert_eq!(status, 404);
    error_message(404, &body);
    let (status, body) = send(authed(Method::GET, format!("{base}{CREATE}/not-an-id"))).await;
    assert_eq!(status, 400);
    error_message(400, &body);
    // Validation of fields.
    for (body, needle) in [
        (json!({"input.industry_type": "space"}), "must be one of"),
        (json!({"input.shadow": "maybe"}), "boolean"),
        (json!({"input.colour": "red"}), "not an input of erase_bg"),
        (json!({"image": "https://x"}), "Unknown field"),
        (json!({"input.image": 5}), "image URL or a file"),
    ] {
        let (status, answer) =
            send(authed(Method::POST, format!("{base}{CREATE}/erase/bg")).json(&body)).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert!(error_message(400, &answer).contains(needle), "{answer}");
    }
    let (status, body) = send(
        authed(Method::POST, format!("{base}{CREATE}/erase/bg"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(error_message(400, &body).contains("not valid JSON"));
}

#[tokio::test]
async fn list_and_schema() {
    let emu = emulator().await;
    let (status, list) = send(client().get(format!("{}{PUBLIC}", emu.url()))).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"erase_bg"), "{list}");
    assert!(names.len() >= 3);
    for model in list.as_array().unwrap() {
        assert!(model["displayName"].is_string() && model["description"].is_string());
    }

    let (status, schema) = send(authed(
        Method::GET,
        format!("{}{PUBLIC}/schema/erase_bg", emu.url()),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(schema["name"], "erase_bg");
    assert_eq!(schema["displayName"], "Erase Background");
    let image = &schema["input"]["properties"]["image"];
    assert_eq!(image["imageValidation"]["maxSize"], 26_214_400);
    assert_eq!(image["imageValidation"]["maxWidth"], 10_000);
    assert!(image["supportedContentTypes"].as_array().unwrap().len() >= 3);

    let (status, body) = send(client().get(format!("{}{PUBLIC}/schema/erasebg", emu.url()))).await;
    assert_eq!(status, 400);
    assert!(error_message(400, &body).contains("plugin_operation"));
    let (status, body) = send(client().get(format!("{}{PUBLIC}/schema/no_such", emu.url()))).await;
    assert_eq!(status, 404);
    error_message(404, &body);
}

#[tokio::test]
async fn upscale_doubles_dimensions() {
    let emu = emulator().await;
    let form = Form::new()
        .part("input.image", Part::bytes(png(20, 10)).file_name("a.png"))
        .text("input.type", "2x");
    let (status, job) =
        send(authed(Method::POST, format!("{}{CREATE}/sr/upscale", emu.url())).multipart(form))
            .await;
    assert_eq!(status, 200, "{job}");
    let done = wait_final(&emu, job["_id"].as_str().unwrap()).await;
    assert_eq!(done["consumedCredits"], 2);
    let bytes = client()
        .get(done["output"][0].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[16..24], &[0, 0, 0, 40, 0, 0, 0, 20]);
}

#[tokio::test(start_paused = true)]
async fn status_follows_the_configured_delay_on_paused_time() {
    let emu = Emulator::start(EmulatorOptions {
        prediction_delay: Duration::from_secs(30),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let any_token = bearer("any-token-works");
    let (_, job) = send(
        client()
            .post(format!("{}{CREATE}/erase/bg", emu.url()))
            .header("authorization", &any_token)
            .json(&json!({"input.image": "https://cdn.pixelbin.io/v2/x/original/__playground/playground-default.jpeg"})),
    )
    .await;
    let id = job["_id"].as_str().unwrap().to_string();
    let get = || {
        client()
            .get(format!("{}{CREATE}/{id}", emu.url()))
            .header("authorization", &any_token)
    };
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(send(get()).await.1["status"], "ACCEPTED");
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(send(get()).await.1["status"], "SUCCESS");
}
