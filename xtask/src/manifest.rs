//! Version bumps applied to `Cargo.toml` text.
//!
//! Edits go through `toml_edit` so comments, ordering and formatting survive. The functions
//! are pure (text in, text out) so they are tested without touching a disk.

use std::fmt;

use anyhow::{Context, Result, bail};
use toml_edit::{DocumentMut, TableLike, Value};

use crate::version::Version;

/// Dependency tables of a package manifest (also found under `[target.<cfg>]`).
const DEPENDENCY_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// One value a bump rewrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Dotted TOML path of the value, such as `workspace.dependencies.pixelbin-url.version`.
    pub location: String,
    /// The value before the bump.
    pub old: String,
    /// The value after the bump.
    pub new: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: \"{}\" -> \"{}\"", self.location, self.old, self.new)
    }
}

fn parse(text: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>()
        .context("the manifest is not valid TOML")
}

/// Reads the shared version, `[workspace.package] version`, from the root manifest.
pub fn workspace_version(root_manifest: &str) -> Result<Version> {
    let doc = parse(root_manifest)?;
    let version = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .context(
            "the root Cargo.toml has no `[workspace.package] version = \"X.Y.Z\"`; \
             the release command bumps that one shared version, so add it",
        )?;
    version
        .parse()
        .context("`[workspace.package] version` in the root Cargo.toml")
}

/// Whether a package manifest takes its version from the workspace (`version.workspace = true`).
pub fn inherits_version(package_manifest: &str) -> Result<bool> {
    let doc = parse(package_manifest)?;
    Ok(doc
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_table_like())
        .and_then(|t| t.get("workspace"))
        .and_then(|w| w.as_bool())
        == Some(true))
}

/// Bumps the root manifest: `[workspace.package] version`, then the `version` of every
/// `[workspace.dependencies]` entry that points at a workspace crate by `path`, plus any such
/// pin in the root package's own dependency tables.
///
/// `crates` holds the package names of the workspace members.
pub fn bump_root(text: &str, crates: &[String], new: Version) -> Result<(String, Vec<Change>)> {
    let mut doc = parse(text)?;
    let mut changes = Vec::new();

    let value = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("package"))
        .and_then(|p| p.get_mut("version"))
        .and_then(|v| v.as_value_mut())
        .context("the root Cargo.toml has no `[workspace.package] version`")?;
    let old = value
        .as_str()
        .context("`[workspace.package] version` must be a string")?
        .to_string();
    set_string(value, &new.to_string());
    changes.push(Change {
        location: "workspace.package.version".into(),
        old,
        new: new.to_string(),
    });

    if let Some(deps) = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(|d| d.as_table_like_mut())
    {
        bump_dependency_table(deps, "workspace.dependencies", crates, new, &mut changes)?;
    }
    bump_package_dependencies(&mut doc, crates, new, &mut changes)?;
    Ok((doc.to_string(), changes))
}

/// Bumps a member manifest: the `version` of every dependency that points at a workspace
/// crate by `path` with a version pinned right there (not through `workspace = true`), in any
/// dependency table including `[target.<cfg>.*]`. Unchanged text comes back when there is none.
pub fn bump_member(text: &str, crates: &[String], new: Version) -> Result<(String, Vec<Change>)> {
    let mut doc = parse(text)?;
    let mut changes = Vec::new();
    bump_package_dependencies(&mut doc, crates, new, &mut changes)?;
    if changes.is_empty() {
        // Round-tripping is lossless, but returning the input says "untouched" plainly.
        return Ok((text.to_string(), changes));
    }
    Ok((doc.to_string(), changes))
}

fn bump_package_dependencies(
    doc: &mut DocumentMut,
    crates: &[String],
    new: Version,
    changes: &mut Vec<Change>,
) -> Result<()> {
    for kind in DEPENDENCY_TABLES {
        if let Some(deps) = doc.get_mut(kind).and_then(|d| d.as_table_like_mut()) {
            bump_dependency_table(deps, kind, crates, new, changes)?;
        }
    }
    if let Some(targets) = doc.get_mut("target").and_then(|t| t.as_table_like_mut()) {
        for (cfg, target) in targets.iter_mut() {
            let cfg = cfg.get().to_string();
            for kind in DEPENDENCY_TABLES {
                if let Some(deps) = target.get_mut(kind).and_then(|d| d.as_table_like_mut()) {
                    let prefix = format!("target.{cfg}.{kind}");
                    bump_dependency_table(deps, &prefix, crates, new, changes)?;
                }
            }
        }
    }
    Ok(())
}

fn bump_dependency_table(
    deps: &mut dyn TableLike,
    prefix: &str,
    crates: &[String],
    new: Version,
    changes: &mut Vec<Change>,
) -> Result<()> {
    for (key, item) in deps.iter_mut() {
        let key = key.get().to_string();
        // `name = "1.0"` is a registry dependency: nothing local to keep in step.
        let Some(dep) = item.as_table_like_mut() else {
            continue;
        };
        let name = dep
            .get("package")
            .and_then(|p| p.as_str())
            .unwrap_or(&key)
            .to_string();
        // Only path dependencies on members follow the workspace version; a registry
        // dependency on an older published release of a member is deliberate.
        if !crates.contains(&name) || !dep.contains_key("path") {
            continue;
        }
        let Some(value) = dep.get_mut("version").and_then(|v| v.as_value_mut()) else {
            continue;
        };
        let location = format!("{prefix}.{key}.version");
        let old = value
            .as_str()
            .with_context(|| format!("`{location}` must be a string"))?
            .to_string();
        let bumped = bump_requirement(&old, new).with_context(|| format!("`{location}`"))?;
        if bumped != old {
            set_string(value, &bumped);
            changes.push(Change {
                location,
                old,
                new: bumped,
            });
        }
    }
    Ok(())
}

/// Replaces the version in a single requirement, keeping its operator: `"=0.1.0"` becomes
/// `"=0.2.0"`, `"0.1"` becomes `"0.2.0"`.
pub fn bump_requirement(requirement: &str, new: Version) -> Result<String> {
    let requirement = requirement.trim();
    if requirement.contains(',') {
        bail!(
            "`{requirement}` combines several requirements; pin inter-crate dependencies \
             with one version such as \"{new}\""
        );
    }
    let Some(start) = requirement.find(|c: char| c.is_ascii_digit()) else {
        bail!("`{requirement}` holds no version to bump; write one such as \"{new}\"");
    };
    Ok(format!("{}{new}", &requirement[..start]))
}

/// Overwrites a string value, keeping the whitespace and comments around it.
fn set_string(value: &mut Value, new: &str) {
    let decor = value.decor().clone();
    *value = Value::from(new);
    *value.decor_mut() = decor;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crates() -> Vec<String> {
        vec!["alpha".into(), "beta".into()]
    }

    const ROOT: &str = r#"[workspace]
members = ["alpha", "beta"]

[workspace.package]
version = "0.4.1" # shared by every crate
license = "MIT"

[workspace.dependencies]
# Workspace crates
alpha = { path = "alpha", version = "0.4.1", default-features = false }
beta = { path = "beta", version = "=0.4.1" }
# An older alpha from the registry, on purpose.
alpha-old = { package = "alpha", version = "0.3" }
serde = { version = "1", features = ["derive"] }
anyhow = "1"
"#;

    #[test]
    fn reads_the_workspace_version() {
        assert_eq!(workspace_version(ROOT).unwrap(), Version::new(0, 4, 1));
        let err = workspace_version("[workspace]\nmembers = []\n").unwrap_err();
        assert!(
            err.to_string().contains("[workspace.package] version"),
            "{err}"
        );
    }

    #[test]
    fn bumps_root_version_and_workspace_crate_entries_only() {
        let (text, changes) = bump_root(ROOT, &crates(), Version::new(0, 5, 0)).unwrap();
        let expected = ROOT
            .replace(
                "version = \"0.4.1\" # shared",
                "version = \"0.5.0\" # shared",
            )
            .replace(
                "path = \"alpha\", version = \"0.4.1\"",
                "path = \"alpha\", version = \"0.5.0\"",
            )
            .replace("version = \"=0.4.1\"", "version = \"=0.5.0\"");
        assert_eq!(text, expected);
        let locations: Vec<&str> = changes.iter().map(|c| c.location.as_str()).collect();
        assert_eq!(
            locations,
            [
                "workspace.package.version",
                "workspace.dependencies.alpha.version",
                "workspace.dependencies.beta.version",
            ]
        );
        assert_eq!(
            changes[2].to_string(),
            "workspace.dependencies.beta.version: \"=0.4.1\" -> \"=0.5.0\""
        );
    }

    #[test]
    fn bumps_direct_pins_in_member_tables() {
        let member = r#"[package]
name = "gamma"
version.workspace = true

[dependencies]
alpha.workspace = true
beta = { path = "../beta", version = "0.4.1" }
renamed = { package = "alpha", path = "../alpha", version = "0.4.1" }
serde = "1"

[dev-dependencies.alpha]
path = "../alpha"
version = "0.4.1" # keep this comment

[target.'cfg(unix)'.build-dependencies]
beta = { path = "../beta", version = "~0.4" }
"#;
        let (text, changes) = bump_member(member, &crates(), Version::new(1, 0, 0)).unwrap();
        assert!(!text.contains("0.4"), "{text}");
        assert!(text.contains("version = \"1.0.0\" # keep this comment"));
        assert!(text.contains("version = \"~1.0.0\""));
        assert!(text.contains("alpha.workspace = true"));
        assert!(text.contains("serde = \"1\""));
        let locations: Vec<&str> = changes.iter().map(|c| c.location.as_str()).collect();
        assert_eq!(
            locations,
            [
                "dependencies.beta.version",
                "dependencies.renamed.version",
                "dev-dependencies.alpha.version",
                "target.cfg(unix).build-dependencies.beta.version",
            ]
        );
    }

    #[test]
    fn member_without_pins_is_untouched() {
        let member = "[package]\nname = \"x\"\nversion.workspace = true\n\n[dependencies]\nalpha.workspace = true\n";
        let (text, changes) = bump_member(member, &crates(), Version::new(9, 9, 9)).unwrap();
        assert_eq!(text, member);
        assert!(changes.is_empty());
    }

    #[test]
    fn detects_version_inheritance() {
        assert!(inherits_version("[package]\nname = \"a\"\nversion.workspace = true\n").unwrap());
        assert!(
            inherits_version("[package]\nname = \"a\"\nversion = { workspace = true }\n").unwrap()
        );
        assert!(!inherits_version("[package]\nname = \"a\"\nversion = \"0.1.0\"\n").unwrap());
        assert!(!inherits_version("[package]\nname = \"a\"\n").unwrap());
        assert!(inherits_version("[package\n").is_err());
    }

    #[test]
    fn requirement_bumps_keep_the_operator() {
        let v = Version::new(0, 2, 0);
        assert_eq!(bump_requirement("0.1.0", v).unwrap(), "0.2.0");
        assert_eq!(bump_requirement("=0.1.0", v).unwrap(), "=0.2.0");
        assert_eq!(bump_requirement("^0.1", v).unwrap(), "^0.2.0");
        assert!(bump_requirement(">=0.1, <0.3", v).is_err());
        assert!(bump_requirement("*", v).is_err());
    }

    #[test]
    fn rejects_non_string_versions() {
        let root = "[workspace.package]\nversion = \"0.1.0\"\n[workspace.dependencies]\nalpha = { path = \"alpha\", version = 1 }\n";
        let err = bump_root(root, &crates(), Version::new(0, 2, 0)).unwrap_err();
        assert!(
            err.to_string()
                .contains("workspace.dependencies.alpha.version")
        );
    }
}
