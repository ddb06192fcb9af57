//! `cargo xtask release`: bump, date the changelog, gate, package, commit, tag, publish.
//!
//! The work splits into [`plan`] (every check, and the new file contents, computed without
//! writing anything), [`apply`] (write the files) and the git and cargo steps around them, so
//! a dry run is simply "plan and print".

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::version::{Bump, Version};
use crate::{changelog, ci, cmd, manifest, workspace};

/// What the user asked `cargo xtask release` to do.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How to pick the new version.
    pub bump: Bump,
    /// Write nothing, print what would happen.
    pub dry_run: bool,
    /// Publish to crates.io after tagging.
    pub publish: bool,
    /// Skip the ci gate (for trying the command out, never for a real release).
    pub skip_ci: bool,
}

/// A file the release rewrites.
#[derive(Debug, Clone)]
pub struct FileEdit {
    /// The file.
    pub path: PathBuf,
    /// Its new content.
    pub text: String,
    /// What changes, one line each, for the dry run and the log.
    pub changes: Vec<String>,
}

/// Everything a release will do, computed and checked before anything is written.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The workspace version today.
    pub current: Version,
    /// The version being released.
    pub new: Version,
    /// Manifest and changelog rewrites (empty when resuming).
    pub edits: Vec<FileEdit>,
    /// The publishable crates in publishing order.
    pub order: Vec<String>,
    /// The version is already committed and tagged at HEAD: only publishing is left to do.
    pub resume: bool,
}

/// The tag of a version.
pub fn tag_name(version: Version) -> String {
    format!("v{version}")
}

/// Runs a whole release in the workspace at `root`.
pub fn run(root: &Path, options: Options) -> Result<()> {
    let dirty = git_status(root)?;
    if !dirty.is_empty() {
        const SHOWN: usize = 10;
        let lines: Vec<&str> = dirty.lines().collect();
        let mut listing = lines[..lines.len().min(SHOWN)].join("\n");
        if lines.len() > SHOWN {
            listing.push_str(&format!("\n... and {} more", lines.len() - SHOWN));
        }
        let message = format!(
            "the work tree has uncommitted changes; commit or stash them first:\n{listing}"
        );
        if !options.dry_run {
            bail!("release refused: {message}");
        }
        println!("note: a real run would refuse: {message}\n");
    }

    let plan = plan(root, options.bump, &changelog::today_utc(), options.publish)?;
    print_plan(root, &plan);
    let tag = tag_name(plan.new);

    if plan.resume {
        println!("\n{tag} is already committed and tagged at HEAD: only publishing is left.");
        return publish(root, &plan, options.dry_run);
    }

    let mut packaging = package_command(root, &plan.order);
    if options.dry_run {
        println!("\nwould run:");
        if options.skip_ci {
            println!("  (the ci gate is skipped: --skip-ci)");
        } else {
            for step in ci::STEPS {
                println!("  {}", cmd::display(&step.command(root)));
            }
        }
        println!("  (write the files above)");
        println!("  cargo update --workspace");
        println!("  {}", cmd::display(&packaging));
        for command in commit_commands(root, plan.new) {
            println!("  {}", cmd::display(&command));
        }
        if options.publish {
            publish(root, &plan, true)?;
        } else {
            println!("  (no publishing: pass --publish to publish to crates.io)");
        }
        println!("\ndry run: nothing was written; drop --dry-run to release {tag}.");
        return Ok(());
    }

    // The gate runs before anything is written, so a failure leaves the tree untouched.
    if options.skip_ci {
        println!("\n==> skipping the ci gate (--skip-ci)");
    } else {
        ci::run(root, &[])?;
    }

    apply(&plan)?;
    let undo = "the manifests and CHANGELOG.md are already rewritten; undo with \
                `git checkout -- .` before retrying";
    // Refresh the workspace crates' versions in Cargo.lock so the commit carries them.
    cmd::run(&mut cmd::new("cargo", &["update", "--workspace"], root))
        .with_context(|| undo.to_string())?;
    // One invocation for all crates: cargo then verifies each against the others' freshly
    // packaged versions, before any of them is on crates.io. The tree is dirty with our own
    // edits at this point, hence --allow-dirty.
    println!("\npackaging in publishing order: {}", plan.order.join(", "));
    cmd::run(&mut packaging).with_context(|| undo.to_string())?;
    commit_and_tag(root, plan.new)?;

    if options.publish {
        publish(root, &plan, false)
    } else {
        println!(
            "\nreleased {tag} locally. Push with `git push --follow-tags`, then publish with \
             `cargo xtask release {} --publish`.",
            plan.new
        );
        Ok(())
    }
}

/// Checks the workspace and computes the release: the new version, the manifest and
/// changelog rewrites and the publishing order. Writes nothing.
///
/// `allow_resume` accepts the current version when its tag already points at HEAD (a
/// `--publish` rerun after a failed publish).
pub fn plan(root: &Path, bump: Bump, date: &str, allow_resume: bool) -> Result<Plan> {
    let root_manifest_path = root.join("Cargo.toml");
    let root_text = read(&root_manifest_path)?;
    let current = manifest::workspace_version(&root_text)?;
    let new = current.bumped(bump)?;
    let packages = workspace::load(root)?;
    let crates: Vec<String> = packages.iter().map(|p| p.name.clone()).collect();

    let mut problems = workspace::publishing_problems(&packages);
    let resume = new == current && allow_resume && tag_at_head(root, new)?;
    if new <= current && !resume {
        problems.push(format!(
            "the new version {new} is not greater than the current {current}; pick a higher \
             one (to finish publishing a release already tagged at HEAD, rerun with its exact \
             version and --publish)"
        ));
    } else if !resume && tag_exists(root, new)? {
        problems.push(format!(
            "the tag {} already exists; pick another version",
            tag_name(new)
        ));
    }

    let mut edits = Vec::new();
    if !resume {
        let (text, changes) = manifest::bump_root(&root_text, &crates, new)
            .with_context(|| format!("in {}", root_manifest_path.display()))?;
        edits.push(FileEdit {
            path: root_manifest_path.clone(),
            text,
            changes: changes.iter().map(ToString::to_string).collect(),
        });
        for package in &packages {
            let path = &package.manifest_path;
            if *path == root_manifest_path {
                continue;
            }
            let text = read(path)?;
            if !manifest::inherits_version(&text)? {
                problems.push(format!(
                    "`{}` does not take the workspace version; write `version.workspace = true` \
                     in {} so one bump covers every crate",
                    package.name,
                    path.display()
                ));
            }
            let (new_text, changes) = manifest::bump_member(&text, &crates, new)
                .with_context(|| format!("in {}", path.display()))?;
            if !changes.is_empty() {
                edits.push(FileEdit {
                    path: path.clone(),
                    text: new_text,
                    changes: changes.iter().map(ToString::to_string).collect(),
                });
            }
        }
        let changelog_path = root.join("CHANGELOG.md");
        match read(&changelog_path).and_then(|text| changelog::release(&text, new, date)) {
            Ok(text) => edits.push(FileEdit {
                path: changelog_path,
                text,
                changes: vec![format!(
                    "the `## [Unreleased]` notes move under `## [{new}] - {date}`; a fresh empty \
                     `## [Unreleased]` goes above"
                )],
            }),
            Err(error) => problems.push(format!("{error:#}")),
        }
    }

    let order = match workspace::publish_order(&packages) {
        Ok(order) => order,
        Err(error) => {
            problems.push(format!("{error:#}"));
            Vec::new()
        }
    };
    if !problems.is_empty() {
        bail!("release refused:\n  - {}", problems.join("\n  - "));
    }
    Ok(Plan {
        current,
        new,
        edits,
        order,
        resume,
    })
}

/// Writes the planned files.
pub fn apply(plan: &Plan) -> Result<()> {
    for edit in &plan.edits {
        fs::write(&edit.path, &edit.text)
            .with_context(|| format!("could not write {}", edit.path.display()))?;
    }
    Ok(())
}

fn print_plan(root: &Path, plan: &Plan) {
    if plan.resume {
        println!("release: {} (already committed and tagged)", plan.new);
    } else {
        println!("release: {} -> {}", plan.current, plan.new);
    }
    for edit in &plan.edits {
        let path = edit.path.strip_prefix(root).unwrap_or(&edit.path);
        println!("{}:", path.display());
        for change in &edit.changes {
            println!("  {change}");
        }
    }
    println!("publishing order:");
    for (index, name) in plan.order.iter().enumerate() {
        println!("  {}. {name}", index + 1);
    }
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

fn package_command(root: &Path, order: &[String]) -> std::process::Command {
    let mut args = vec!["package", "--allow-dirty"];
    for name in order {
        args.extend(["-p", name.as_str()]);
    }
    cmd::new("cargo", &args, root)
}

/// `git status --porcelain`: empty when the work tree is clean (untracked files count).
pub fn git_status(root: &Path) -> Result<String> {
    cmd::read(&mut cmd::new("git", &["status", "--porcelain"], root))
        .context("could not check the work tree; is this a git repository?")
}

fn tag_exists(root: &Path, version: Version) -> Result<bool> {
    let reference = format!("refs/tags/{}", tag_name(version));
    let output = cmd::capture(&mut cmd::new(
        "git",
        &["rev-parse", "--quiet", "--verify", &reference],
        root,
    ))?;
    Ok(output.success)
}

fn tag_at_head(root: &Path, version: Version) -> Result<bool> {
    let tagged = format!("refs/tags/{}^{{commit}}", tag_name(version));
    let commit_of = |reference: &str| -> Result<Option<String>> {
        let output = cmd::capture(&mut cmd::new(
            "git",
            &["rev-parse", "--quiet", "--verify", reference],
            root,
        ))?;
        Ok(output.success.then(|| output.stdout.trim().to_string()))
    };
    Ok(match (commit_of(&tagged)?, commit_of("HEAD")?) {
        (Some(tag), Some(head)) => tag == head,
        _ => false,
    })
}

fn commit_commands(root: &Path, version: Version) -> [std::process::Command; 2] {
    let tag = tag_name(version);
    let message = format!("release: {tag}");
    [
        cmd::new("git", &["commit", "--all", "--message", &message], root),
        cmd::new(
            "git",
            &["tag", "--annotate", &tag, "--message", &message],
            root,
        ),
    ]
}

/// Commits every tracked change as `release: vX.Y.Z` and tags it `vX.Y.Z`.
pub fn commit_and_tag(root: &Path, version: Version) -> Result<()> {
    for mut command in commit_commands(root, version) {
        cmd::run(&mut command)?;
    }
    Ok(())
}

/// Publishes the crates in order, skipping those whose version crates.io already has, so a
/// failed run can simply be rerun.
fn publish(root: &Path, plan: &Plan, dry_run: bool) -> Result<()> {
    println!();
    for name in &plan.order {
        let spec = format!("{name}@{}", plan.new);
        if on_crates_io(root, &spec)? {
            println!("==> {spec} is already on crates.io, skipping");
            continue;
        }
        let mut command = cmd::new("cargo", &["publish", "-p", name], root);
        if dry_run {
            println!("would run: {}", cmd::display(&command));
            continue;
        }
        cmd::run(&mut command).with_context(|| {
            format!(
                "publishing stopped at {name}; fix the cause and rerun `cargo xtask release {} \
                 --publish` from the release commit: crates already on crates.io are skipped",
                plan.new
            )
        })?;
    }
    if !dry_run {
        println!("published {} to crates.io", tag_name(plan.new));
    }
    Ok(())
}

/// Whether crates.io has `name@version`, asked through `cargo info`. "Could not find" means
/// no; any other failure (say, no network) is an error rather than a guess.
fn on_crates_io(root: &Path, spec: &str) -> Result<bool> {
    // `--registry` makes cargo ask crates.io rather than describe the local workspace member.
    let output = cmd::capture(&mut cmd::new(
        "cargo",
        &["info", spec, "--registry", "crates-io"],
        root,
    ))?;
    if output.success {
        return Ok(true);
    }
    if output.stderr.contains("could not find") {
        return Ok(false);
    }
    bail!(
        "could not ask crates.io whether {spec} is published: {}",
        output.stderr.trim()
    )
}
