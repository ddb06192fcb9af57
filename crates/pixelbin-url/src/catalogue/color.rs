//! [`Color`]: a colour parameter value, checked once when made.

use std::fmt;
use std::str::FromStr;

use super::CatalogueError;

/// A colour as Pixelbin URLs write it: 6 or 8 hex digits, `RRGGBB` or `RRGGBBAA`, no `#`.
///
/// ```
/// use pixelbin_url::catalogue::Color;
///
/// assert_eq!(Color::hex("ff00aa")?.as_str(), "ff00aa");
/// assert_eq!(Color::rgb(255, 0, 170).as_str(), "ff00aa");
/// assert_eq!(Color::rgba(0, 0, 0, 0).as_str(), "00000000");
/// assert!(Color::hex("#ff00aa").is_err());
/// # Ok::<(), pixelbin_url::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Color(String);

impl Color {
    /// The colour written as `hex` (6 or 8 hex digits, kept as given).
    ///
    /// # Errors
    /// [`CatalogueError::InvalidColor`] for anything else.
    pub fn hex(hex: &str) -> Result<Color, CatalogueError> {
        if Color::is_valid_hex(hex) {
            Ok(Color(hex.to_owned()))
        } else {
            Err(CatalogueError::InvalidColor {
                value: hex.to_owned(),
            })
        }
    }

    /// An opaque colour from its red, green and blue parts.
    pub fn rgb(red: u8, green: u8, blue: u8) -> Color {
        Color(format!("{red:02x}{green:02x}{blue:02x}"))
    }

    /// A colour from its red, green, blue and alpha parts.
    pub fn rgba(red: u8, green: u8, blue: u8, alpha: u8) -> Color {
        Color(format!("{red:02x}{green:02x}{blue:02x}{alpha:02x}"))
    }

    /// The hex digits, as they go into the URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_valid_hex(text: &str) -> bool {
        (text.len() == 6 || text.len() == 8) && text.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

impl FromStr for Color {
    type Err = CatalogueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Color::hex(s)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
