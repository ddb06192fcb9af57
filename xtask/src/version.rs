//! Plain `MAJOR.MINOR.PATCH` versions and the bump a release asks for.
//!
//! The workspace publishes plain release versions only, so there is no need for the full
//! semver grammar (pre-release and build suffixes are rejected with a clear message).

use std::fmt;
use std::str::FromStr;

use anyhow::{Context, Result, bail};

/// A release version `MAJOR.MINOR.PATCH`. Ordering is semver precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Incompatible API changes.
    pub major: u64,
    /// Compatible additions (breaking while `major` is 0).
    pub minor: u64,
    /// Fixes.
    pub patch: u64,
}

impl Version {
    /// Builds a version from its three numbers.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// The version a release with `bump` produces from `self`.
    pub fn bumped(self, bump: Bump) -> Result<Version> {
        let next = |n: u64| n.checked_add(1).context("version number overflows u64");
        Ok(match bump {
            Bump::Patch => Version::new(self.major, self.minor, next(self.patch)?),
            Bump::Minor => Version::new(self.major, next(self.minor)?, 0),
            Bump::Major => Version::new(next(self.major)?, 0, 0),
            Bump::Exact(v) => v,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for Version {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 3 {
            bail!(
                "`{s}` is not a release version: expected MAJOR.MINOR.PATCH such as 1.4.2 \
                 (pre-release and build suffixes are not supported)"
            );
        }
        let number = |part: &str| -> Result<u64> {
            let digits_only = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            // Semver forbids leading zeros ("01"), so reject them rather than normalise.
            if !digits_only || (part.len() > 1 && part.starts_with('0')) {
                bail!(
                    "`{s}` is not a release version: `{part}` must be a number without leading \
                     zeros (expected MAJOR.MINOR.PATCH such as 1.4.2)"
                );
            }
            part.parse()
                .with_context(|| format!("`{part}` in version `{s}` is too large"))
        };
        Ok(Version::new(
            number(parts[0])?,
            number(parts[1])?,
            number(parts[2])?,
        ))
    }
}

/// What `cargo xtask release` is asked to do to the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    /// `X.Y.Z` becomes `X.Y.(Z+1)`.
    Patch,
    /// `X.Y.Z` becomes `X.(Y+1).0`.
    Minor,
    /// `X.Y.Z` becomes `(X+1).0.0`.
    Major,
    /// An explicit version.
    Exact(Version),
}

impl FromStr for Bump {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "patch" => Ok(Bump::Patch),
            "minor" => Ok(Bump::Minor),
            "major" => Ok(Bump::Major),
            _ => s.parse().map(Bump::Exact).with_context(|| {
                format!("`{s}` is neither `patch`, `minor`, `major` nor a version X.Y.Z")
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let v: Version = "1.20.3".parse().unwrap();
        assert_eq!(v, Version::new(1, 20, 3));
        assert_eq!(v.to_string(), "1.20.3");
        assert_eq!("0.0.0".parse::<Version>().unwrap(), Version::new(0, 0, 0));
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "1.2.x",
            "1.2.-3",
            "01.2.3",
            "1.2.3-rc.1",
            "1.2.3+b",
            " 1.2.3",
            "1..3",
            "99999999999999999999.0.0",
        ] {
            assert!(
                bad.parse::<Version>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn orders_by_precedence() {
        let v = |s: &str| s.parse::<Version>().unwrap();
        assert!(v("0.10.0") > v("0.9.9"));
        assert!(v("1.0.0") > v("0.99.99"));
        assert!(v("1.0.10") > v("1.0.9"));
        assert_eq!(v("2.1.0").cmp(&v("2.1.0")), std::cmp::Ordering::Equal);
    }

    #[test]
    fn bumps() {
        let v = Version::new(0, 3, 7);
        assert_eq!(v.bumped(Bump::Patch).unwrap(), Version::new(0, 3, 8));
        assert_eq!(v.bumped(Bump::Minor).unwrap(), Version::new(0, 4, 0));
        assert_eq!(v.bumped(Bump::Major).unwrap(), Version::new(1, 0, 0));
        let exact = Version::new(0, 9, 1);
        assert_eq!(v.bumped(Bump::Exact(exact)).unwrap(), exact);
        assert!(Version::new(0, 0, u64::MAX).bumped(Bump::Patch).is_err());
    }

    #[test]
    fn parses_bump_words_and_versions() {
        assert_eq!("patch".parse::<Bump>().unwrap(), Bump::Patch);
        assert_eq!("minor".parse::<Bump>().unwrap(), Bump::Minor);
        assert_eq!("major".parse::<Bump>().unwrap(), Bump::Major);
        assert_eq!(
            "2.0.1".parse::<Bump>().unwrap(),
            Bump::Exact(Version::new(2, 0, 1))
        );
        let err = "Minor".parse::<Bump>().unwrap_err();
        assert!(format!("{err:#}").contains("neither `patch`"), "{err:#}");
    }
}
