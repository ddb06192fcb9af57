//! Folders: create, details, update, delete, ancestors.

use pixelbin_platform::{Error, FolderDetailsParams};
use serde_json::json;

use crate::{assert_api_status, env, last, query_pairs};

#[tokio::test]
async fn create_folder_creates_missing_ancestors() {
    let env = env().await;
    let folder = env
        .assets
        .create_folder("subDir", Some("dir1/dir2"))
        .await
        .unwrap();
    assert_eq!(folder.name.as_deref(), Some("subDir"));
    assert_eq!(folder.path.as_deref(), Some("dir1/dir2"));
    assert_eq!(folder.is_active, Some(true));
    assert_eq!(
        last(&env, "folders.create").body.json(),
        Some(&json!({"name": "subDir", "path": "dir1/dir2"}))
    );

    let ancestors = env
        .assets
        .get_folder_ancestors(folder.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(ancestors.folder.unwrap().name.as_deref(), Some("subDir"));
    let chain: Vec<(String, String)> = ancestors
        .ancestors
        .iter()
        .map(|f| {
            (
                f.path.clone().unwrap_or_default(),
                f.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        [("".into(), "dir1".into()), ("dir1".into(), "dir2".into())]
    );
    assert!(last(&env, "folders.ancestors").path.ends_with("/ancestors"));
}

#[tokio::test]
async fn create_folder_at_the_root_sends_no_path() {
    let env = env().await;
    let folder = env.assets.create_folder("top", None).await.unwrap();
    assert_eq!(folder.name.as_deref(), Some("top"));
    assert_eq!(
        last(&env, "folders.create").body.json(),
        Some(&json!({"name": "top"}))
    );
}

#[tokio::test]
async fn folder_details_find_by_path_and_name() {
    let env = env().await;
    env.assets
        .create_folder("pets", Some("albums"))
        .await
        .unwrap();
    let details = env
        .assets
        .get_folder_details(FolderDetailsParams::new().path("albums").name("pets"))
        .await
        .unwrap();
    assert!(
        details
            .iter()
            .any(|item| item.name.as_deref() == Some("pets")),
        "{details:?}"
    );
    let request = last(&env, "folders.details");
    assert_eq!(
        query_pairs(&request),
        [
            ("path".to_owned(), "albums".to_owned()),
            ("name".to_owned(), "pets".to_owned())
        ]
    );
}

#[tokio::test]
async fn update_folder_soft_deletes_by_folder_id() {
    let env = env().await;
    env.assets
        .create_folder("old", Some("archive"))
        .await
        .unwrap();
    let folder = env
        .assets
        .update_folder("archive/old", Some(false))
        .await
        .unwrap();
    assert_eq!(folder.is_active, Some(false));
    let request = last(&env, "folders.update");
    assert_eq!(request.method, "PATCH");
    assert_eq!(
        request.path,
        "/service/platform/assets/v1.0/folders/archive/old"
    );
    assert_eq!(request.body.json(), Some(&json!({"isActive": false})));
}

#[tokio::test]
async fn delete_folder_removes_it() {
    let env = env().await;
    let folder = env.assets.create_folder("gone", None).await.unwrap();
    let id = folder.id.unwrap();
    let deleted = env.assets.delete_folder(&id).await.unwrap();
    assert_eq!(deleted.id.as_deref(), Some(id.as_str()));
    assert_api_status(
        &env.assets.get_folder_ancestors(&id).await.unwrap_err(),
        404,
    );
}

#[tokio::test]
async fn folder_arguments_are_checked_locally() {
    let env = env().await;
    let errors = [
        env.assets.create_folder(" ", None).await.unwrap_err(),
        env.assets
            .update_folder("a/../b", Some(true))
            .await
            .unwrap_err(),
        env.assets.delete_folder("").await.unwrap_err(),
        env.assets.get_folder_ancestors("").await.unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::IllegalArgument(_)), "{err:?}");
    }
    for route in [
        "folders.create",
        "folders.update",
        "folders.delete",
        "folders.ancestors",
    ] {
        assert_eq!(env.emulator.request_count(route), 0, "{route}");
    }
}
