//! The service's rules for stored names and folders, in one place: the name and format a local
//! file is uploaded under by default, what a name becomes once stored, how remote paths join,
//! and which remote folder paths are refused before anything is sent.
//! The SDK's uploads (`pixelbin_upload::stored_name`) and the emulator's store both name
//! files by these rules, so a name the SDK predicts is the name the emulator stores.
//!
//! Two local files that map to one stored name would overwrite each other (or the second would
//! be refused with a 409 after its bytes were sent), so bulk uploads compare these names before
//! they start.

use std::fmt;
use std::path::Path;

/// Why a name or folder cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    message: String,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NameError {}

fn refused(message: String) -> NameError {
    NameError { message }
}

/// The name the service stores a file under, given the `name` and `format` of its upload:
/// letters, digits, `.`, `_` and `-` stay, any other character (a space, `é`, `+`) becomes
/// `-`, surrounding spaces go, and `.format` is appended unless the name already ends with it
/// (`jpg` is sent as `jpeg`, see [`default_format`]).
///
/// ```
/// use pixelbin_http::naming::stored_name;
/// assert_eq!(stored_name("a b", Some("png")).unwrap(), "a-b.png");
/// assert_eq!(stored_name("a-b", Some("png")).unwrap(), "a-b.png");
/// assert_eq!(stored_name("photo.jpeg", Some("jpeg")).unwrap(), "photo.jpeg");
/// assert!(stored_name("  ", None).is_err());
/// ```
///
/// # Errors
/// When nothing usable is left (only spaces, dots or dashes).
pub fn stored_name(name: &str, format: Option<&str>) -> Result<String, NameError> {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if slug.trim_matches(['-', '.']).is_empty() {
        return Err(refused(format!(
            "the name {name:?} has no usable characters; use letters, digits, '.', '_' or '-'"
        )));
    }
    Ok(match format.filter(|f| !f.is_empty()) {
        Some(format) if !slug.to_ascii_lowercase().ends_with(&format!(".{format}")) => {
            format!("{slug}.{format}")
        }
        _ => slug,
    })
}

/// Checks a remote folder path (`shop/shoes`) and returns it without a trailing `/`. Refused: a leading `/` (folders are relative to the root), empty segments
/// (`a//b`), `.` and `..` (the service has no parent folders; a `..` would leave the folder
/// asked for).
///
/// ```
/// use pixelbin_http::naming::check_folder;
/// assert_eq!(check_folder("shop/shoes/").unwrap(), "shop/shoes");
/// assert_eq!(check_folder("").unwrap(), "");
/// for bad in ["/etc", "a//b", "../x", "a/./b"] {
///     assert!(check_folder(bad).is_err(), "{bad}");
/// }
/// ```
///
/// # Errors
/// When the path has one of the refused forms; the message says which.
pub fn check_folder(folder: &str) -> Result<String, NameError> {
    if folder.starts_with('/') {
        return Err(refused(format!(
            "the remote folder {folder:?} starts with '/': folders are relative to the root, write it without the leading '/'"
        )));
    }
    let trimmed = folder.strip_suffix('/').unwrap_or(folder);
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    for segment in trimmed.split('/') {
        let why = match segment {
            "" => "has an empty segment ('//')",
            "." | ".." => "has a '.' or '..' segment (there are no parent folders to refer to)",
            _ => continue,
        };
        return Err(refused(format!("the remote folder {folder:?} {why}")));
    }
    Ok(trimmed.to_string())
}

/// The name a local file is stored under by default: its file name without the extension.
pub fn default_name(file: &Path) -> Option<String> {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
}

/// The format a local file is stored as by default: its extension in lower case, `jpg` read as
/// `jpeg` (as the service does).
pub fn default_format(file: &Path) -> Option<String> {
    let ext = file.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "" => None,
        "jpg" => Some("jpeg".to_string()),
        _ => Some(ext),
    }
}

/// A remote path (a folder, or a file id `folder/name`) from its parts, in order: every part
/// split at `/`, empty segments left out, joined with `/`; no leading or trailing `/`. The one
/// join of remote paths in the SDK and the CLI (the service answers paths such as `/xyz`).
///
/// ```
/// use pixelbin_http::naming::remote_path;
///
/// assert_eq!(remote_path(["shop/", "/shoes", "hero.jpeg"]), "shop/shoes/hero.jpeg");
/// assert_eq!(remote_path(["", "hero.jpeg"]), "hero.jpeg");
/// assert_eq!(remote_path(["/"]), "");
/// ```
pub fn remote_path<I, S>(parts: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut joined = String::new();
    for part in parts {
        for segment in part.as_ref().split('/').filter(|s| !s.is_empty()) {
            if !joined.is_empty() {
                joined.push('/');
            }
            joined.push_str(segment);
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_like_the_service() {
        assert_eq!(stored_name("my cat", Some("jpeg")).unwrap(), "my-cat.jpeg");
        assert_eq!(stored_name(" été ", None).unwrap(), "-t-");
        assert_eq!(stored_name("x", Some("jpeg")).unwrap(), "x.jpeg");
        assert_eq!(stored_name("X.JPEG", Some("jpeg")).unwrap(), "X.JPEG");
        assert_eq!(stored_name("x", Some("")).unwrap(), "x");
        assert!(stored_name("--", Some("png")).is_err());
    }

    #[test]
    fn folders_are_checked() {
        assert_eq!(check_folder("a/b").unwrap(), "a/b");
        assert!(check_folder("a/../b").is_err());
        assert!(check_folder("//").is_err());
        assert!(check_folder("/").is_err());
    }

    #[test]
    fn remote_paths_join_with_one_slash() {
        assert_eq!(remote_path(["/xyz", "a.png"]), "xyz/a.png");
        assert_eq!(
            remote_path(["shop//shoes/", "", "sub", "a.png"]),
            "shop/shoes/sub/a.png"
        );
        assert_eq!(remote_path(Vec::<String>::new()), "");
        assert_eq!(remote_path(["a"]), "a");
    }
}
