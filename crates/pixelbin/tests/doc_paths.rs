//! The facade stands alone: its docs, README and examples name items by `pixelbin::` paths, so a
//! snippet pasted into an app that depends on `pixelbin` compiles (the layer crates are an
//! implementation detail of this one).

use std::path::{Path, PathBuf};

const LAYERS: [&str; 5] = [
    "pixelbin_http::",
    "pixelbin_url::",
    "pixelbin_upload::",
    "pixelbin_predictions::",
    "pixelbin_platform::",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines a user reads: doc comments of the sources, every line of the README and examples.
fn user_facing_lines(path: &Path, docs_only: bool) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            !docs_only || line.starts_with("///") || line.starts_with("//!")
        })
        .map(|(n, line)| (n + 1, line.to_string()))
        .collect()
}

#[test]
fn docs_readme_and_examples_use_pixelbin_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = Vec::new();
    let mut sources = Vec::new();
    rust_files(&root.join("src"), &mut sources);
    for path in sources {
        checked.push((path, true));
    }
    let mut examples = Vec::new();
    rust_files(&root.join("examples"), &mut examples);
    for path in examples {
        checked.push((path, false));
    }
    checked.push((root.join("README.md"), false));
    assert!(checked.len() > 10, "{checked:?}");

    let mut found = Vec::new();
    for (path, docs_only) in &checked {
        for (line_no, line) in user_facing_lines(path, *docs_only) {
            if LAYERS.iter().any(|layer| line.contains(layer)) {
                found.push(format!("{}:{line_no}: {line}", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "use pixelbin:: paths:\n{}",
        found.join("\n")
    );
}

#[test]
fn examples_are_self_contained() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut examples = Vec::new();
    rust_files(&root, &mut examples);
    for path in examples {
        assert_eq!(path.parent(), Some(root.as_path()), "{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("\nmod "),
            "{} shares a module",
            path.display()
        );
    }
}
