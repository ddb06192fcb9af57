//! Platform routes of ASSETS.md and ORGANIZATION.md: files, folders, listFiles, presets,
//! credentials, playground, org app info and transformation context.

mod common;

use common::*;
use pixelbin_emulator::Emulator;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const ASSETS: &str = "/service/platform/assets/v1.0";

async fn call(emu: &Emulator, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = authed(method, format!("{}{path}", emu.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

async fn upload(emu: &Emulator, path: &str, name: &str, tags: &[&str], data: Vec<u8>) -> Value {
    let mut form = Form::new()
        .part("file", Part::bytes(data).file_name(format!("{name}.png")))
        .text("path", path.to_string())
        .text("name", name.to_string());
    for tag in tags {
        form = form.text("tags", tag.to_string());
    }
    let (status, file) =
        send(authed(Method::POST, format!("{}{ASSETS}/upload/direct", emu.url())).multipart(form))
            .await;
    assert_eq!(status, 200, "{file}");
    file
}

#[tokio::test]
async fn every_platform_route_needs_the_token() {
    let emu = emulator().await;
    let routes = [
        (Method::GET, format!("{ASSETS}/listFiles")),
        (Method::GET, format!("{ASSETS}/files/id/x")),
        (Method::GET, format!("{ASSETS}/files/a/b.png")),
        (Method::PATCH, format!("{ASSETS}/files/a.png")),
        (Method::DELETE, format!("{ASSETS}/files/a.png")),
        (Method::POST, format!("{ASSETS}/files/delete")),
        (Method::POST, format!("{ASSETS}/folders")),
        (Method::GET, format!("{ASSETS}/folders")),
        (Method::PATCH, format!("{ASSETS}/folders/x")),
        (Method::DELETE, format!("{ASSETS}/folders/x")),
        (Method::GET, format!("{ASSETS}/folders/x/ancestors")),
        (Method::POST, format!("{ASSETS}/credentials")),
        (Method::PATCH, format!("{ASSETS}/credentials/p")),
        (Method::DELETE, format!("{ASSETS}/credentials/p")),
        (Method::POST, format!("{ASSETS}/presets")),
        (Method::GET, format!("{ASSETS}/presets")),
        (Method::GET, format!("{ASSETS}/presets/p")),
        (Method::PATCH, format!("{ASSETS}/presets/p")),
        (Method::DELETE, format!("{ASSETS}/presets/p")),
        (Method::GET, format!("{ASSETS}/playground/default")),
        (Method::GET, format!("{ASSETS}/playground/plugins")),
        (Method::GET, format!("{ASSETS}/playground/plugins/erase")),
        (Method::POST, format!("{ASSETS}/upload/direct")),
        (Method::POST, format!("{ASSETS}/upload/url")),
        (Method::POST, format!("{ASSETS}/upload/signed-url")),
        (
            Method::POST,
            "/service/platform/assets/v2.0/upload/signed-url".to_string(),
        ),
        (
            Method::GET,
            "/service/platform/organization/v1.0/apps/info".to_string(),
        ),
        (
            Method::GET,
            "/service/platform/transformation/context".to_string(),
        ),
        (
            Method::POST,
            "/service/platform/transformation/v1.0/predictions/erase/bg".to_string(),
        ),
    ];
    for (method, path) in routes {
        let (status, body) =
            send(client().request(method.clone(), format!("{}{path}", emu.url()))).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        error_message(401, &body);
    }
    // Every route above was named (none fell through to "unmatched").
    assert_eq!(emu.request_count("unmatched"), 0);
}

#[tokio::test]
async fn files_get_update_delete() {
    let emu = emulator().await;
    let file = upload(&emu, "pets", "cat", &["animal"], png(4, 4)).await;
    let id = file["_id"].as_str().unwrap();

    let (status, by_id) = call(&emu, Method::GET, &format!("{ASSETS}/files/id/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(by_id["fileId"], "pets/cat.png");
    let (status, by_file_id) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/files/pets/cat.png"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(by_file_id["_id"], id);
    assert_eq!(by_file_id["isActive"], true);

    let (status, updated) = call(
        &emu,
        Method::PATCH,
        &format!("{ASSETS}/files/pets/cat.png"),
        Some(
            json!({"name": "kitty.png", "path": "cats", "access": "private",
                    "tags": ["t"], "metadata": {"m": 1}, "isActive": false}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["fileId"], "cats/kitty.png");
    assert_eq!(updated["access"], "private");
    assert_eq!(updated["isActive"], false);
    assert_eq!(updated["metadata"]["m"], 1);
    // The new URL serves the same bytes.
    let bytes = client()
        .get(updated["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), png(4, 4));
    let (status, _) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/files/pets/cat.png"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Bad updates.
    let other = upload(&emu, "cats", "tom", &[], png(1, 1)).await;
    let (status, body) = call(
        &emu,
        Method::PATCH,
        &format!("{ASSETS}/files/cats/kitty.png"),
        Some(json!({"name": other["name"]})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    for bad in [
        json!({"access": "open"}),
        json!({"colour": 1}),
        json!({"tags": "x"}),
    ] {
        let (status, body) = call(
            &emu,
            Method::PATCH,
            &format!("{ASSETS}/files/cats/kitty.png"),
            Some(bad),
        )
        .await;
        assert_eq!(status, 400, "{body}");
    }
    let (status, _) = call(
        &emu,
        Method::PATCH,
        &format!("{ASSETS}/files/none.png"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);

    let (status, deleted) = call(
        &emu,
        Method::DELETE,
        &format!("{ASSETS}/files/cats/kitty.png"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["_id"], id);
    let (status, _) = call(&emu, Method::GET, &format!("{ASSETS}/files/id/{id}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        client()
            .get(updated["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let (status, _) = call(
        &emu,
        Method::DELETE,
        &format!("{ASSETS}/files/cats/kitty.png"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Bulk delete by _id; unknown ids are skipped.
    let (status, deleted) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/files/delete"),
        Some(json!({"ids": [other["_id"], "unknown"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deleted.as_array().unwrap().len(), 1);
    let (status, _) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/files/delete"),
        Some(json!({"ids": []})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/files/delete"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn list_files_filters_sorts_and_pages() {
    let emu = emulator().await;
    for (i, name) in ["b-cat", "a-cat", "c-dog"].iter().enumerate() {
        let tags: &[&str] = if i == 0 { &["x", "y"] } else { &["x"] };
        upload(&emu, "animals", name, tags, png(1, 1)).await;
    }
    upload(&emu, "", "root-file", &[], png(1, 1)).await;
    let list = |query: &str| {
        let emu = &emu;
        let query = query.to_string();
        async move {
            call(
                emu,
                Method::GET,
                &format!("{ASSETS}/listFiles{query}"),
                None,
            )
            .await
        }
    };

    // Root: folders first (animals, __playground), then files.
    let (status, root) = list("").await;
    assert_eq!(status, 200, "{root}");
    let items = root["items"].as_array().unwrap();
    assert_eq!(items[0]["type"], "folder");
    assert!(items.iter().any(|i| i["name"] == "root-file.png"));
    assert!(items.iter().all(|i| i["path"] == ""));
    assert_eq!(root["page"]["current"], 1);
    assert_eq!(root["page"]["type"], "number");

    let (_, animals) = list("?path=animals&sort=name").await;
    let names: Vec<&str> = animals["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a-cat.png", "b-cat.png", "c-dog.png"]);
    let (_, desc) = list("?path=animals&sort=-name").await;
    assert_eq!(desc["items"][0]["name"], "c-dog.png");

    // Name search spans folders when no path is given.
    let (_, cats) = list("?name=cat").await;
    assert_eq!(cats["page"]["itemTotal"], 2);
    // Tags in the reference's indexed form: all must match.
    let (_, tagged) = list("?tags%5B0%5D=x&tags%5B1%5D=y").await;
    assert_eq!(tagged["page"]["itemTotal"], 1);
    assert_eq!(tagged["items"][0]["name"], "b-cat.png");
    let (_, only_folders) = list("?onlyFolders=true").await;
    assert!(
        only_folders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["type"] == "folder")
    );
    let (_, only_files) = list("?path=animals&onlyFiles=true&format=png").await;
    assert_eq!(only_files["page"]["itemTotal"], 3);

    let (_, page1) = list("?path=animals&pageSize=2&pageNo=1&sort=name").await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        page1["page"],
        json!({"type": "number", "size": 2, "current": 1, "hasNext": true, "itemTotal": 3})
    );
    let (_, page2) = list("?path=animals&pageSize=2&pageNo=2&sort=name").await;
    assert_eq!(page2["items"][0]["name"], "c-dog.png");
    assert_eq!(page2["page"]["hasNext"], false);

    for bad in [
        "?pageNo=0",
        "?pageSize=1000",
        "?onlyFiles=maybe",
        "?sort=colour",
        "?onlyFiles=true&onlyFolders=true",
    ] {
        let (status, body) = list(bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        error_message(400, &body);
    }
}

#[tokio::test]
async fn folders_lifecycle() {
    let emu = emulator().await;
    let (status, folder) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/folders"),
        Some(json!({"name": "c", "path": "a/b"})),
    )
    .await;
    assert_eq!(status, 200, "{folder}");
    assert_eq!(folder["name"], "c");
    assert_eq!(folder["path"], "a/b");
    assert_eq!(folder["isActive"], true);
    let id = folder["_id"].as_str().unwrap();

    let (status, body) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/folders"),
        Some(json!({"name": "c", "path": "a/b"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/folders"),
        Some(json!({"name": "x/y"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &emu,
        Method::POST,
        &format!("{ASSETS}/folders"),
        Some(json!({"path": "x"})),
    )
    .await;
    assert_eq!(status, 400);

    let (status, details) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/folders?path=a/b&name=c"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(details[0]["_id"], id);

    let (status, ancestors) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/folders/{id}/ancestors"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ancestors["folder"]["_id"], id);
    let names: Vec<&str> = ancestors["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);

    let (status, updated) = call(
        &emu,
        Method::PATCH,
        &format!("{ASSETS}/folders/{id}"),
        Some(json!({"isActive": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["isActive"], false);
    let (status, _) = call(
        &emu,
        Method::PATCH,
        &format!("{ASSETS}/folders/{id}"),
        Some(json!({"isActive": "no"})),
    )
    .await;
    assert_eq!(status, 400);

    // Deleting a folder deletes what is inside.
    upload(&emu, "a/b/c", "inside", &[], png(1, 1)).await;
    let (_, a) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/folders?path=&name=a"),
        None,
    )
    .await;
    let a_id = a[0]["_id"].as_str().unwrap();
    let (status, deleted) = call(
        &emu,
        Method::DELETE,
        &format!("{ASSETS}/folders/{a_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["name"], "a");
    let (status, _) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/files/a/b/c/inside.png"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    for (method, path) in [
        (Method::DELETE, format!("{ASSETS}/folders/{id}")),
        (Method::GET, format!("{ASSETS}/folders/{id}/ancestors")),
        (Method::PATCH, format!("{ASSETS}/folders/{id}")),
    ] {
        let (status, _) = call(&emu, method, &path, Some(json!({}))).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn credentials_lifecycle() {
    let emu = emulator().await;
    let path = format!("{ASSETS}/credentials");
    let (status, created) = call(
        &emu,
        Method::POST,
        &path,
        Some(json!({"pluginId": "awsRek", "credentials": {"key": "k"}})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["pluginId"], "awsRek");
    assert!(
        created.get("credentials").is_none(),
        "secrets are not echoed: {created}"
    );
    let (status, _) = call(
        &emu,
        Method::POST,
        &path,
        Some(json!({"pluginId": "awsRek", "credentials": {}})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(&emu, Method::POST, &path, Some(json!({"credentials": {}}))).await;
    assert_eq!(status, 400);
    let (status, updated) = call(
        &emu,
        Method::PATCH,
        &format!("{path}/awsRek"),
        Some(json!({"credentials": {"key": "new"}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["_id"], created["_id"]);
    let (status, _) = call(
        &emu,
        Method::PATCH,
        &format!("{path}/none"),
        Some(json!({"credentials": {}})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&emu, Method::DELETE, &format!("{path}/awsRek"), None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&emu, Method::DELETE, &format!("{path}/awsRek"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn presets_lifecycle() {
    let emu = emulator().await;
    let path = format!("{ASSETS}/presets");
    for (name, t) in [
        ("p1", "t.resize(w:$w)"),
        ("p2", "t.flip()"),
        ("p3", "t.compress(q:80)"),
    ] {
        let (status, preset) = call(&emu, Method::POST, &path, Some(json!({"presetName": name, "transformation": t, "params": {"w": {"type": "integer", "default": 200}}}))).await;
        assert_eq!(status, 200, "{preset}");
        assert_eq!(preset["archived"], false);
        assert_eq!(preset["orgId"], 1);
    }
    let (status, _) = call(
        &emu,
        Method::POST,
        &path,
        Some(json!({"presetName": "p1", "transformation": "t.flip()"})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(&emu, Method::POST, &path, Some(json!({"presetName": "p9"}))).await;
    assert_eq!(status, 400);

    let (status, got) = call(&emu, Method::GET, &format!("{path}/p1"), None).await;
    assert_eq!(status, 200);
    assert_eq!(got["params"]["w"]["default"], 200);
    let (status, archived) = call(
        &emu,
        Method::PATCH,
        &format!("{path}/p2"),
        Some(json!({"archived": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(archived["archived"], true);
    let (status, _) = call(&emu, Method::PATCH, &format!("{path}/p2"), Some(json!({}))).await;
    assert_eq!(status, 400);

    let (_, list) = call(&emu, Method::GET, &format!("{path}?pageSize=2"), None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["page"]["itemTotal"], 3);
    assert_eq!(list["page"]["hasNext"], true);
    let (_, list) = call(&emu, Method::GET, &format!("{path}?archived=true"), None).await;
    assert_eq!(list["page"]["itemTotal"], 1);
    let (_, list) = call(
        &emu,
        Method::GET,
        &format!("{path}?sort%5B0%5D=-presetName"),
        None,
    )
    .await;
    assert_eq!(list["items"][0]["presetName"], "p3");
    let (_, list) = call(&emu, Method::GET, &format!("{path}?name=p1"), None).await;
    assert_eq!(list["page"]["itemTotal"], 1);

    let (status, _) = call(&emu, Method::DELETE, &format!("{path}/p1"), None).await;
    assert_eq!(status, 200);
    for method in [Method::GET, Method::DELETE] {
        let (status, _) = call(&emu, method, &format!("{path}/p1"), None).await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn playground_org_and_context() {
    let emu = emulator().await;
    let (status, default) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/playground/default"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(default["fileId"], "__playground/playground-default.jpeg");
    let response = client()
        .get(default["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(
        response
            .bytes()
            .await
            .unwrap()
            .starts_with(&[0xFF, 0xD8, 0xFF])
    );

    let (status, modules) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/playground/plugins"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(modules["delimiters"]["operationSeparator"], "~");
    assert_eq!(modules["plugins"]["erase"]["identifier"], "erase");
    let (status, module) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/playground/plugins/erase"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(module["operations"][0]["method"], "bg");
    let (status, _) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/playground/plugins/nope"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    let (status, info) = call(
        &emu,
        Method::GET,
        "/service/platform/organization/v1.0/apps/info",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(info["org"]["cloudName"], "emulator-cloud");
    assert_eq!(info["app"]["orgId"], info["org"]["_id"]);
    assert!(info["app"].get("token").is_none());

    let cdn = format!(
        "{}/v2/emulator-cloud/t.resize(h:100,w:200)~t.flip()/__playground/playground-default.jpeg?dpr=2",
        emu.url()
    );
    let (status, context) = send(
        authed(
            Method::GET,
            format!("{}/service/platform/transformation/context", emu.url()),
        )
        .query(&[("url", &cdn)]),
    )
    .await;
    assert_eq!(status, 200, "{context}");
    let steps = context["context"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["operation"], "resize");
    assert_eq!(steps[0]["params"]["w"], "200");
    assert_eq!(context["context"]["req"]["query"]["dpr"], "2");
    assert_eq!(context["context"]["meta"]["width"], 640);
    // Transformations are not applied: the CDN serves the original bytes.
    assert_eq!(client().get(&cdn).send().await.unwrap().status(), 200);

    let (status, _) = call(
        &emu,
        Method::GET,
        "/service/platform/transformation/context",
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        authed(
            Method::GET,
            format!("{}/service/platform/transformation/context", emu.url()),
        )
        .query(&[("url", "https://cdn.pixelbin.io/v2/x/original/missing.png")]),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        authed(
            Method::GET,
            format!("{}/service/platform/transformation/context", emu.url()),
        )
        .query(&[(
            "url",
            format!(
                "{}/v2/x/t.resize(w:-5)/__playground/playground-default.jpeg",
                emu.url()
            ),
        )]),
    )
    .await;
    assert_eq!(status, 400);
}
