//! Dating the `Unreleased` section of a Keep a Changelog file.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};

use crate::version::Version;

const UNRELEASED: &str = "## [Unreleased]";

/// Moves the body of `## [Unreleased]` under `## [<version>] - <date>` and leaves a fresh,
/// empty `## [Unreleased]` above it.
///
/// The section ends at the next `## ` heading or at the link reference definitions at the
/// bottom of the file. A `[Unreleased]: .../compare/<from>...HEAD` link, if present, is moved
/// on to the new tag and a link for the release is added under it.
pub fn release(text: &str, version: Version, date: &str) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| is_unreleased_heading(l)) else {
        bail!(
            "CHANGELOG.md has no `{UNRELEASED}` heading; add one above the latest release \
             listing what this release changes"
        );
    };
    let release_heading = format!("## [{version}]");
    if lines.iter().any(|l| l.starts_with(&release_heading)) {
        bail!("CHANGELOG.md already has a `{release_heading}` section; pick a new version");
    }
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## ") || is_link_definition(l))
        .map_or(lines.len(), |i| start + 1 + i);

    let body = &lines[start + 1..end];
    let first = body.iter().position(|l| !l.trim().is_empty());
    let last = body.iter().rposition(|l| !l.trim().is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        bail!(
            "CHANGELOG.md has nothing under `{UNRELEASED}`; describe what this release changes \
             before releasing it"
        );
    };

    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    out.push(UNRELEASED.to_string());
    out.push(String::new());
    out.push(format!("{release_heading} - {date}"));
    out.push(String::new());
    out.extend(body[first..=last].iter().map(|l| l.to_string()));
    if end < lines.len() {
        out.push(String::new());
        for line in &lines[end..] {
            out.extend(rewrite_unreleased_link(line, version));
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

fn is_unreleased_heading(line: &str) -> bool {
    line.trim_end().eq_ignore_ascii_case(UNRELEASED)
}

/// A Markdown link reference definition such as `[1.0.0]: https://...`.
fn is_link_definition(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

/// `[Unreleased]: <base>/compare/<from>...HEAD` becomes two lines: the same link from the new
/// tag, and `[X.Y.Z]: <base>/compare/<from>...vX.Y.Z`. Any other line comes back unchanged.
fn rewrite_unreleased_link(line: &str, version: Version) -> Vec<String> {
    let Some((label, url)) = line.split_once("]: ") else {
        return vec![line.to_string()];
    };
    let is_unreleased = label.eq_ignore_ascii_case("[unreleased");
    let parsed = url
        .trim()
        .strip_suffix("...HEAD")
        .and_then(|rest| rest.rsplit_once("/compare/"));
    match (is_unreleased, parsed) {
        (true, Some((base, from))) => vec![
            format!("{label}]: {base}/compare/v{version}...HEAD"),
            format!("[{version}]: {base}/compare/{from}...v{version}"),
        ],
        _ => vec![line.to_string()],
    }
}

/// Today's date in UTC as `YYYY-MM-DD`, from the system clock.
pub fn today_utc() -> String {
    // A clock before 1970 is a broken machine; dating the release 1970-01-01 makes that visible.
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1st, [0, 365]
    let mp = (5 * doy + 2) / 153; // month from March, [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Version = Version::new(0, 2, 0);

    const LOG: &str = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- `alpha`: a thing.\n\n### Fixed\n\n- `beta`: a bug.\n\n## [0.1.0] - 2024-05-01\n\n- First.\n";

    #[test]
    fn moves_unreleased_under_the_new_version() {
        let out = release(LOG, V, "2025-01-02").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2025-01-02\n\n### Added\n\n- `alpha`: a thing.\n\n### Fixed\n\n- `beta`: a bug.\n\n## [0.1.0] - 2024-05-01\n\n- First.\n"
        );
    }

    #[test]
    fn handles_a_last_section_and_link_definitions() {
        let log = "# Changelog\n\n## [Unreleased]\n- `alpha`: new.\n\n[Unreleased]: https://example.org/r/compare/v0.1.0...HEAD\n[0.1.0]: https://example.org/r/releases/tag/v0.1.0\n";
        let out = release(log, V, "2025-01-02").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2025-01-02\n\n- `alpha`: new.\n\n[Unreleased]: https://example.org/r/compare/v0.2.0...HEAD\n[0.2.0]: https://example.org/r/compare/v0.1.0...v0.2.0\n[0.1.0]: https://example.org/r/releases/tag/v0.1.0\n"
        );
    }

    #[test]
    fn unreleased_at_end_of_file() {
        let out = release("## [Unreleased]\n\n- x\n", V, "2025-01-02").unwrap();
        assert_eq!(out, "## [Unreleased]\n\n## [0.2.0] - 2025-01-02\n\n- x\n");
    }

    #[test]
    fn refuses_missing_empty_or_duplicate_sections() {
        let err = release("# Changelog\n\n## [0.1.0]\n- x\n", V, "d").unwrap_err();
        assert!(err.to_string().contains("no `## [Unreleased]`"), "{err}");

        let err = release("## [Unreleased]\n\n\n## [0.1.0] - d\n- x\n", V, "d").unwrap_err();
        assert!(err.to_string().contains("nothing under"), "{err}");

        let err = release("## [Unreleased]\n- y\n## [0.2.0] - d\n- x\n", V, "d").unwrap_err();
        assert!(err.to_string().contains("already has"), "{err}");
        assert!(release("## [Unreleased]\n- y\n## [0.2.01]\n", V, "d").is_ok());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_089), (2025, 1, 1));
        assert_eq!(civil_from_days(47_541), (2100, 3, 1)); // 2100 is not a leap year
        assert_eq!(civil_from_days(47_540), (2100, 2, 28));
    }

    #[test]
    fn today_is_a_plausible_iso_date() {
        let today = today_utc();
        assert_eq!(today.len(), 10, "{today}");
        assert_eq!(&today[4..5], "-");
        assert!(today.as_str() > "2024-01-01", "{today}");
    }
}
