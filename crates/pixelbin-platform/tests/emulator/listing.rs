//! `listFiles`: one page, filters, the query encoding, and the auto-paginating stream.

use futures::{StreamExt, TryStreamExt};
use pixelbin_platform::{Error, ListFilesParams};

use crate::{env, last, query_pairs, stem, upload};

#[tokio::test]
async fn list_files_pages_through_a_folder() {
    let env = env().await;
    for name in ["a", "b", "c", "d", "e"] {
        upload(&env, "gallery", name, &["art"]).await;
    }
    let first = env
        .assets
        .list_files(ListFilesParams::new().path("gallery").page_size(2))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.page.current, Some(1));
    assert_eq!(first.page.has_next, Some(true));
    assert_eq!(first.page.item_total, Some(5));
    assert!(first.items.iter().all(|item| item.is_file()));

    let last_page = env
        .assets
        .list_files(
            ListFilesParams::new()
                .path("gallery")
                .page_size(2)
                .page_no(3),
        )
        .await
        .unwrap();
    assert_eq!(last_page.items.len(), 1);
    assert_eq!(last_page.page.has_next, Some(false));
}

#[tokio::test]
async fn query_uses_indexed_tags_and_boolean_words() {
    let env = env().await;
    upload(&env, "zoo", "lion", &["cats", "animals"]).await;
    let page = env
        .assets
        .list_files(
            ListFilesParams::new()
                .path("zoo")
                .tags(["cats", "animals"])
                .only_files(true)
                .only_folders(false)
                .page_no(1)
                .page_size(10)
                .sort("name"),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name.as_deref().map(stem), Some("lion"));
    let pairs = query_pairs(&last(&env, "files.list"));
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("path", "zoo"),
            ("tags[0]", "cats"),
            ("tags[1]", "animals"),
            ("onlyFiles", "true"),
            ("onlyFolders", "false"),
            ("pageNo", "1"),
            ("pageSize", "10"),
            ("sort", "name"),
        ]
    );
}

#[tokio::test]
async fn no_filter_sends_no_query() {
    let env = env().await;
    let page = env.assets.list_files(ListFilesParams::new()).await.unwrap();
    // The seeded playground folder sits at the root.
    assert!(
        page.items.iter().any(|item| item.is_folder()),
        "{:?}",
        page.items
    );
    assert!(query_pairs(&last(&env, "files.list")).is_empty());
}

#[tokio::test]
async fn stream_yields_every_item_across_pages() {
    let env = env().await;
    let names = ["f1", "f2", "f3", "f4", "f5", "f6", "f7"];
    for name in names {
        upload(&env, "many", name, &[]).await;
    }
    env.emulator.reset_counts();
    let items: Vec<_> = env
        .assets
        .list_files_stream(
            ListFilesParams::new()
                .path("many")
                .only_files(true)
                .page_size(3),
        )
        .try_collect()
        .await
        .unwrap();
    let mut got: Vec<String> = items
        .iter()
        .filter_map(|i| i.name.as_deref())
        .map(|n| stem(n).to_owned())
        .collect();
    got.sort();
    assert_eq!(got, names);
    assert_eq!(
        env.emulator.request_count("files.list"),
        3,
        "7 items at 3 per page"
    );
    let pages: Vec<String> = env
        .emulator
        .recorded("files.list")
        .iter()
        .map(|r| {
            query_pairs(r)
                .into_iter()
                .find(|(n, _)| n == "pageNo")
                .map(|(_, v)| v)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(pages, ["1", "2", "3"]);
}

#[tokio::test]
async fn stream_starts_at_the_requested_page_and_is_lazy() {
    let env = env().await;
    for name in ["p1", "p2", "p3", "p4"] {
        upload(&env, "lazy", name, &[]).await;
    }
    env.emulator.reset_counts();
    // No pinning needed: the stream is `Unpin`.
    let mut stream = env
        .assets
        .list_files_stream(ListFilesParams::new().path("lazy").page_size(1).page_no(3));
    assert!(stream.next().await.unwrap().is_ok());
    assert_eq!(
        env.emulator.request_count("files.list"),
        1,
        "only one page fetched so far"
    );
    let rest: Vec<_> = stream.collect().await;
    assert_eq!(rest.len(), 1, "pages 3 and 4 of 4");
    assert_eq!(env.emulator.request_count("files.list"), 2);
}

#[tokio::test]
async fn stream_reports_bad_arguments_as_its_only_item() {
    let env = env().await;
    let all: Vec<Result<_, Error>> = env
        .assets
        .list_files_stream(ListFilesParams::new().page_size(0))
        .collect()
        .await;
    assert_eq!(all.len(), 1);
    let err = all.into_iter().next().unwrap().unwrap_err();
    assert_eq!(err.to_string(), "pageSize: Must be at least 1.");
    assert_eq!(env.emulator.request_count("files.list"), 0);
}

#[tokio::test]
async fn stream_is_send_and_static() {
    fn assert_send_static<T: Send + 'static>(_: &T) {}
    let env = env().await;
    let stream = env.assets.list_files_stream(ListFilesParams::new());
    assert_send_static(&stream);
    // And it really runs on another task.
    let count = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await.map(|v| v.len()) })
        .await
        .unwrap()
        .unwrap();
    assert!(count >= 1);
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_with_that_error() {
    let env = env().await;
    for name in ["x1", "x2", "x3"] {
        upload(&env, "flaky", name, &[]).await;
    }
    let mut stream = env
        .assets
        .list_files_stream(ListFilesParams::new().path("flaky").page_size(1));
    assert!(stream.next().await.unwrap().is_ok());
    env.emulator.fail_next("files.list", 1, 400);
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(stream.next().await.is_none(), "nothing after the error");
    assert_eq!(env.emulator.request_count("files.list"), 2);
}
