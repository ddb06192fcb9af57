//! Where a job's outputs are saved: the one naming rule of single and bulk downloads.

use std::path::{Path, PathBuf};

/// The file output `index` of `count` of a job is saved to: `dir/<stem>.<ext>`, or
/// `dir/<stem>_<index>.<ext>` when the job has several outputs. `stem` is the input's path
/// below the folder it was found in, extension removed (`a/b/photo.jpg` -> `a/b/photo`), so
/// inputs keep their sub-folders; the extension is the output URL's (`bin` when it has none).
///
/// ```
/// use std::path::{Path, PathBuf};
/// use pixelbin_predictions::output_file;
/// let url = "https://cdn.example/outputs/result_0.png?sig=1";
/// assert_eq!(output_file(Path::new("out"), Path::new("a/photo.jpg"), url, 0, 1), PathBuf::from("out/a/photo.png"));
/// assert_eq!(output_file(Path::new("out"), Path::new("photo.jpg"), url, 1, 2), PathBuf::from("out/photo_1.png"));
/// ```
pub fn output_file(dir: &Path, stem: &Path, url: &str, index: usize, count: usize) -> PathBuf {
    let ext = url
        .split(['?', '#'])
        .next()
        .and_then(|path| path.rsplit('/').next())
        .and_then(|name| name.rsplit_once('.').map(|(_, ext)| ext))
        .filter(|ext| !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("bin");
    let mut name = stem.with_extension("").into_os_string();
    if count > 1 {
        name.push(format!("_{index}"));
    }
    name.push(format!(".{ext}"));
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_named_after_the_input() {
        let dir = Path::new("out");
        let url = "http://h/predictions/outputs/x/result_0.png?pbs=1";
        assert_eq!(
            output_file(dir, Path::new("a/b/photo.jpg"), url, 0, 1),
            PathBuf::from("out/a/b/photo.png")
        );
        assert_eq!(
            output_file(dir, Path::new("noext"), "http://h/x", 0, 1),
            PathBuf::from("out/noext.bin")
        );
        assert_eq!(
            output_file(dir, Path::new("x"), "http://h/a.b/c", 0, 1),
            PathBuf::from("out/x.bin")
        );
    }
}
