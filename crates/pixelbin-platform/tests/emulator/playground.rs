//! Playground: the default asset, every module, one module.

use crate::{env, last};

#[tokio::test]
async fn default_asset_is_the_playground_image() {
    let env = env().await;
    let asset = env.assets.get_default_asset_for_playground().await.unwrap();
    assert_eq!(
        asset.file_id.as_deref(),
        Some("__playground/playground-default.jpeg")
    );
    assert!(
        asset
            .url
            .as_deref()
            .unwrap_or("")
            .ends_with("/original/__playground/playground-default.jpeg")
    );
    assert_eq!(
        last(&env, "playground.default").path,
        "/service/platform/assets/v1.0/playground/default"
    );
}

#[tokio::test]
async fn modules_list_plugins_and_delimiters() {
    let env = env().await;
    let modules = env.assets.get_modules().await.unwrap();
    let delimiters = modules.delimiters.expect("delimiters");
    assert_eq!(delimiters.operation_separator.as_deref(), Some("~"));
    assert_eq!(delimiters.parameter_separator.as_deref(), Some(":"));
    assert!(!modules.plugins.is_empty());
    let (key, first) = modules.plugins.iter().next().unwrap();
    assert_eq!(first.identifier.as_deref(), Some(key.as_str()));

    let one = env.assets.get_module(key).await.unwrap();
    assert_eq!(one.identifier.as_deref(), Some(key.as_str()));
    assert_eq!(one.name, first.name);
    assert_eq!(
        last(&env, "playground.module").path,
        format!("/service/platform/assets/v1.0/playground/plugins/{key}")
    );
}

#[tokio::test]
async fn unknown_module_is_a_404() {
    let env = env().await;
    let err = env.assets.get_module("no-such-module").await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}
