//! Property tests: building then parsing gives the object back; parsing then building gives
//! a canonical URL back; no input makes parsing panic.

use std::borrow::Cow;

use pixelbin_url::{
    Dpr, Param, Transformation, UrlObj, UrlOptions, UrlToObjOptions, format_pattern, obj_to_url,
    url_to_obj,
};
use proptest::prelude::*;

/// Text of the given character class, borrowed-free.
fn text(class: &'static str) -> impl Strategy<Value = Cow<'static, str>> {
    proptest::string::string_regex(class)
        .expect("valid regex")
        .prop_map(Cow::Owned)
}

fn param_strategy() -> impl Strategy<Value = Vec<Param<'static>>> {
    // Keys are unique (a repeated key would merge) and the first may not start with `-`
    // (the reference drops one leading `-` from the parameter text).
    proptest::collection::btree_map("[a-z][a-z0-9_]{0,3}", "[a-zA-Z0-9_.-]{1,8}", 0..4).prop_map(
        |map| {
            map.into_iter()
                .map(|(k, v)| Param::new(k, v))
                .collect::<Vec<_>>()
        },
    )
}

fn transformation_strategy() -> impl Strategy<Value = Transformation<'static>> {
    prop_oneof![
        (
            text("[a-oq-z][a-z]{0,5}"),
            text("[a-zA-Z0-9_-]{1,10}"),
            param_strategy()
        )
            .prop_map(|(plugin, name, values)| Transformation {
                plugin,
                name,
                values
            }),
        (text("[a-zA-Z0-9_.-]{1,10}"), param_strategy()).prop_map(|(name, values)| {
            Transformation {
                plugin: Cow::Borrowed("p"),
                name,
                values,
            }
        }),
    ]
}

fn dpr_strategy() -> impl Strategy<Value = Option<Dpr>> {
    prop_oneof![
        Just(None),
        Just(Some(Dpr::Auto)),
        (0.1f64..=5.0).prop_map(|v| Some(Dpr::Value(v))),
        (1u32..=50).prop_map(|tenths| Some(Dpr::Value(f64::from(tenths) / 10.0))),
    ]
}

fn path_strategy() -> impl Strategy<Value = Cow<'static, str>> {
    proptest::collection::vec("[a-zA-Z0-9_.,:~()-]{1,10}", 1..4)
        .prop_map(|segments| Cow::Owned(segments.join("/")))
}

/// Objects whose URL is canonical: what `url_to_obj` gives back for the URL `obj_to_url` builds.
fn canonical_obj() -> impl Strategy<Value = UrlObj<'static>> {
    (
        any::<bool>(),
        any::<bool>(),
        text("[a-z0-9-]{1,12}(\\.[a-z0-9-]{1,8}){0,2}"),
        prop_oneof![Just("v1"), Just("v2")],
        text("[a-zA-Z0-9_-]{3,20}"),
        proptest::option::of(text("[a-zA-Z0-9_-]{6}")),
        proptest::collection::vec(transformation_strategy(), 0..4),
        path_strategy(),
        (dpr_strategy(), proptest::option::of(any::<bool>())),
    )
        .prop_map(
            |(custom, worker, host, version, cloud, zone, transformations, path, (dpr, f_auto))| {
                let mut obj = UrlObj {
                    base_url: Cow::Owned(format!("https://{host}")),
                    version: Cow::Borrowed(version),
                    cloud_name: (!custom).then_some(cloud),
                    zone,
                    is_custom_domain: custom,
                    options: UrlOptions::new(dpr, f_auto),
                    ..UrlObj::default()
                };
                if worker {
                    obj.worker = true;
                    obj.worker_path = path;
                } else {
                    obj.pattern = Cow::Owned(format_pattern(&transformations).expect("valid"));
                    obj.transformations = transformations;
                    obj.file_path = path;
                }
                obj
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn build_then_parse_gives_the_object(obj in canonical_obj()) {
        let url = obj_to_url(&obj).expect("builds");
        let parsed = url_to_obj(&url, UrlToObjOptions { is_custom_domain: obj.is_custom_domain })
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        prop_assert_eq!(&parsed, &obj, "{}", url);
    }

    #[test]
    fn parse_then_build_gives_the_url(obj in canonical_obj()) {
        let url = obj_to_url(&obj).expect("builds");
        let opts = UrlToObjOptions { is_custom_domain: obj.is_custom_domain };
        let parsed = url_to_obj(&url, opts).unwrap_or_else(|e| panic!("{url}: {e}"));
        prop_assert_eq!(obj_to_url(&parsed).expect("builds again"), url);
    }

    #[test]
    fn parsing_never_panics(input in "\\PC{0,200}", custom in any::<bool>()) {
        let _ = url_to_obj(&input, UrlToObjOptions { is_custom_domain: custom });
    }

    #[test]
    fn parsing_url_like_text_never_panics(
        input in "(https?://)?[a-z.\\[\\]:@]{0,12}(/[a-zA-Z0-9_~().:,;=&?#%-]{0,12}){0,6}",
        custom in any::<bool>(),
    ) {
        if let Ok(obj) = url_to_obj(&input, UrlToObjOptions { is_custom_domain: custom }) {
            let _ = obj_to_url(&obj);
        }
    }
}

#[cfg(feature = "serde")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn json_round_trip_builds_the_same_url(obj in canonical_obj()) {
        let url = obj_to_url(&obj).expect("builds");
        let mut json = serde_json::to_value(&obj).expect("serialises");
        // `isCustomDomain` is an input of the reference's obj_to_url, not part of its output.
        json["isCustomDomain"] = serde_json::Value::Bool(obj.is_custom_domain);
        let read = UrlObj::from_json(&json).expect("reads back");
        prop_assert_eq!(obj_to_url(&read).expect("builds"), url);
    }
}

/// A canonical URL written by hand (not by `obj_to_url`) parses and builds back unchanged.
#[test]
fn handwritten_canonical_urls_rebuild_exactly() {
    let cases = [
        (
            "https://cdn.pixelbin.io/v2/red-scene-95b6ea/z-slug/t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)/path/to/image.jpeg?dpr=2.0&f_auto=true",
            false,
        ),
        (
            "https://cdn.pixelbin.io/v1/red-scene-95b6ea/original/a.jpeg",
            false,
        ),
        (
            "https://cdn.pixelbin.io/v2/feel/erase.bg()/asbc.jpeg?f_auto=false",
            false,
        ),
        (
            "https://cdn.pixelbin.io/v2/feel/erase.bg()/MZZKB3e1hT48o0NYJ2Kxh.jpeg?dpr=auto",
            false,
        ),
        (
            "https://cdn.pixelbin.io/v2/cloud1/p:preset1(a:100,b:2.1,c:test)~p:other/x/y.png?dpr=0.1",
            false,
        ),
        (
            "https://cdn.pixelbin.io/v2/falling-surf-7c8bb8/fyndnp/wrkr/robots.txt",
            false,
        ),
        (
            "https://cdn.twist.vision/v2/z-slug/t.resize(h:600,w:800)/W2.jpeg",
            true,
        ),
        (
            "https://cdn.twist.vision/v2/wrkr/resize:w200,h200/image.jpeg",
            true,
        ),
        (
            "https://cdn.twist.vision/v1/original/z0/orgs/33/skills/icons/x.png?dpr=5.0",
            true,
        ),
    ];
    for (url, custom) in cases {
        let obj = url_to_obj(
            url,
            UrlToObjOptions {
                is_custom_domain: custom,
            },
        )
        .expect(url);
        assert_eq!(obj_to_url(&obj).as_deref(), Ok(url));
    }
}
