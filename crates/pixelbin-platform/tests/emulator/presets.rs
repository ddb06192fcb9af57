//! Presets: add, get, list (one page and streamed), archive, delete.

use futures::TryStreamExt;
use pixelbin_platform::{Error, GetPresetsParams};
use serde_json::json;

use crate::{assert_api_status, env, last, query_pairs};

#[tokio::test]
async fn preset_lifecycle() {
    let env = env().await;
    let params =
        json!({"w": {"type": "integer", "default": 200}, "h": {"type": "integer", "default": 400}});
    let added = env
        .assets
        .add_preset(
            "pre-set_1",
            "t.resize(w:$w,h:$h)~t.extract()",
            Some(params.clone()),
        )
        .await
        .unwrap();
    assert_eq!(added.preset_name.as_deref(), Some("pre-set_1"));
    assert_eq!(
        added.transformation.as_deref(),
        Some("t.resize(w:$w,h:$h)~t.extract()")
    );
    assert_eq!(added.params, Some(params.clone()));
    assert_eq!(added.archived, Some(false));
    assert_eq!(
        last(&env, "presets.add").body.json(),
        Some(
            &json!({"presetName": "pre-set_1", "transformation": "t.resize(w:$w,h:$h)~t.extract()", "params": params})
        )
    );

    let fetched = env.assets.get_preset("pre-set_1").await.unwrap();
    assert_eq!(fetched.id, added.id);

    let archived = env.assets.update_preset("pre-set_1", true).await.unwrap();
    assert_eq!(archived.archived, Some(true));
    let request = last(&env, "presets.update");
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.body.json(), Some(&json!({"archived": true})));

    let deleted = env.assets.delete_preset("pre-set_1").await.unwrap();
    assert_eq!(deleted.preset_name.as_deref(), Some("pre-set_1"));
    assert_api_status(&env.assets.get_preset("pre-set_1").await.unwrap_err(), 404);
}

#[tokio::test]
async fn get_presets_filters_and_encodes_sort_as_indexed_list() {
    let env = env().await;
    for i in 0..3 {
        env.assets
            .add_preset(&format!("t_{i}"), &format!("t.resize(a:{i})"), None)
            .await
            .unwrap();
    }
    env.assets.update_preset("t_2", true).await.unwrap();
    let page = env
        .assets
        .get_presets(
            GetPresetsParams::new()
                .page_no(1)
                .page_size(5)
                .archived(false)
                .sort(["presetName"]),
        )
        .await
        .unwrap();
    let names: Vec<&str> = page
        .items
        .iter()
        .filter_map(|p| p.preset_name.as_deref())
        .collect();
    assert_eq!(names, ["t_0", "t_1"]);
    assert_eq!(page.page.has_next, Some(false));
    let pairs = query_pairs(&last(&env, "presets.list"));
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("pageNo", "1"),
            ("pageSize", "5"),
            ("archived", "false"),
            ("sort[0]", "presetName")
        ]
    );
}

#[tokio::test]
async fn presets_stream_walks_every_page() {
    let env = env().await;
    for i in 0..5 {
        env.assets
            .add_preset(&format!("s_{i}"), "t.flip()", None)
            .await
            .unwrap();
    }
    env.emulator.reset_counts();
    let all: Vec<_> = env
        .assets
        .get_presets_stream(GetPresetsParams::new().page_size(2))
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<String> = all.into_iter().filter_map(|p| p.preset_name).collect();
    names.sort();
    assert_eq!(names, ["s_0", "s_1", "s_2", "s_3", "s_4"]);
    assert_eq!(env.emulator.request_count("presets.list"), 3);
}

#[tokio::test]
async fn preset_arguments_are_checked_locally() {
    let env = env().await;
    let errors = [
        env.assets
            .add_preset("", "t.flip()", None)
            .await
            .unwrap_err(),
        env.assets.add_preset("p", "", None).await.unwrap_err(),
        env.assets
            .add_preset("p", "t.flip()", Some(json!([1, 2])))
            .await
            .unwrap_err(),
        env.assets.get_preset("").await.unwrap_err(),
        env.assets.update_preset(" ", true).await.unwrap_err(),
        env.assets.delete_preset("").await.unwrap_err(),
        env.assets
            .get_presets(GetPresetsParams::new().page_no(0))
            .await
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::IllegalArgument(_)), "{err:?}");
    }
    assert_eq!(
        errors[2].to_string().split('.').next(),
        Some("params: Not a valid mapping type")
    );
    assert_eq!(env.emulator.request_count("presets.*"), 0);
}
