//! `cargo xtask release` on a throwaway copy of a tiny workspace: two published crates, one
//! `publish = false` tool, a changelog, in a fresh git repository.

use std::fs;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;
use xtask::release::{self, Options};
use xtask::version::{Bump, Version};
use xtask::workspace;

const ROOT: &str = r#"[workspace]
resolver = "3"
members = ["crates/alpha", "crates/beta", "tools/gamma"]

[workspace.package]
version = "0.3.0" # the one shared version
edition = "2024"
license = "MIT OR Apache-2.0"
repository = "https://example.org/fake"

[workspace.dependencies]
# Workspace crates
alpha = { path = "crates/alpha", version = "0.3.0" }
beta = { path = "crates/beta", version = "0.3.0", default-features = false }
"#;

const ALPHA: &str = r#"[package]
name = "alpha"
description = "The base crate."
readme = "README.md"
version.workspace = true
edition.workspace = true
license.workspace = true
repository.workspace = true
"#;

const BETA: &str = r#"[package]
name = "beta"
description = "Builds on alpha."
readme = "README.md"
version.workspace = true
edition.workspace = true
license.workspace = true
repository.workspace = true

[dependencies]
alpha.workspace = true
"#;

const GAMMA: &str = r#"[package]
name = "gamma"
publish = false
version.workspace = true
edition.workspace = true

[dependencies]
# Pinned right here rather than through the workspace.
alpha = { path = "../../crates/alpha", version = "=0.3.0" }
beta.workspace = true
"#;

const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- `beta`: a new call.\n\n## [0.3.0] - 2024-01-01\n\n- First release.\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn read(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(path)).unwrap()
}

/// A committed fake workspace. `tweak` edits it before the commit.
fn workspace_with(tweak: impl FnOnce(&Path)) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", ROOT);
    write(root, "CHANGELOG.md", CHANGELOG);
    for (name, manifest) in [
        ("crates/alpha", ALPHA),
        ("crates/beta", BETA),
        ("tools/gamma", GAMMA),
    ] {
        write(root, &format!("{name}/Cargo.toml"), manifest);
        write(root, &format!("{name}/src/lib.rs"), "//! A crate.\n");
    }
    write(root, "crates/alpha/README.md", "# alpha\n");
    write(root, "crates/beta/README.md", "# beta\n");
    tweak(root);
    git(root, &["init", "--quiet"]);
    git(root, &["config", "user.name", "Release Test"]);
    git(root, &["config", "user.email", "release@example.org"]);
    git(root, &["config", "commit.gpgsign", "false"]);
    git(root, &["config", "tag.gpgsign", "false"]);
    git(root, &["add", "--all"]);
    git(root, &["commit", "--quiet", "--message", "initial"]);
    dir
}

fn workspace() -> TempDir {
    workspace_with(|_| {})
}

fn snapshot(root: &Path) -> Vec<String> {
    [
        "Cargo.toml",
        "CHANGELOG.md",
        "crates/alpha/Cargo.toml",
        "crates/beta/Cargo.toml",
        "tools/gamma/Cargo.toml",
    ]
    .iter()
    .map(|p| read(root, p))
    .collect()
}

#[test]
fn bumps_every_version_dates_the_changelog_commits_and_tags() {
    let dir = workspace();
    let root = dir.path();

    let plan = release::plan(root, Bump::Minor, "2025-06-01", false).unwrap();
    assert_eq!(plan.current, Version::new(0, 3, 0));
    assert_eq!(plan.new, Version::new(0, 4, 0));
    assert_eq!(plan.order, ["alpha", "beta"]);
    assert!(!plan.resume);
    let edited: Vec<_> = plan
        .edits
        .iter()
        .map(|e| {
            e.path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        edited,
        ["Cargo.toml", "tools/gamma/Cargo.toml", "CHANGELOG.md"]
    );

    release::apply(&plan).unwrap();
    assert_eq!(
        read(root, "Cargo.toml"),
        ROOT.replace("0.3.0", "0.4.0"),
        "only the versions change; comments and layout stay"
    );
    assert_eq!(
        read(root, "tools/gamma/Cargo.toml"),
        GAMMA.replace("=0.3.0", "=0.4.0")
    );
    assert_eq!(read(root, "crates/beta/Cargo.toml"), BETA);
    assert_eq!(
        read(root, "CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n## [0.4.0] - 2025-06-01\n\n### Added\n\n- `beta`: a new call.\n\n## [0.3.0] - 2024-01-01\n\n- First release.\n"
    );

    // Cargo agrees: every member is now 0.4.0 and still resolves its local dependencies.
    let metadata = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let json = String::from_utf8_lossy(&metadata.stdout);
    assert_eq!(json.matches("\"version\":\"0.4.0\"").count(), 3, "{json}");
    assert!(!json.contains("0.3.0"), "{json}");

    release::commit_and_tag(root, plan.new).unwrap();
    assert_eq!(
        git(root, &["log", "-1", "--format=%s"]).trim(),
        "release: v0.4.0"
    );
    assert_eq!(git(root, &["tag", "--points-at", "HEAD"]).trim(), "v0.4.0");
    assert_eq!(
        release::git_status(root).unwrap(),
        "",
        "the commit takes every edit"
    );

    // A rerun for the tagged version only publishes; without --publish it is refused.
    let resume = release::plan(root, Bump::Exact(plan.new), "2025-06-02", true).unwrap();
    assert!(resume.resume);
    assert!(resume.edits.is_empty());
    assert_eq!(resume.order, ["alpha", "beta"]);
    let err = release::plan(root, Bump::Exact(plan.new), "2025-06-02", false).unwrap_err();
    assert!(
        err.to_string()
            .contains("not greater than the current 0.4.0"),
        "{err}"
    );
}

#[test]
fn dry_run_writes_nothing() {
    let dir = workspace();
    let root = dir.path();
    let before = snapshot(root);
    let options = Options {
        bump: Bump::Patch,
        dry_run: true,
        publish: false,
        skip_ci: true,
    };
    release::run(root, options).unwrap();
    assert_eq!(snapshot(root), before);
    assert_eq!(release::git_status(root).unwrap(), "");
    assert_eq!(git(root, &["tag"]).trim(), "");
    assert_eq!(git(root, &["log", "--format=%s"]).trim(), "initial");
}

#[test]
fn refuses_a_dirty_work_tree() {
    let dir = workspace();
    let root = dir.path();
    write(root, "notes.txt", "uncommitted\n");
    let before = snapshot(root);
    let options = Options {
        bump: Bump::Patch,
        dry_run: false,
        publish: false,
        skip_ci: true,
    };
    let err = release::run(root, options).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("uncommitted changes"), "{message}");
    assert!(message.contains("notes.txt"), "{message}");
    assert_eq!(snapshot(root), before);

    // A modified tracked file counts as well.
    fs::remove_file(root.join("notes.txt")).unwrap();
    write(root, "crates/alpha/src/lib.rs", "//! Changed.\n");
    assert!(release::run(root, options).is_err());
}

#[test]
fn refuses_a_version_not_greater_than_the_current() {
    let dir = workspace();
    for version in [Version::new(0, 3, 0), Version::new(0, 2, 9)] {
        let err = release::plan(dir.path(), Bump::Exact(version), "d", false).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("{version} is not greater than the current 0.3.0")),
            "{err}"
        );
    }
    assert_eq!(
        release::plan(dir.path(), Bump::Exact(Version::new(0, 3, 1)), "d", false)
            .unwrap()
            .new,
        Version::new(0, 3, 1)
    );
}

#[test]
fn refuses_missing_metadata_and_readme() {
    let dir = workspace_with(|root| {
        write(
            root,
            "crates/beta/Cargo.toml",
            &BETA.replace("description = \"Builds on alpha.\"\n", ""),
        );
        fs::remove_file(root.join("crates/alpha/README.md")).unwrap();
    });
    let err = release::plan(dir.path(), Bump::Patch, "d", false).unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("release refused:"), "{message}");
    assert!(
        message.contains("`beta` is published but has no `description`"),
        "{message}"
    );
    assert!(
        message.contains("crates/alpha/README.md does not exist"),
        "{message}"
    );
    // gamma has no description either, but it is `publish = false`.
    assert!(!message.contains("gamma"), "{message}");
}

#[test]
fn inherited_metadata_must_exist_in_the_workspace() {
    let dir = workspace_with(|root| {
        write(
            root,
            "Cargo.toml",
            &ROOT.replace("repository = \"https://example.org/fake\"\n", ""),
        );
        for name in ["alpha", "beta"] {
            let path = format!("crates/{name}/Cargo.toml");
            let text = read(root, &path).replace("repository.workspace = true\n", "");
            write(root, &path, &text);
        }
    });
    let err = release::plan(dir.path(), Bump::Patch, "d", false).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`alpha` is published but has no `repository`"),
        "{message}"
    );
    assert!(
        message.contains("`beta` is published but has no `repository`"),
        "{message}"
    );
}

#[test]
fn refuses_a_crate_with_its_own_version_and_an_existing_tag() {
    let dir = workspace_with(|root| {
        write(
            root,
            "tools/gamma/Cargo.toml",
            &GAMMA.replace("version.workspace = true", "version = \"0.3.0\""),
        );
    });
    git(dir.path(), &["tag", "v0.3.1"]);
    let err = release::plan(dir.path(), Bump::Patch, "d", false).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`gamma` does not take the workspace version"),
        "{message}"
    );
    assert!(
        message.contains("the tag v0.3.1 already exists"),
        "{message}"
    );
}

#[test]
fn refuses_an_empty_unreleased_section() {
    let dir = workspace_with(|root| {
        write(
            root,
            "CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\n## [0.3.0] - 2024-01-01\n\n- First.\n",
        );
    });
    let err = release::plan(dir.path(), Bump::Patch, "d", false).unwrap_err();
    assert!(
        err.to_string().contains("nothing under `## [Unreleased]`"),
        "{err}"
    );
}

#[test]
fn loads_the_fake_workspace_through_cargo_metadata() {
    let dir = workspace();
    let packages = workspace::load(dir.path()).unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert_eq!(
        packages.iter().map(|p| p.publishable).collect::<Vec<_>>(),
        [true, true, false]
    );
    // Inherited from [workspace.package].
    assert_eq!(packages[1].license.as_deref(), Some("MIT OR Apache-2.0"));
}
