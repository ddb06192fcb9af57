//! The catalogue at run time: the vectors `@pixelbin/core` 7.0.0 produced (fixed and random
//! configurations of every operation), built again from names and text; every operation's output parsed back from a URL; every package operation
//! covered.

use std::collections::BTreeSet;

use pixelbin_url::catalogue::{self, OperationSpec, ParamType};
use pixelbin_url::{Transformation, UrlObj, UrlToObjOptions, url_to_obj};
use proptest::prelude::*;
use serde_json::Value;

const VECTORS: &str = include_str!("data/catalogue_vectors.json");

fn vectors() -> Vec<Value> {
    serde_json::from_str(VECTORS).expect("the vectors file is JSON")
}

/// A configuration value as text, the way a CLI user or a config file gives it.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn run_time_builds_write_what_pixelbin_core_writes() {
    let vectors = vectors();
    // Fixed configurations and, for every operation with parameters, seeded random ones.
    assert!(vectors.len() > 400, "only {} vectors", vectors.len());
    for vector in vectors {
        let operation = vector["operation"].as_str().unwrap();
        let config = vector["config"].as_object().unwrap();
        let built = catalogue::build_operation(operation, config.iter().map(|(k, v)| (k, text(v))))
            .unwrap_or_else(|e| panic!("{operation} {config:?}: {e}"));
        assert_eq!(
            built.to_string(),
            vector["segment"].as_str().unwrap(),
            "{operation} {config:?}"
        );
        // And what was built reads back as valid.
        assert!(built.describe().is_valid(), "{}", built.describe());
    }
}

/// What `@pixelbin/core` 6.1.0 wrote (recorded by `cargo xtask catalogue-vectors` against
/// 6.1.0) still builds the same, except where 7.0.0 changed the package: `toFormat`'s
/// `quality` became an enum, so 6.1.0's free numbers outside it are refused now.
#[test]
fn what_6_1_0_wrote_still_builds_where_7_0_0_did_not_change_it() {
    let old: Vec<Value> =
        serde_json::from_str(include_str!("data/catalogue_vectors_6.1.0.json")).unwrap();
    assert!(old.len() > 100, "only {} vectors", old.len());
    let (mut same, mut changed) = (0, 0);
    for vector in old {
        let operation = vector["operation"].as_str().unwrap();
        let config = vector["config"].as_object().unwrap();
        let built = catalogue::build_operation(operation, config.iter().map(|(k, v)| (k, text(v))));
        let quality = config.get("quality").map(text).unwrap_or_default();
        if operation == "Basic.toFormat" && !quality.is_empty() && quality != "75" {
            let err = built.expect_err("a quality outside 7.0.0's enum");
            assert!(err.to_string().contains("best, good, eco, low"), "{err}");
            changed += 1;
        } else {
            let built = built.unwrap_or_else(|e| panic!("{operation} {config:?}: {e}"));
            assert_eq!(built.to_string(), vector["segment"].as_str().unwrap());
            same += 1;
        }
    }
    assert!(same > 100 && changed > 0, "{same} same, {changed} changed");
}

#[test]
fn vectors_exercise_every_operation_and_parameter_type() {
    let vectors = vectors();
    let operations: BTreeSet<&str> = vectors
        .iter()
        .map(|v| v["operation"].as_str().unwrap())
        .collect();
    let mut types = BTreeSet::new();
    for op in catalogue::operations() {
        assert!(
            operations.contains(op.full_name().as_str()),
            "{}",
            op.full_name()
        );
        for p in op.parameters {
            let set = vectors.iter().any(|v| {
                v["operation"] == op.full_name().as_str()
                    && v["config"]
                        .get(p.name)
                        .is_some_and(|x| x != "" && !x.is_null())
            });
            assert!(set, "no vector sets {}.{}", op.full_name(), p.name);
            types.insert(p.kind.name());
        }
    }
    assert_eq!(types.len(), 11, "{types:?}");
}

/// `@pixelbin/core` 7.0.0 lists 30 plugins with 54 operations and 124 parameters in all; the
/// extractor (`cargo xtask catalogue-extract`) fails when its README and its builders
/// disagree, so these counts are the package's.
#[test]
fn the_catalogue_covers_the_package() {
    let plugins = catalogue::plugins();
    assert_eq!(plugins.len(), 30);
    assert_eq!(catalogue::operations().count(), 54);
    assert_eq!(
        catalogue::operations()
            .map(|op| op.parameters.len())
            .sum::<usize>(),
        124
    );
    for name in [
        "Basic.resize",
        "Basic.merge",
        "EraseBG.bg",
        "SuperResolution.upscale",
        "WatermarkRemoval.remove",
        "IntelligentCrop.crop",
        // New in 7.0.0.
        "ImageExtender.extend",
        "VideoUpscalerPlugin.upscale",
        "IntelligentMasking.mask",
        "VertexAI.generateBG",
        "VertexAI.removeBG",
        "VertexAI.upscale",
        "QRCode.generate",
        "QRCode.scan",
    ] {
        assert!(catalogue::find_operation(name).is_some(), "{name}");
    }
}

#[test]
fn describe_names_what_is_wrong() {
    let obj = url_to_obj(
        "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100,x:1,f:cover2)~foo.bar(a:1)~p:preset1/a.jpeg",
        UrlToObjOptions::default(),
    )
    .unwrap();
    let resize = obj.transformations[0].describe();
    assert_eq!(resize.operation.unwrap().full_name(), "Basic.resize");
    assert_eq!(resize.params[0].spec.unwrap().name, "height");
    assert_eq!(resize.params[0].problem, None);
    assert!(
        resize.params[1]
            .problem
            .as_deref()
            .unwrap()
            .starts_with("unknown parameter")
    );
    assert!(
        resize.params[2]
            .problem
            .as_deref()
            .unwrap()
            .contains("one of cover, contain, fill, inside, outside")
    );
    assert!(!resize.is_valid());
    let unknown = obj.transformations[1].describe();
    assert!(unknown.operation.is_none() && !unknown.is_valid());
    assert!(
        unknown.to_string().contains("unknown operation"),
        "{unknown}"
    );
    assert!(
        obj.transformations[2]
            .describe()
            .to_string()
            .starts_with("preset preset1")
    );
}

/// A valid value of `kind`, as text.
fn value(kind: ParamType) -> BoxedStrategy<String> {
    match kind {
        ParamType::Integer => any::<i64>().prop_map(|v| v.to_string()).boxed(),
        ParamType::Float => prop_oneof![
            any::<f64>().prop_filter("finite", |v| v.is_finite()),
            (-1000i32..1000).prop_map(|v| f64::from(v) / 8.0),
        ]
        .prop_map(|v| format!("{v}"))
        .boxed(),
        ParamType::Boolean => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        ParamType::Enum(values) => proptest::sample::select(values)
            .prop_map(str::to_owned)
            .boxed(),
        ParamType::Color => "[0-9a-fA-F]{6}([0-9a-fA-F]{2})?".boxed(),
        _ => "[A-Za-z0-9_.=-]{1,12}".boxed(),
    }
}

/// An operation of the catalogue with some of its parameters set.
fn configured() -> impl Strategy<Value = (&'static OperationSpec, Vec<Option<String>>)> {
    let operations: Vec<&'static OperationSpec> = catalogue::operations().collect();
    proptest::sample::select(operations).prop_flat_map(|op| {
        let values: Vec<_> = op
            .parameters
            .iter()
            .map(|p| proptest::option::of(value(p.kind)))
            .collect();
        (Just(op), values)
    })
}

proptest! {
    #[test]
    fn every_operation_parses_back((op, values) in configured()) {
        let given: Vec<(&str, &str)> = op
            .parameters
            .iter()
            .zip(&values)
            .filter_map(|(p, v)| v.as_deref().map(|v| (p.name, v)))
            .collect();
        let built: Transformation<'static> = op.build(given.iter().copied()).unwrap();
        let url = UrlObj::new("my-cloud", "a/b.jpeg").transform(built.clone()).to_url().unwrap();
        let obj = url_to_obj(&url, UrlToObjOptions::default()).unwrap();
        prop_assert_eq!(&obj.transformations, &vec![built]);

        let description = obj.transformations[0].describe();
        prop_assert_eq!(description.operation, Some(op));
        prop_assert!(description.is_valid(), "{}", description);
        let names: Vec<&str> = description.params.iter().map(|p| p.spec.unwrap().name).collect();
        let expected: Vec<&str> = given.iter().map(|(n, _)| *n).collect();
        prop_assert_eq!(names, expected);
        for (param, (_, text)) in description.params.iter().zip(&given) {
            // Numbers come back as JavaScript writes them; everything else as given.
            match param.spec.unwrap().kind {
                ParamType::Float => prop_assert_eq!(
                    param.value.parse::<f64>().unwrap(),
                    text.parse::<f64>().unwrap()
                ),
                _ => prop_assert_eq!(param.value, *text),
            }
        }
    }
}

#[test]
fn enum_values_read_from_text() {
    use pixelbin_url::plugins::basic::ResizeFit;
    use pixelbin_url::plugins::super_resolution::UpscaleType;

    assert_eq!("contain".parse::<ResizeFit>(), Ok(ResizeFit::Contain));
    assert_eq!(UpscaleType::X4.to_string(), "4x");
    assert_eq!(ResizeFit::ALL.len(), 5);
    let err = "cover2".parse::<ResizeFit>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value 'cover2' for parameter 'fit' of Basic.resize: expected one of cover, contain, fill, inside, outside"
    );
}

#[test]
#[allow(deprecated)]
fn the_run_together_module_name_stays_as_a_deprecated_alias() {
    use pixelbin_url::plugins::{text_detection_and_recognition, text_detectionand_recognition};
    assert_eq!(
        text_detectionand_recognition::extract().to_string(),
        text_detection_and_recognition::extract().to_string()
    );
}
