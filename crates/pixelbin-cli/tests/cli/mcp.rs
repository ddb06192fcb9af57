//! `pixelbin mcp` driven as an assistant's MCP client drives it: rmcp's client over the
//! child process's stdin/stdout, against an emulator started in this process.

use std::path::Path;
use std::time::Duration;

use pixelbin_emulator::{Emulator, EmulatorOptions, Fault};
use rmcp::model::{CallToolRequestParams, GetPromptRequestParams, ReadResourceRequestParams};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

use crate::support::{SECRET, emulator_with_delay, png_file, s};

/// The signing token given to the server: it must never come back either.
const SIGNING_TOKEN: &str = "mcp-test-url-signing-token";

/// Every tool, in the order `tools/list` sorts them.
const TOOLS: [&str; 11] = [
    "build_transformation_url",
    "explain_url",
    "get_file",
    "get_prediction",
    "get_usage",
    "list_files",
    "list_models",
    "run_prediction",
    "sign_url",
    "transform_file",
    "upload_file",
];

/// One `pixelbin mcp` process and everything it answered.
struct Session {
    client: RunningService<RoleClient, ()>,
    stderr: tokio::task::JoinHandle<String>,
    /// Every call and answer, for the secret check and the transcript.
    transcript: Vec<String>,
}

impl Session {
    /// `pixelbin mcp --root ROOT EXTRA...` pointed at `emulator`, initialized.
    async fn start(emulator: &Emulator, root: &Path, extra: &[&str]) -> Session {
        let url = emulator.url();
        let connection = ["--domain", url.as_str(), "--api-secret", SECRET];
        Session::spawn(&connection, root, extra, None).await
    }

    /// `pixelbin mcp -vv CONNECTION... --root ROOT EXTRA...`, with the config folder
    /// `config_home` when given, initialized.
    async fn spawn(
        connection: &[&str],
        root: &Path,
        extra: &[&str],
        config_home: Option<&Path>,
    ) -> Session {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pixelbin"));
        if let Some(dir) = config_home {
            cmd.env("XDG_CONFIG_HOME", dir);
        }
        for var in [
            "PIXELBIN_API_TOKEN",
            "PIXELBIN_DOMAIN",
            "PIXELBIN_URL_SIGNING_KEY",
            "PIXELBIN_URL_SIGNING_TOKEN",
            "RUST_LOG",
        ] {
            cmd.env_remove(var);
        }
        // -vv: the SDK's request logs go to stderr, which the secret check reads too.
        cmd.args(["mcp", "-vv"])
            .args(connection)
            .args(["--root", s(root)])
            .args(extra)
            .kill_on_drop(true);
        let (transport, stderr) = TokioChildProcess::builder(cmd)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("pixelbin mcp starts");
        let mut stderr = stderr.expect("stderr is piped");
        let stderr = tokio::spawn(async move {
            let mut text = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut text).await;
            text
        });
        let client = bounded(().serve(transport))
            .await
            .expect("the server initializes");
        Session {
            client,
            stderr,
            transcript: Vec::new(),
        }
    }

    /// Calls `tool` and returns `(is_error, structured result or text)`.
    async fn call(&mut self, tool: &str, arguments: Value) -> (bool, Value) {
        let Value::Object(args) = arguments.clone() else {
            panic!("arguments are an object")
        };
        let result = bounded(
            self.client
                .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args)),
        )
        .await
        .unwrap_or_else(|e| panic!("{tool}: a protocol error instead of a result: {e}"));
        let is_error = result.is_error == Some(true);
        let value = result.structured_content.clone().unwrap_or_else(|| {
            let text: Vec<String> = result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect();
            Value::String(text.join("\n"))
        });
        self.transcript.push(format!(
            "-> {tool} {arguments}\n<- {}{}",
            if is_error { "ERROR " } else { "" },
            value
        ));
        (is_error, value)
    }

    /// Calls `tool`, asserting it succeeds.
    async fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let (is_error, value) = self.call(tool, arguments).await;
        assert!(!is_error, "{tool} failed: {value}");
        value
    }

    /// Calls `tool`, asserting a tool error, and returns its text.
    async fn refused(&mut self, tool: &str, arguments: Value) -> String {
        let (is_error, value) = self.call(tool, arguments).await;
        assert!(is_error, "{tool} should have failed: {value}");
        value.to_string()
    }

    /// Reads resource `uri` as JSON.
    async fn resource(&mut self, uri: &str) -> Value {
        let result = bounded(
            self.client
                .read_resource(ReadResourceRequestParams::new(uri.to_owned())),
        )
        .await
        .unwrap_or_else(|e| panic!("{uri}: {e}"));
        let text = serde_json::to_value(&result.contents[0]).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_owned();
        self.transcript
            .push(format!("read {uri} ({} bytes)", text.len()));
        serde_json::from_str(&text).unwrap()
    }

    /// Closes the session; asserts no answer and no log line held a secret, and returns the
    /// transcript.
    async fn close(self) -> Vec<String> {
        let Session {
            client,
            stderr,
            transcript,
        } = self;
        bounded(client.cancel()).await.expect("the session closes");
        let stderr = bounded(stderr).await.expect("stderr is read");
        for text in transcript.iter().chain(std::iter::once(&stderr)) {
            for secret in [SECRET, SIGNING_TOKEN] {
                assert!(!text.contains(secret), "a secret leaked: {text}");
            }
        }
        transcript
    }
}

/// `future`, failing the test instead of hanging after 60 s.
async fn bounded<F: std::future::IntoFuture>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("the MCP exchange finished in time")
}

/// Whether `schema` is a JSON Schema for tool arguments: an object schema whose properties
/// are schemas and whose required names are properties (checked recursively for `$defs`).
fn assert_object_schema(tool: &str, schema: &Value) {
    assert_eq!(schema["type"], "object", "{tool}: {schema}");
    let properties = schema["properties"].as_object();
    let properties = properties.cloned().unwrap_or_default();
    for (name, property) in &properties {
        assert!(
            property.is_object() || property.is_boolean(),
            "{tool}.{name}: {property}"
        );
        if let Some(kind) = property.get("type") {
            assert!(
                kind.is_string() || kind.is_array(),
                "{tool}.{name}: {property}"
            );
        }
        let description = property.get("description").and_then(Value::as_str);
        assert!(
            description.is_some_and(|d| !d.is_empty()),
            "{tool}.{name} has no description"
        );
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let name = required.as_str().expect("required names are strings");
        assert!(
            properties.contains_key(name),
            "{tool}: required {name} is not a property"
        );
    }
    // Every `$ref` points at a definition that is there.
    let text = schema.to_string();
    for piece in text.split("\"$ref\":\"#/$defs/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(
            schema["$defs"][name].is_object(),
            "{tool}: $ref {name} is missing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_reads_builds_and_refuses_writes() {
    let emulator = emulator_with_delay(Duration::from_millis(50));
    let root = tempfile::tempdir().unwrap();
    let photo = png_file(root.path(), "photo.png", 64, 48);
    let signing = [
        "--url-signing-key",
        "mcp-test-key",
        "--url-signing-token",
        SIGNING_TOKEN,
    ];
    let mut session = Session::start(&emulator, root.path(), &signing).await;

    let info = session
        .client
        .peer_info()
        .expect("the server introduced itself");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("pixelbin")
    );
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(instructions.contains("Read-only"), "{instructions}");

    // Every tool, each with an object schema; the paid one says so.
    let tools = bounded(session.client.list_all_tools()).await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, TOOLS);
    for tool in &tools {
        assert_object_schema(&tool.name, &Value::Object((*tool.input_schema).clone()));
        let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint);
        let writes =
            ["run_prediction", "transform_file", "upload_file"].contains(&tool.name.as_ref());
        assert_eq!(read_only, Some(!writes), "{}", tool.name);
    }
    let run = tools.iter().find(|t| t.name == "run_prediction").unwrap();
    assert!(run.description.as_deref().unwrap().contains("PAID"));
    let build = tools
        .iter()
        .find(|t| t.name == "build_transformation_url")
        .unwrap();
    assert!(build.input_schema["properties"]["operations"].is_object());

    // build_transformation_url: the account's cloud, checked operations.
    let built = session
        .ok(
            "build_transformation_url",
            json!({"file": "products/shoe.jpeg", "operations": [
                {"operation": "Basic.resize", "params": {"width": 300, "fit": "contain"}},
                {"operation": "EraseBG.bg", "params": {"industryType": "ecommerce"}}
            ]}),
        )
        .await;
    assert_eq!(
        built["pattern"],
        "t.resize(w:300,f:contain)~erase.bg(i:ecommerce)"
    );
    assert_eq!(
        built["url"],
        format!(
            "https://cdn.pixelbin.io/v2/{}/t.resize(w:300,f:contain)~erase.bg(i:ecommerce)/products/shoe.jpeg",
            pixelbin_emulator::CLOUD_NAME
        )
    );
    // A bad value is a tool error naming the parameter and what it accepts.
    let error = session
        .refused(
            "build_transformation_url",
            json!({"file": "a.jpeg", "cloud_name": "c", "operations": [
                {"operation": "Basic.resize", "params": {"fit": "cover2"}}]}),
        )
        .await;
    assert!(
        error.contains("'fit'") && error.contains("contain"),
        "{error}"
    );
    // So is an argument of the wrong type, named by its path.
    let error = session
        .refused("list_files", json!({"page_size": "ten"}))
        .await;
    assert!(error.contains("`page_size`"), "{error}");
    let error = session
        .refused("list_files", json!({"page_size": 1000}))
        .await;
    assert!(error.contains("`page_size`"), "{error}");

    let explained = session
        .ok("explain_url", json!({"url": built["url"]}))
        .await;
    assert_eq!(explained["valid"], true);
    assert_eq!(explained["transformations"][0]["operation"], "Basic.resize");
    assert_eq!(
        explained["transformations"][0]["parameters"][0]["name"],
        "width"
    );

    let signed = session
        .ok(
            "sign_url",
            json!({"url": built["url"], "expiry_seconds": 600}),
        )
        .await;
    let signed_url = signed["url"].as_str().unwrap();
    assert!(signed_url.contains("pbs=") && signed_url.contains("pbt=mcp-test-key"));
    pixelbin::url::verify_signed_url(signed_url, SIGNING_TOKEN).expect("the signature verifies");

    // Writes are listed but refused, before anything is sent.
    let uploads_before = emulator.request_count("upload.signed_url_v2");
    let error = session
        .refused("upload_file", json!({"source": "photo.png"}))
        .await;
    assert!(error.contains("--allow-write"), "{error}");
    let error = session
        .refused(
            "run_prediction",
            json!({"model": "erase_bg", "files": {"image": "photo.png"}}),
        )
        .await;
    assert!(error.contains("--allow-write"), "{error}");
    assert_eq!(
        emulator.request_count("upload.signed_url_v2"),
        uploads_before
    );
    assert_eq!(emulator.request_count("predictions.create"), 0);
    assert!(photo.exists());

    let models = session.ok("list_models", json!({})).await;
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "erase_bg")
    );
    let usage = session.ok("get_usage", json!({})).await;
    assert!(usage.is_object(), "{usage}");
    let listed = session
        .ok("list_files", json!({"page": 1, "page_size": 10}))
        .await;
    assert!(listed["items"].is_array(), "{listed}");
    let error = session
        .refused("get_file", json!({"file_id": "missing/nothing.png"}))
        .await;
    assert!(
        error.contains("404") || error.to_lowercase().contains("not found"),
        "{error}"
    );
    let error = session
        .refused("get_prediction", json!({"id": "nonsense"}))
        .await;
    assert!(error.to_lowercase().contains("prediction"), "{error}");

    // Resources and prompts.
    let catalogue = session.resource("pixelbin://transformations").await;
    assert!(
        catalogue
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["plugin"] == "Basic")
    );
    let models = session.resource("pixelbin://models").await;
    assert!(
        models
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "sr_upscale")
    );
    let schema = session.resource("pixelbin://models/erase_bg/schema").await;
    assert!(
        schema["input"]["properties"]["industry_type"].is_object(),
        "{schema}"
    );
    let prompt = bounded(
        session.client.get_prompt(
            GetPromptRequestParams::new("remove_background")
                .with_arguments(json!({"image": "photo.png"}).as_object().unwrap().clone()),
        ),
    )
    .await
    .unwrap();
    assert!(
        serde_json::to_string(&prompt)
            .unwrap()
            .contains("run_prediction")
    );

    session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_session_uploads_predicts_and_transforms_inside_the_root() {
    let emulator = emulator_with_delay(Duration::from_millis(50));
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    png_file(&root, "shoe.png", 80, 60);
    png_file(outer.path(), "outside.png", 8, 8);
    #[cfg(unix)]
    std::os::unix::fs::symlink(outer.path().join("outside.png"), root.join("link.png")).unwrap();
    let mut session = Session::start(&emulator, &root, &["--allow-write"]).await;

    // The assistant's conversation: look at the models, upload, remove the background,
    // follow the job, make a thumbnail.
    let models = session.ok("list_models", json!({})).await;
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "erase_bg")
    );
    let stored = session
        .ok(
            "upload_file",
            json!({"source": "shoe.png", "folder": "catalogue", "tags": ["mcp"]}),
        )
        .await;
    assert_eq!(stored["fileId"], "catalogue/shoe.png");
    let got = session
        .ok("get_file", json!({"file_id": "catalogue/shoe.png"}))
        .await;
    assert_eq!(got["width"], 80);
    let listed = session.ok("list_files", json!({"path": "catalogue"})).await;
    assert_eq!(listed["items"][0]["fileId"], "catalogue/shoe.png");

    let job = session
        .ok(
            "run_prediction",
            json!({"model": "erase_bg", "files": {"image": "shoe.png"},
                   "inputs": {"industry_type": "ecommerce"}, "wait_seconds": 30}),
        )
        .await;
    assert_eq!(job["status"], "SUCCESS", "{job}");
    assert_eq!(job["finished"], true);
    assert!(
        job["outputUrls"][0].as_str().unwrap().starts_with("http"),
        "{job}"
    );
    let again = session.ok("get_prediction", json!({"id": job["id"]})).await;
    assert_eq!(again["status"], "SUCCESS");

    // An input the model's schema refuses: a tool error naming it, no job created.
    let created = emulator.request_count("predictions.create");
    let error = session
        .refused(
            "run_prediction",
            json!({"model": "erase_bg", "inputs": {"image": stored["url"], "industry_type": "cars"}}),
        )
        .await;
    assert!(error.contains("industry_type"), "{error}");
    assert_eq!(emulator.request_count("predictions.create"), created);

    let transformed = session
        .ok(
            "transform_file",
            json!({"path": "shoe.png", "pattern": "t.resize(w:40)~t.flip()", "output": "out/thumb.png"}),
        )
        .await;
    assert!(
        transformed["url"]
            .as_str()
            .unwrap()
            .contains("t.resize(w:40)~t.flip()")
    );
    let saved = std::fs::read(root.join("out/thumb.png")).expect("the result is saved in the root");
    assert_eq!(transformed["bytes"], saved.len());
    // An existing output is refused before anything is uploaded.
    let uploads = emulator.request_count("upload.signed_url_v2");
    let error = session
        .refused(
            "transform_file",
            json!({"path": "shoe.png", "pattern": "t.flip()", "output": "out/thumb.png"}),
        )
        .await;
    assert!(error.contains("overwrite"), "{error}");
    // So is a pattern the catalogue does not accept, naming the parameter.
    let error = session
        .refused(
            "transform_file",
            json!({"path": "shoe.png", "pattern": "t.resize(f:cover2)", "output": "x.png"}),
        )
        .await;
    assert!(
        error.contains("pattern") && error.contains("cover2"),
        "{error}"
    );
    assert_eq!(emulator.request_count("upload.signed_url_v2"), uploads);

    // Paths out of the root: `..`, absolute, symlinks; reading and writing.
    let outside = outer.path().join("outside.png");
    for source in ["../outside.png", s(&outside), "link.png"] {
        if source == "link.png" && !cfg!(unix) {
            continue;
        }
        let error = session
            .refused("upload_file", json!({"source": source}))
            .await;
        assert!(
            error.contains("outside the allowed root"),
            "{source}: {error}"
        );
    }
    let error = session
        .refused(
            "transform_file",
            json!({"path": "shoe.png", "pattern": "t.flip()", "output": "../escaped.png"}),
        )
        .await;
    assert!(error.contains("outside the allowed root"), "{error}");
    assert!(!outer.path().join("escaped.png").exists());
    let error = session
        .refused(
            "run_prediction",
            json!({"model": "erase_bg", "files": {"image": "../outside.png"}}),
        )
        .await;
    assert!(
        error.contains("files.image") && error.contains("outside"),
        "{error}"
    );
    assert_eq!(emulator.request_count("upload.signed_url_v2"), uploads);

    let transcript = session.close().await;
    // `cargo test -p pixelbin-cli --test cli mcp -- --nocapture` shows the conversation.
    println!("{}", transcript.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_calls_end_at_the_call_timeout_and_a_slow_job_keeps_its_id() {
    let emulator = Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_secs(120),
        faults: vec![Fault::delaying(Duration::from_secs(30)).on_routes(["files.list"])],
        ..EmulatorOptions::default()
    })
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    png_file(root.path(), "shoe.png", 16, 16);
    let flags = [
        "--allow-write",
        "--call-timeout",
        "5",
        "--request-timeout",
        "60",
    ];
    let mut session = Session::start(&emulator, root.path(), &flags).await;
    let error = session.refused("list_files", json!({})).await;
    assert!(error.contains("did not finish within 5 s"), "{error}");
    // A job that outlasts the call is answered in time, with its id to follow.
    let job = session
        .ok(
            "run_prediction",
            json!({"model": "erase_bg", "files": {"image": "shoe.png"}}),
        )
        .await;
    assert_eq!(job["finished"], false, "{job}");
    assert!(
        job["note"].as_str().unwrap().contains("get_prediction"),
        "{job}"
    );
    let again = session.ok("get_prediction", json!({"id": job["id"]})).await;
    assert_eq!(again["id"], job["id"]);
    assert_eq!(emulator.request_count("predictions.create"), 1);
    session.close().await;
}

#[cfg(unix)]
#[test]
fn started_in_the_file_system_root_it_asks_for_a_root() {
    let out = crate::support::bare()
        .current_dir("/")
        .arg("mcp")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pass --root DIR"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout is the protocol's: nothing else goes there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_gives_the_server_its_account() {
    let emulator = emulator_with_delay(Duration::from_millis(50));
    let config = tempfile::tempdir().unwrap();
    crate::support::bare()
        .env("XDG_CONFIG_HOME", config.path())
        .args([
            "login",
            "--with-token",
            "--domain",
            &emulator.url(),
            "--profile",
            "emu",
        ])
        .write_stdin(SECRET)
        .assert()
        .success();
    let root = tempfile::tempdir().unwrap();
    let mut session =
        Session::spawn(&["--profile", "emu"], root.path(), &[], Some(config.path())).await;
    let usage = session.ok("get_usage", json!({})).await;
    assert!(usage.is_object(), "{usage}");
    let models = session.ok("list_models", json!({})).await;
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "erase_bg")
    );
    session.close().await;
}
