//! Plugin credentials: add, update, delete.

use pixelbin_platform::Error;
use serde_json::json;

use crate::{env, last};

#[tokio::test]
async fn credentials_lifecycle() {
    let env = env().await;
    let credentials = json!({"region": "ap-south-1", "accessKeyId": "123456789ABC", "secretAccessKey": "DUMMY1234567890"});
    let added = env
        .assets
        .add_credentials("awsRek", credentials.clone())
        .await
        .unwrap();
    assert_eq!(added.plugin_id.as_deref(), Some("awsRek"));
    assert!(added.id.is_some());
    let request = last(&env, "credentials.add");
    assert_eq!(request.path, "/service/platform/assets/v1.0/credentials");
    assert_eq!(
        request.body.json(),
        Some(&json!({"credentials": credentials, "pluginId": "awsRek"}))
    );

    let updated = env
        .assets
        .update_credentials("awsRek", json!({"region": "us-east-1"}))
        .await
        .unwrap();
    assert_eq!(updated.plugin_id.as_deref(), Some("awsRek"));
    let request = last(&env, "credentials.update");
    assert_eq!(request.method, "PATCH");
    assert_eq!(
        request.path,
        "/service/platform/assets/v1.0/credentials/awsRek"
    );
    assert_eq!(
        request.body.json(),
        Some(&json!({"credentials": {"region": "us-east-1"}}))
    );

    let deleted = env.assets.delete_credentials("awsRek").await.unwrap();
    assert_eq!(deleted.plugin_id.as_deref(), Some("awsRek"));
    assert_eq!(last(&env, "credentials.delete").method, "DELETE");
    let err = env.assets.delete_credentials("awsRek").await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

#[tokio::test]
async fn credentials_must_be_an_object_and_plugin_id_set() {
    let env = env().await;
    let errors = [
        env.assets
            .add_credentials("awsRek", json!("key"))
            .await
            .unwrap_err(),
        env.assets.add_credentials("", json!({})).await.unwrap_err(),
        env.assets
            .update_credentials("awsRek", json!(null))
            .await
            .unwrap_err(),
        env.assets.delete_credentials("").await.unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::IllegalArgument(_)), "{err:?}");
    }
    assert!(
        errors[0]
            .to_string()
            .starts_with("credentials: Not a valid mapping type.")
    );
    assert!(
        errors[1]
            .to_string()
            .starts_with("pluginId: Missing data for required field")
    );
    assert_eq!(env.emulator.request_count("credentials.*"), 0);
}
