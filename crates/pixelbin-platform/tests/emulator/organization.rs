//! Organization app details and the transformation context.

use pixelbin_platform::Error;

use crate::{env, last, query_pairs, upload};

#[tokio::test]
async fn app_org_details_describe_the_account() {
    let env = env().await;
    let details = env.organization.get_app_org_details().await.unwrap();
    let org = details.org.expect("org");
    assert!(org.cloud_name.as_deref().is_some_and(|c| !c.is_empty()));
    assert!(details.app.is_some());
    let request = last(&env, "org.app_info");
    assert_eq!(
        request.path,
        "/service/platform/organization/v1.0/apps/info"
    );
    assert!(request.has_authorization);
}

#[tokio::test]
async fn wrong_secret_is_an_api_error() {
    let env = env().await;
    let config = pixelbin_http::PixelbinConfig::builder()
        .api_secret("another-secret")
        .domain(env.emulator.url())
        .retry(pixelbin_http::RetryPolicy::none())
        .build()
        .unwrap();
    let organization =
        pixelbin_platform::Organization::new(pixelbin_http::Transport::new(config).unwrap());
    let err = organization.get_app_org_details().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status: 401 | 403,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn transformation_context_for_a_stored_file() {
    let env = env().await;
    let file = upload(&env, "ctx", "probe", &[]).await;
    let url = file.url.unwrap();
    let context = env
        .transformation
        .get_transformation_context(Some(&url))
        .await
        .unwrap();
    assert!(!context.context.is_empty(), "{context:?}");
    let request = last(&env, "transformation.context");
    assert_eq!(request.path, "/service/platform/transformation/context");
    assert_eq!(query_pairs(&request), [("url".to_owned(), url)]);
}
