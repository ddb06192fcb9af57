//! `pixelbin transformations list | build` and `pixelbin url parse --explain` (offline).

use predicates::prelude::*;
use serde_json::json;

use crate::support::{bare, json_of, stdout_of};

#[test]
fn build_prints_the_segment() {
    assert_eq!(
        stdout_of(bare().args([
            "transformations",
            "build",
            "Basic.resize",
            "height=100",
            "width=200",
            "fit=contain"
        ])),
        "t.resize(h:100,w:200,f:contain)\n"
    );
    assert_eq!(
        json_of(bare().args([
            "transformations",
            "build",
            "SuperResolution.upscale",
            "enhanceFace=true",
            "type=4x",
            "--json"
        ])),
        json!({"pattern": "sr.upscale(t:4x,enhance_face:true)", "steps": [
            {"operation": "SuperResolution.upscale", "segment": "sr.upscale(t:4x,enhance_face:true)"}
        ]})
    );
}

#[test]
fn build_takes_several_steps_and_url_ids() {
    assert_eq!(
        stdout_of(bare().args([
            "transformations",
            "build",
            "Basic.resize",
            "width=300",
            "--",
            "EraseBG.bg"
        ])),
        "t.resize(w:300)~erase.bg()\n"
    );
    assert_eq!(
        stdout_of(bare().args([
            "transformations",
            "build",
            "Basic.resize",
            "w=300",
            "h=200",
            "t.flip",
            "--",
            "erase.bg",
            "i=ecommerce"
        ])),
        "t.resize(h:200,w:300)~t.flip()~erase.bg(i:ecommerce)\n"
    );
}

#[test]
fn build_rejects_bad_names_and_values_with_2() {
    bare()
        .args(["transformations", "build", "Basic.resize", "fit=cover2"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "error: invalid value 'cover2' for parameter 'fit' of Basic.resize: expected one of cover, contain, fill, inside, outside\n",
        );
    bare()
        .args(["transformations", "build", "Basic.resize", "hieght=100"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "Basic.resize has no parameter 'hieght'; it accepts: height, width, fit",
        ));
    bare()
        .args(["transformations", "build", "EraseBG.bg", "addShadow=yes"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("'addShadow'").and(predicate::str::contains("true or false")),
        );
    bare()
        .args(["transformations", "build", "Basic.resise"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown transformation 'Basic.resise'",
        ));
}

/// `Plugin.operation`, prefix and `name:id` of each parameter, for every operation of a list
/// of plugins whose name is under `name_key`.
fn operations(plugins: &[serde_json::Value], name_key: &str) -> Vec<(String, String, Vec<String>)> {
    plugins
        .iter()
        .flat_map(|p| {
            p["operations"].as_array().unwrap().iter().map(move |op| {
                let params = op["parameters"].as_array().unwrap();
                (
                    format!(
                        "{}.{}",
                        p[name_key].as_str().unwrap(),
                        op["name"].as_str().unwrap()
                    ),
                    op["prefix"].as_str().unwrap().to_owned(),
                    params
                        .iter()
                        .map(|x| format!("{}:{}", x["name"], x["id"]))
                        .collect(),
                )
            })
        })
        .collect()
}

#[test]
fn list_shows_every_operation() {
    let list = json_of(bare().args(["transformations", "list", "--json"]));
    let plugins = list.as_array().unwrap();
    // Every operation of the catalogue file (@pixelbin/core 7.0.0), with its prefix and
    // parameters in order.
    let catalogue: serde_json::Value = serde_json::from_str(include_str!(
        "../../../pixelbin-url/catalogue/transformations.json"
    ))
    .unwrap();
    assert_eq!(catalogue["source"], "@pixelbin/core 7.0.0");
    let listed = operations(plugins, "plugin");
    let expected = operations(catalogue["plugins"].as_array().unwrap(), "name");
    assert_eq!(listed, expected);
    assert_eq!((plugins.len(), listed.len()), (30, 54));
    let to_format = &plugins.iter().find(|p| p["plugin"] == "Basic").unwrap()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|op| op["name"] == "toFormat")
        .unwrap()["parameters"][1];
    assert_eq!(to_format["type"], "enum");
    assert_eq!(to_format["default"], "75");
    let erase = plugins.iter().find(|p| p["plugin"] == "EraseBG").unwrap();
    assert_eq!(
        erase["operations"][0],
        json!({"name": "bg", "prefix": "erase.bg", "parameters": [
            {"name": "industryType", "id": "i", "type": "enum",
             "values": ["general", "ecommerce", "car", "human", "object"], "default": "general"},
            {"name": "addShadow", "id": "shadow", "type": "boolean", "values": [], "default": false},
            {"name": "refine", "id": "r", "type": "boolean", "values": [], "default": true},
        ]})
    );
    let text = stdout_of(bare().args(["transformations", "list"]));
    assert!(
        text.contains("  Basic.resize  (t.resize)\n    height (h): integer, default 0\n"),
        "{text}"
    );
}

#[test]
fn parse_explain_names_parameters_and_flags_problems() {
    let url = "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100,f:cover2)~erase.bg(i:car)~foo.bar(x:1)/a.jpeg";
    let text = stdout_of(bare().args(["url", "parse", "--explain", url]));
    assert!(text.starts_with("Basic.resize (t.resize)\n  height (h) = 100 [integer]\n  fit (f) = cover2 [enum]  ! invalid value: expected one of cover,"), "{text}");
    assert!(
        text.contains("EraseBG.bg (erase.bg)\n  industryType (i) = car [enum]\n"),
        "{text}"
    );
    assert!(text.contains("foo.bar: unknown operation"), "{text}");
    let json = json_of(bare().args(["url", "parse", "--explain", "--json", url]));
    assert_eq!(json[0]["operation"], "Basic.resize");
    assert_eq!(json[0]["valid"], false);
    assert_eq!(json[0]["parameters"][0]["name"], "height");
    assert_eq!(json[1]["valid"], true);
    assert_eq!(json[2]["operation"], serde_json::Value::Null);
}
