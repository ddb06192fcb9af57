//! The workspace's crates as `cargo metadata` sees them, the publishing checks and the
//! publishing order.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::cmd;

/// The documented publishing order, used to break ties between crates the dependency graph
/// leaves free: the URL crate, the transport, the API crates, the facade, then the tools.
/// Crates not listed here follow, by name.
pub const PREFERRED_ORDER: &[&str] = &[
    "pixelbin-url",
    "pixelbin-http",
    "pixelbin-predictions",
    "pixelbin-upload",
    "pixelbin-platform",
    "pixelbin",
    "pixelbin-emulator",
    "pixelbin-cli",
];

/// A workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Path of its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// False when the manifest says `publish = false` (or `publish = []`).
    pub publishable: bool,
    /// `description`, after workspace inheritance.
    pub description: Option<String>,
    /// `license`, after workspace inheritance.
    pub license: Option<String>,
    /// `license-file`, after workspace inheritance.
    pub license_file: Option<String>,
    /// `repository`, after workspace inheritance.
    pub repository: Option<String>,
    /// `readme`, relative to the package directory.
    pub readme: Option<String>,
    /// Dependencies on other workspace members.
    pub local_deps: Vec<LocalDep>,
}

/// A dependency of one workspace member on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDep {
    /// The member depended on.
    pub name: String,
    /// `normal`, `dev` or `build`.
    pub kind: DepKind,
    /// Whether the dependency carries a version requirement (needed to publish, except for
    /// dev-dependencies, which cargo drops from the published manifest when they have none).
    pub versioned: bool,
}

/// Which table a dependency comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    workspace_members: Vec<String>,
}

#[derive(Deserialize)]
struct MetaPackage {
    id: String,
    name: String,
    manifest_path: PathBuf,
    publish: Option<Vec<String>>,
    description: Option<String>,
    license: Option<String>,
    license_file: Option<String>,
    repository: Option<String>,
    readme: Option<String>,
    dependencies: Vec<MetaDep>,
}

#[derive(Deserialize)]
struct MetaDep {
    name: String,
    kind: Option<String>,
    req: String,
    path: Option<PathBuf>,
}

/// Reads the workspace members with `cargo metadata --format-version 1 --no-deps`, which
/// resolves `*.workspace = true` inheritance for us.
pub fn load(root: &Path) -> Result<Vec<Package>> {
    let json = cmd::read(&mut cmd::new(
        "cargo",
        &["metadata", "--format-version", "1", "--no-deps"],
        root,
    ))?;
    parse_metadata(&json)
}

fn parse_metadata(json: &str) -> Result<Vec<Package>> {
    let metadata: Metadata =
        serde_json::from_str(json).context("could not read `cargo metadata` output")?;
    let members: Vec<&MetaPackage> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let names: BTreeSet<&str> = members.iter().map(|p| p.name.as_str()).collect();
    Ok(members
        .iter()
        .map(|p| Package {
            name: p.name.clone(),
            manifest_path: p.manifest_path.clone(),
            publishable: p
                .publish
                .as_ref()
                .is_none_or(|registries| !registries.is_empty()),
            description: p.description.clone(),
            license: p.license.clone(),
            license_file: p.license_file.clone(),
            repository: p.repository.clone(),
            readme: p.readme.clone(),
            local_deps: p
                .dependencies
                .iter()
                .filter(|d| d.path.is_some() && names.contains(d.name.as_str()))
                .map(|d| LocalDep {
                    name: d.name.clone(),
                    kind: match d.kind.as_deref() {
                        Some("dev") => DepKind::Dev,
                        Some("build") => DepKind::Build,
                        _ => DepKind::Normal,
                    },
                    versioned: d.req != "*",
                })
                .collect(),
        })
        .collect())
}

fn present(field: &Option<String>) -> bool {
    field.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// Everything that stops the publishable crates from being published, one message each.
/// An empty list means the crates are ready.
pub fn publishing_problems(packages: &[Package]) -> Vec<String> {
    let publishable: HashMap<&str, bool> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.publishable))
        .collect();
    let mut problems = Vec::new();
    for package in packages.iter().filter(|p| p.publishable) {
        let name = &package.name;
        let manifest = package.manifest_path.display();
        let missing = |field: &str| {
            format!(
                "`{name}` is published but has no `{field}`: set it in {manifest} (or inherit \
                 it with `{field}.workspace = true`), or mark the crate `publish = false`"
            )
        };
        if !present(&package.description) {
            problems.push(missing("description"));
        }
        if !present(&package.license) && !present(&package.license_file) {
            problems.push(missing("license"));
        }
        if !present(&package.repository) {
            problems.push(missing("repository"));
        }
        match package.readme.as_deref().filter(|r| !r.trim().is_empty()) {
            None => problems.push(missing("readme")),
            Some(readme) => {
                let dir = package.manifest_path.parent().unwrap_or(Path::new("."));
                let path = dir.join(readme);
                if !path.is_file() {
                    problems.push(format!(
                        "`{name}` names the readme `{readme}` but {} does not exist; write it",
                        path.display()
                    ));
                }
            }
        }
        for dep in &package.local_deps {
            let dep_publishable = publishable.get(dep.name.as_str()).copied().unwrap_or(true);
            if dep.versioned && !dep_publishable {
                problems.push(format!(
                    "`{name}` depends on `{}` with a version, but `{}` is `publish = false`; \
                     publish it too, or (for a dev-dependency) drop the `version` so cargo leaves \
                     it out of the published manifest",
                    dep.name, dep.name
                ));
            }
            if !dep.versioned && dep.kind != DepKind::Dev {
                problems.push(format!(
                    "`{name}` depends on `{}` by path only; crates.io needs a version: add \
                     `version` next to `path` in the `[workspace.dependencies]` entry",
                    dep.name
                ));
            }
        }
    }
    problems
}

/// The publishable crates in an order where each comes after every workspace crate it needs
/// from the registry: its normal and build dependencies, and its dev-dependencies that carry
/// a version (crates.io resolves those too). Ties follow [`PREFERRED_ORDER`].
pub fn publish_order(packages: &[Package]) -> Result<Vec<String>> {
    let publishable: Vec<&Package> = packages.iter().filter(|p| p.publishable).collect();
    let is_publishable = |name: &str| publishable.iter().any(|p| p.name == name);
    let rank = |name: &str| {
        let position = PREFERRED_ORDER.iter().position(|n| *n == name);
        (position.unwrap_or(PREFERRED_ORDER.len()), name.to_string())
    };
    // Each crate with the publishable crates it waits for.
    let mut waiting: Vec<(&str, BTreeSet<&str>)> = publishable
        .iter()
        .map(|p| {
            let needs = p
                .local_deps
                .iter()
                .filter(|d| d.versioned && d.name != p.name && is_publishable(&d.name))
                .map(|d| d.name.as_str())
                .collect();
            (p.name.as_str(), needs)
        })
        .collect();

    let mut order: Vec<String> = Vec::new();
    while !waiting.is_empty() {
        let next = waiting
            .iter()
            .enumerate()
            .filter(|(_, (_, needs))| needs.is_empty())
            .min_by_key(|(_, (name, _))| rank(name))
            .map(|(index, _)| index);
        let Some(index) = next else {
            let stuck: Vec<&str> = waiting.iter().map(|(name, _)| *name).collect();
            bail!(
                "the publishable crates {} depend on each other in a cycle, so none can be \
                 published first; break it (a dev-dependency without `version` does not count)",
                stuck.join(", ")
            );
        };
        let (name, _) = waiting.remove(index);
        for (_, needs) in &mut waiting {
            needs.remove(name);
        }
        order.push(name.to_string());
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, deps: &[(&str, DepKind, bool)]) -> Package {
        Package {
            name: name.into(),
            manifest_path: PathBuf::from(format!("/ws/{name}/Cargo.toml")),
            publishable: true,
            description: Some("d".into()),
            license: Some("MIT".into()),
            license_file: None,
            repository: Some("https://example.org".into()),
            readme: None,
            local_deps: deps
                .iter()
                .map(|(n, kind, versioned)| LocalDep {
                    name: n.to_string(),
                    kind: *kind,
                    versioned: *versioned,
                })
                .collect(),
        }
    }

    #[test]
    fn orders_by_dependencies_then_the_documented_order() {
        use DepKind::*;
        let packages = vec![
            package(
                "pixelbin-cli",
                &[
                    ("pixelbin", Normal, true),
                    ("pixelbin-emulator", Normal, true),
                ],
            ),
            package(
                "pixelbin",
                &[
                    ("pixelbin-http", Normal, true),
                    ("pixelbin-url", Normal, true),
                    ("pixelbin-upload", Normal, true),
                    ("pixelbin-predictions", Normal, true),
                ],
            ),
            package(
                "pixelbin-upload",
                &[
                    ("pixelbin-http", Normal, true),
                    ("pixelbin-emulator", Dev, true),
                ],
            ),
            package(
                "pixelbin-predictions",
                &[
                    ("pixelbin-http", Normal, true),
                    ("pixelbin-emulator", Dev, false),
                ],
            ),
            package("pixelbin-emulator", &[("pixelbin-url", Normal, true)]),
            package("pixelbin-http", &[]),
            package("pixelbin-url", &[]),
            package("aaa-extra", &[]),
        ];
        assert_eq!(
            publish_order(&packages).unwrap(),
            [
                "pixelbin-url",
                "pixelbin-http",
                // predictions' dev-dependency on the emulator has no version: it is dropped.
                "pixelbin-predictions",
                // upload's versioned dev-dependency must be on the registry first.
                "pixelbin-emulator",
                "pixelbin-upload",
                "pixelbin",
                "pixelbin-cli",
                "aaa-extra",
            ]
        );
    }

    #[test]
    fn unpublished_crates_are_left_out_and_cycles_refused() {
        use DepKind::*;
        let mut tool = package("tool", &[("a", Normal, true)]);
        tool.publishable = false;
        let packages = vec![tool, package("a", &[])];
        assert_eq!(publish_order(&packages).unwrap(), ["a"]);

        let cycle = vec![
            package("a", &[("b", Normal, true)]),
            package("b", &[("a", Dev, true)]),
            package("c", &[]),
        ];
        let err = publish_order(&cycle).unwrap_err();
        assert!(
            err.to_string().contains("a, b depend on each other"),
            "{err}"
        );
    }

    #[test]
    fn reports_missing_metadata_and_bad_dependencies() {
        use DepKind::*;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "# a\n").unwrap();
        let mut good = package("good", &[]);
        good.manifest_path = dir.path().join("Cargo.toml");
        good.readme = Some("README.md".into());
        assert!(publishing_problems(std::slice::from_ref(&good)).is_empty());

        let mut bare = package("bare", &[("good", Normal, false), ("private", Dev, true)]);
        bare.description = None;
        bare.license = Some(" ".into());
        bare.repository = None;
        bare.readme = Some("README.md".into()); // /ws/bare/README.md does not exist
        let mut private = package("private", &[]);
        private.publishable = false;
        private.description = None;
        let problems = publishing_problems(&[good, bare, private]);
        let joined = problems.join("\n");
        assert_eq!(problems.len(), 6, "{joined}");
        for needle in [
            "`bare` is published but has no `description`",
            "has no `license`",
            "has no `repository`",
            "/ws/bare/README.md does not exist",
            "`bare` depends on `good` by path only",
            "`bare` depends on `private` with a version",
        ] {
            assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
        }
    }

    #[test]
    fn parses_cargo_metadata() {
        let json = r#"{"workspace_members": ["id-a", "id-b"], "packages": [
          {"id": "id-a", "name": "a", "manifest_path": "/w/a/Cargo.toml", "publish": null,
           "description": "A", "license": "MIT", "license_file": null,
           "repository": "https://r", "readme": "README.md", "dependencies": [
             {"name": "b", "kind": "dev", "req": "^0.1.0", "path": "/w/b"},
             {"name": "b", "kind": null, "req": "*", "path": "/w/b"},
             {"name": "serde", "kind": null, "req": "^1", "path": null}]},
          {"id": "id-b", "name": "b", "manifest_path": "/w/b/Cargo.toml", "publish": [],
           "description": null, "license": null, "license_file": null,
           "repository": null, "readme": null, "dependencies": []}]}"#;
        let packages = parse_metadata(json).unwrap();
        assert_eq!(packages.len(), 2);
        assert!(packages[0].publishable);
        assert!(!packages[1].publishable);
        assert_eq!(
            packages[0].local_deps,
            [
                LocalDep {
                    name: "b".into(),
                    kind: DepKind::Dev,
                    versioned: true
                },
                LocalDep {
                    name: "b".into(),
                    kind: DepKind::Normal,
                    versioned: false
                },
            ]
        );
    }
}
