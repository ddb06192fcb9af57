//! `pixelbin files ...` and `pixelbin folders ...`

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{emulator, json_of, pixelbin, png_file, s, stdout_of};

/// Uploads `count` files into `folder` and returns their file ids.
fn upload_files(emu: &pixelbin_emulator::Emulator, folder: &str, count: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    (0..count)
        .map(|i| {
            let photo = png_file(dir.path(), &format!("img{i}.png"), 8, 8);
            let file =
                json_of(pixelbin(emu).args(["upload", s(&photo), "--path", folder, "--json"]));
            file["fileId"].as_str().unwrap().to_string()
        })
        .collect()
}

fn file_ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "file")
        .map(|i| i["fileId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn files_list_shows_one_page() {
    let emu = emulator();
    let mut uploaded = upload_files(&emu, "gallery", 3);
    let page = json_of(pixelbin(&emu).args([
        "files",
        "list",
        "--path",
        "gallery",
        "--page-size",
        "2",
        "--json",
    ]));
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["page"]["current"], 1);
    assert_eq!(page["page"]["size"], 2);
    assert_eq!(page["page"]["hasNext"], true);
    assert_eq!(page["page"]["itemTotal"], 3);
    let query = emu.recorded("files.list")[0]
        .query
        .clone()
        .unwrap_or_default();
    assert!(
        query.contains("path=gallery") && query.contains("pageSize=2"),
        "{query}"
    );

    let text = stdout_of(pixelbin(&emu).args(["files", "list", "--path", "gallery"]));
    uploaded.sort();
    for id in &uploaded {
        assert!(text.contains(&format!("file    {id}  ")), "{text}");
    }
    assert!(
        text.ends_with("page 1 (3 item(s) here, 3 in all)\n"),
        "{text}"
    );
}

#[test]
fn files_list_all_walks_every_page() {
    let emu = emulator();
    let mut uploaded = upload_files(&emu, "many", 3);
    emu.reset_counts();
    let items = json_of(pixelbin(&emu).args([
        "files",
        "list",
        "--path",
        "many",
        "--page-size",
        "1",
        "--all",
        "--json",
    ]));
    let mut listed = file_ids(&items);
    listed.sort();
    uploaded.sort();
    assert_eq!(listed, uploaded);
    assert_eq!(emu.request_count("files.list"), 3);
}

#[test]
fn files_get_and_delete() {
    let emu = emulator();
    let id = upload_files(&emu, "one", 1).remove(0);
    let file = json_of(pixelbin(&emu).args(["files", "get", &id, "--json"]));
    assert_eq!(file["fileId"], id.as_str());
    assert_eq!(file["format"], "png");
    let text = stdout_of(pixelbin(&emu).args(["files", "get", &id]));
    assert!(text.starts_with(&format!("fileId:  {id}\n")), "{text}");
    assert!(text.contains("pixels:  8x8"), "{text}");

    let deleted = json_of(pixelbin(&emu).args(["files", "delete", &id, "--json"]));
    assert_eq!(deleted["fileId"], id.as_str());
    pixelbin(&emu)
        .args(["files", "get", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("404"));
    pixelbin(&emu)
        .args(["files", "delete", &id])
        .assert()
        .code(1);
}

#[test]
fn folder_commands() {
    let emu = emulator();
    let created = json_of(
        pixelbin(&emu).args(["folders", "create", "shoes", "--path", "products", "--json"]),
    );
    assert_eq!(created["name"], "shoes");
    assert_eq!(created["path"], "products");
    assert_eq!(created["type"], "folder");
    let id = created["_id"].as_str().unwrap().to_string();

    let found = json_of(pixelbin(&emu).args([
        "folders", "get", "--path", "products", "--name", "shoes", "--json",
    ]));
    assert_eq!(found[0]["_id"], id.as_str());
    let text = stdout_of(pixelbin(&emu).args(["folders", "details", "--name", "products"]));
    assert!(text.starts_with("folder  products/  (id "), "{text}");

    let chain = json_of(pixelbin(&emu).args(["folders", "ancestors", &id, "--json"]));
    assert_eq!(chain["folder"]["_id"], id.as_str());
    assert_eq!(chain["ancestors"][0]["name"], "products");
    let text = stdout_of(pixelbin(&emu).args(["folders", "ancestors", &id]));
    assert!(
        text.ends_with(&format!("-> products/shoes/  (id {id})\n")),
        "{text}"
    );

    let text = stdout_of(pixelbin(&emu).args(["folders", "delete", &id]));
    assert_eq!(text, format!("deleted products/shoes/  (id {id})\n"));
    let after = json_of(pixelbin(&emu).args([
        "folders", "get", "--path", "products", "--name", "shoes", "--json",
    ]));
    assert_eq!(after, serde_json::json!([]));
    pixelbin(&emu)
        .args(["folders", "get"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--path and/or --name"));
}

#[test]
fn folder_details_label_files_as_files() {
    let emu = emulator();
    json_of(pixelbin(&emu).args(["folders", "create", "albums", "--path", "qa", "--json"]));
    let file_id = upload_files(&emu, "qa", 1).remove(0);
    let text = stdout_of(pixelbin(&emu).args(["folders", "get", "--path", "qa"]));
    assert!(text.contains("folder  qa/albums/  (id "), "{text}");
    assert!(text.contains(&format!("file    {file_id}  ")), "{text}");
    assert!(!text.contains(&format!("{file_id}/")), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
}
