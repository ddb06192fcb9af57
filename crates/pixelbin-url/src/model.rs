//! The data a Pixelbin URL holds: [`UrlObj`] and its parts.
//!
//! Text fields are [`Cow`]s: [`url_to_obj`](crate::url_to_obj) borrows them from the URL it
//! reads (no copying), objects you build may own them. [`UrlObj::into_owned`] detaches an
//! object from the text it borrows.

use std::borrow::Cow;
use std::fmt;

use crate::Dpr;

/// The Pixelbin CDN origin, the default `baseUrl`.
pub const BASE_URL: &str = "https://cdn.pixelbin.io";

/// How [`url_to_obj`](crate::url_to_obj) reads a URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct UrlToObjOptions {
    /// The URL is on a custom domain: no cloud name in the path, and the version
    /// (`v1`/`v2`) is required.
    pub is_custom_domain: bool,
}

/// A Pixelbin URL taken apart: what [`url_to_obj`](crate::url_to_obj) returns and what
/// [`obj_to_url`](crate::obj_to_url) builds from.
///
/// With the `serde` feature it serialises to exactly the reference's `url_to_obj` dictionary
/// (camelCase keys, same order) and deserialises from what the reference's `obj_to_url`
/// accepts (see `UrlObj::from_json`).
#[derive(Debug, Clone, PartialEq)]
pub struct UrlObj<'a> {
    /// `scheme://host`, e.g. `https://cdn.pixelbin.io`. Left out of the URL when empty.
    pub base_url: Cow<'a, str>,
    /// `v1` or `v2`. Parsing gives `v1` when the URL has no version; building writes `v2`
    /// for anything but `v1`/`v2`.
    pub version: Cow<'a, str>,
    /// The cloud name; `None` on custom domains.
    pub cloud_name: Option<Cow<'a, str>>,
    /// The zone slug; building keeps it only when it holds six characters of
    /// `[a-zA-Z0-9_-]` in a row.
    pub zone: Option<Cow<'a, str>>,
    /// The transformation pattern as found in the URL (`original`, `t.flip()~...`; empty for
    /// worker URLs). Building ignores it and writes the pattern from `transformations`.
    pub pattern: Cow<'a, str>,
    /// The path of the file on Pixelbin storage, without leading `/`; empty for worker URLs.
    pub file_path: Cow<'a, str>,
    /// Whether this is a URL Translation Worker URL (`.../wrkr/<worker path>`).
    pub worker: bool,
    /// The worker's input path (what follows `wrkr/`); empty otherwise.
    pub worker_path: Cow<'a, str>,
    /// The `dpr` and `f_auto` query options.
    pub options: UrlOptions,
    /// The transformations of the pattern, in order. Empty means the original file.
    pub transformations: Vec<Transformation<'a>>,
    /// Build a custom-domain URL (no cloud name). Not serialised: the reference's
    /// `url_to_obj` has no such key, its `obj_to_url` reads `isCustomDomain`.
    pub is_custom_domain: bool,
    /// How many transformations the source object listed without a `name`. The reference
    /// skips them when building, but a list made only of such entries still drops the
    /// `original` segment, so the count is kept. Parsing sets 0; not serialised.
    pub skipped_transformations: usize,
}

impl Default for UrlObj<'_> {
    /// An object for the Pixelbin CDN (`https://cdn.pixelbin.io`, `v2`) with everything else
    /// empty.
    fn default() -> Self {
        UrlObj {
            base_url: Cow::Borrowed(BASE_URL),
            version: Cow::Borrowed("v2"),
            cloud_name: None,
            zone: None,
            pattern: Cow::Borrowed(""),
            file_path: Cow::Borrowed(""),
            worker: false,
            worker_path: Cow::Borrowed(""),
            options: UrlOptions::default(),
            transformations: Vec::new(),
            is_custom_domain: false,
            skipped_transformations: 0,
        }
    }
}

impl<'a> UrlObj<'a> {
    /// A URL of `file_path` in the Pixelbin CDN cloud `cloud_name` (original file, `v2`).
    pub fn new(cloud_name: impl Into<Cow<'a, str>>, file_path: impl Into<Cow<'a, str>>) -> Self {
        UrlObj {
            cloud_name: Some(cloud_name.into()),
            file_path: file_path.into(),
            ..UrlObj::default()
        }
    }

    /// A URL of `file_path` on the custom domain `base_url` (e.g. `https://img.example.com`).
    pub fn on_custom_domain(
        base_url: impl Into<Cow<'a, str>>,
        file_path: impl Into<Cow<'a, str>>,
    ) -> Self {
        UrlObj {
            base_url: base_url.into(),
            file_path: file_path.into(),
            is_custom_domain: true,
            ..UrlObj::default()
        }
    }

    /// A URL Translation Worker URL: `.../<cloud name>/wrkr/<worker path>`.
    pub fn for_worker(
        cloud_name: impl Into<Cow<'a, str>>,
        worker_path: impl Into<Cow<'a, str>>,
    ) -> Self {
        UrlObj {
            cloud_name: Some(cloud_name.into()),
            worker: true,
            worker_path: worker_path.into(),
            ..UrlObj::default()
        }
    }

    /// Sets the zone slug.
    #[must_use]
    pub fn zone(mut self, zone: impl Into<Cow<'a, str>>) -> Self {
        self.zone = Some(zone.into());
        self
    }

    /// Deprecated name of [`zone`](Self::zone).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `zone`, the `field(value)` style of every builder"
    )]
    pub fn with_zone(self, zone: impl Into<Cow<'a, str>>) -> Self {
        self.zone(zone)
    }

    /// Sets the version (`v1` or `v2`).
    #[must_use]
    pub fn version(mut self, version: impl Into<Cow<'a, str>>) -> Self {
        self.version = version.into();
        self
    }

    /// Deprecated name of [`version`](Self::version).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `version`, the `field(value)` style of every builder"
    )]
    pub fn with_version(self, version: impl Into<Cow<'a, str>>) -> Self {
        self.version(version)
    }

    /// Sets the base URL (`scheme://host`).
    #[must_use]
    pub fn base_url(mut self, base_url: impl Into<Cow<'a, str>>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Deprecated name of [`base_url`](Self::base_url).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `base_url`, the `field(value)` style of every builder"
    )]
    pub fn with_base_url(self, base_url: impl Into<Cow<'a, str>>) -> Self {
        self.base_url(base_url)
    }

    /// Appends a transformation to the pattern: a [`Transformation`] or a typed builder of
    /// [`plugins`](crate::plugins).
    #[must_use]
    pub fn transform(mut self, transformation: impl Into<Transformation<'a>>) -> Self {
        self.transformations.push(transformation.into());
        self
    }

    /// Sets the `dpr` option.
    #[must_use]
    pub fn dpr(mut self, dpr: impl Into<Dpr>) -> Self {
        self.options.dpr = Some(dpr.into());
        self
    }

    /// Deprecated name of [`dpr`](Self::dpr).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `dpr`, the `field(value)` style of every builder"
    )]
    pub fn with_dpr(self, dpr: impl Into<Dpr>) -> Self {
        self.dpr(dpr)
    }

    /// Sets the `f_auto` option.
    #[must_use]
    pub fn f_auto(mut self, f_auto: bool) -> Self {
        self.options.f_auto = Some(f_auto);
        self
    }

    /// Deprecated name of [`f_auto`](Self::f_auto).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `f_auto`, the `field(value)` style of every builder"
    )]
    pub fn with_f_auto(self, f_auto: bool) -> Self {
        self.f_auto(f_auto)
    }

    /// Builds the URL; same as [`obj_to_url`](crate::obj_to_url).
    ///
    /// # Errors
    /// See [`obj_to_url`](crate::obj_to_url).
    pub fn to_url(&self) -> Result<String, crate::UrlError> {
        crate::obj_to_url(self)
    }

    /// The same object owning all of its text.
    pub fn into_owned(self) -> UrlObj<'static> {
        UrlObj {
            base_url: owned(self.base_url),
            version: owned(self.version),
            cloud_name: self.cloud_name.map(owned),
            zone: self.zone.map(owned),
            pattern: owned(self.pattern),
            file_path: owned(self.file_path),
            worker: self.worker,
            worker_path: owned(self.worker_path),
            options: self.options,
            transformations: self
                .transformations
                .into_iter()
                .map(Transformation::into_owned)
                .collect(),
            is_custom_domain: self.is_custom_domain,
            skipped_transformations: self.skipped_transformations,
        }
    }
}

fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

/// The query options of a Pixelbin URL.
///
/// Equality compares `dpr` and `f_auto` only; the order the two were found in (kept so that
/// serialising a parsed URL gives the reference's key order) does not count.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlOptions {
    /// `?dpr=`: device pixel ratio.
    pub dpr: Option<Dpr>,
    /// `?f_auto=`: let the CDN pick the best image format.
    pub f_auto: Option<bool>,
    /// `f_auto` came before `dpr` in the parsed query.
    pub(crate) f_auto_first: bool,
}

impl UrlOptions {
    /// Options with the given `dpr` and `f_auto`.
    pub fn new(dpr: Option<Dpr>, f_auto: Option<bool>) -> Self {
        UrlOptions {
            dpr,
            f_auto,
            f_auto_first: false,
        }
    }

    /// Whether neither option is set.
    pub fn is_empty(&self) -> bool {
        self.dpr.is_none() && self.f_auto.is_none()
    }
}

impl PartialEq for UrlOptions {
    fn eq(&self, other: &Self) -> bool {
        self.dpr == other.dpr && self.f_auto == other.f_auto
    }
}

/// One operation of a transformation pattern: `plugin.name(key:value,...)`, or a preset
/// `p:name(...)`.
///
/// Build them with [`Transformation::new`] and [`Transformation::arg`], or with the helpers in
/// [`ops`](crate::ops); [`Display`](fmt::Display) writes the pattern text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Transformation<'a> {
    /// The plugin: `t` (basic transformations), `erase`, `p` (presets), ...
    pub plugin: Cow<'a, str>,
    /// The operation within the plugin (`resize`), or the preset's name.
    pub name: Cow<'a, str>,
    /// The parameters, in order. Serialised as `values`, left out when empty.
    pub values: Vec<Param<'a>>,
}

/// One `key:value` parameter of a [`Transformation`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Param<'a> {
    /// The parameter's key, e.g. `h`.
    pub key: Cow<'a, str>,
    /// The parameter's value as text, e.g. `100`.
    pub value: Cow<'a, str>,
}

impl<'a> Param<'a> {
    /// A `key:value` parameter.
    pub fn new(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Param {
            key: key.into(),
            value: value.into(),
        }
    }

    /// The same parameter owning its text.
    pub fn into_owned(self) -> Param<'static> {
        Param {
            key: owned(self.key),
            value: owned(self.value),
        }
    }
}

impl<'a> Transformation<'a> {
    /// The operation `plugin.name()`, with no parameters yet.
    pub fn new(plugin: impl Into<Cow<'a, str>>, name: impl Into<Cow<'a, str>>) -> Self {
        Transformation {
            plugin: plugin.into(),
            name: name.into(),
            values: Vec::new(),
        }
    }

    /// The preset `p:name`.
    pub fn preset(name: impl Into<Cow<'a, str>>) -> Self {
        Transformation::new("p", name)
    }

    /// Adds the parameter `key:value`; `value` is written with its `Display`
    /// (`100`, `2.5`, `true`, `"underlay"`).
    ///
    /// ```
    /// use pixelbin_url::Transformation;
    /// let resize = Transformation::new("t", "resize").arg("h", 100).arg("w", 200);
    /// assert_eq!(resize.to_string(), "t.resize(h:100,w:200)");
    /// ```
    #[must_use]
    pub fn arg(mut self, key: impl Into<Cow<'a, str>>, value: impl fmt::Display) -> Self {
        self.values.push(Param {
            key: key.into(),
            value: Cow::Owned(value.to_string()),
        });
        self
    }

    /// The value of the parameter `key`, if present.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_ref())
    }

    /// The value of a parameter given by its URL id (`w`) or, for an operation of the
    /// [catalogue](crate::catalogue), its long name (`width`).
    ///
    /// ```
    /// use pixelbin_url::{url_to_obj, UrlToObjOptions};
    ///
    /// let obj = url_to_obj("https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100,w:200)/a.jpeg", UrlToObjOptions::default())?;
    /// let resize = &obj.transformations[0];
    /// assert_eq!(resize.get("width"), Some("200"));
    /// assert_eq!(resize.get("h"), Some("100"));
    /// assert_eq!(resize.get("fit"), None);
    /// # Ok::<(), pixelbin_url::UrlError>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.param(self.param_id(key))
    }

    /// Sets a parameter given by its URL id or long name (see [`get`](Self::get)), replacing
    /// its value when present. A new parameter goes where `@pixelbin/core` writes it (the
    /// catalogue's order), or last for parameters the catalogue does not know. The value is
    /// written with its `Display`, unchecked, as [`arg`](Self::arg) writes it;
    /// [`describe`](Self::describe) checks it against the catalogue.
    ///
    /// ```
    /// use pixelbin_url::{url_to_obj, UrlToObjOptions};
    ///
    /// let mut obj = url_to_obj("https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:200,f:contain)/a.jpeg", UrlToObjOptions::default())?;
    /// obj.transformations[0].set("width", 300).set("h", 100);
    /// assert_eq!(obj.to_url()?, "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100,w:300,f:contain)/a.jpeg");
    /// # Ok::<(), pixelbin_url::UrlError>(())
    /// ```
    pub fn set(&mut self, key: &str, value: impl fmt::Display) -> &mut Self {
        let id = self.param_id(key);
        let value = Cow::Owned(value.to_string());
        if let Some(first) = self.values.iter().position(|p| p.key == id) {
            self.values[first].value = value;
            // A parameter written twice would read as its first value: keep one.
            let mut index = 0;
            self.values.retain(|p| {
                index += 1;
                index - 1 == first || p.key != id
            });
            return self;
        }
        let spec = crate::catalogue::find_by_prefix(&self.plugin, &self.name);
        let rank = |key: &str| spec.and_then(|op| op.parameters.iter().position(|p| p.id == key));
        let at = match rank(id) {
            Some(own) => self
                .values
                .iter()
                .position(|p| rank(&p.key).is_some_and(|other| other > own))
                .unwrap_or(self.values.len()),
            None => self.values.len(),
        };
        self.values.insert(at, Param::new(id.to_owned(), value));
        self
    }

    /// Removes a parameter given by its URL id or long name (see [`get`](Self::get)) and
    /// returns its value, `None` when it was not set.
    ///
    /// ```
    /// use pixelbin_url::{url_to_obj, UrlToObjOptions};
    ///
    /// let mut obj = url_to_obj("https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100,w:200)/a.jpeg", UrlToObjOptions::default())?;
    /// assert_eq!(obj.transformations[0].remove("height").as_deref(), Some("100"));
    /// assert_eq!(obj.to_url()?, "https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:200)/a.jpeg");
    /// # Ok::<(), pixelbin_url::UrlError>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Cow<'a, str>> {
        let id = self.param_id(key);
        let first = self.values.iter().position(|p| p.key == id)?;
        let removed = self.values.remove(first).value;
        self.values.retain(|p| p.key != id);
        Some(removed)
    }

    /// The URL id a key stands for: the key itself when it is an id (of a parameter set here
    /// or of the catalogue's operation), else the id of the catalogue parameter with that long
    /// name, else the key unchanged. Ids win because URLs carry ids.
    fn param_id<'k>(&self, key: &'k str) -> &'k str {
        if self.values.iter().any(|p| p.key == key) {
            return key;
        }
        match crate::catalogue::find_by_prefix(&self.plugin, &self.name) {
            Some(op) if op.param_by_id(key).is_none() => op.param(key).map_or(key, |p| p.id),
            _ => key,
        }
    }

    /// Whether this is a preset (`p:name`).
    pub fn is_preset(&self) -> bool {
        self.plugin == "p"
    }

    /// The same transformation owning its text.
    pub fn into_owned(self) -> Transformation<'static> {
        Transformation {
            plugin: owned(self.plugin),
            name: owned(self.name),
            values: self.values.into_iter().map(Param::into_owned).collect(),
        }
    }

    /// Writes the operation as the reference builds it (no checks).
    pub(crate) fn write_to(&self, out: &mut String) {
        if self.is_preset() {
            out.push_str("p:");
            out.push_str(&self.name);
            if self.values.is_empty() {
                return;
            }
        } else {
            out.push_str(&self.plugin);
            out.push('.');
            out.push_str(&self.name);
        }
        out.push('(');
        for (i, param) in self.values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&param.key);
            out.push(':');
            out.push_str(&param.value);
        }
        out.push(')');
    }
}

/// The pattern text of the operation: `plugin.name(k:v,...)`, `p:name` or `p:name(k:v)`.
/// Empty keys or values are written as they are; [`format_pattern`](crate::format_pattern)
/// checks them.
impl fmt::Display for Transformation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformation_text() {
        assert_eq!(Transformation::new("t", "flip").to_string(), "t.flip()");
        assert_eq!(Transformation::preset("p1").to_string(), "p:p1");
        assert_eq!(
            Transformation::preset("p1").arg("a", 1).to_string(),
            "p:p1(a:1)"
        );
        let merge = Transformation::new("t", "merge")
            .arg("m", "underlay")
            .arg("r", true);
        assert_eq!(merge.to_string(), "t.merge(m:underlay,r:true)");
        assert_eq!(merge.param("m"), Some("underlay"));
        assert_eq!(merge.param("x"), None);
    }

    #[test]
    fn set_get_remove_by_id_or_long_name() {
        let mut t = Transformation::new("t", "resize").arg("w", 200);
        t.set("fit", "contain").set("height", 100).set("w", 300);
        assert_eq!(t.to_string(), "t.resize(h:100,w:300,f:contain)");
        assert_eq!(t.get("width"), Some("300"));
        assert_eq!(t.get("f"), Some("contain"));
        // Unknown to the catalogue: by id only, appended.
        t.set("zz", 1);
        assert_eq!(t.to_string(), "t.resize(h:100,w:300,f:contain,zz:1)");
        assert_eq!(t.remove("zz").as_deref(), Some("1"));
        assert_eq!(t.remove("zz"), None);
        // A repeated parameter is set (and removed) once for all.
        let mut twice = Transformation::new("t", "resize").arg("w", 1).arg("w", 2);
        twice.set("width", 3);
        assert_eq!(twice.to_string(), "t.resize(w:3)");
        let mut twice = Transformation::new("t", "resize").arg("w", 1).arg("w", 2);
        assert_eq!(twice.remove("w").as_deref(), Some("1"));
        assert!(twice.values.is_empty());
        // Presets and unknown operations take keys as they are.
        let mut preset = Transformation::preset("mine");
        preset.set("width", 1);
        assert_eq!(preset.to_string(), "p:mine(width:1)");
    }

    #[test]
    fn options_equality_ignores_order() {
        let a = UrlOptions {
            dpr: Some(Dpr::Auto),
            f_auto: Some(true),
            f_auto_first: true,
        };
        assert_eq!(a, UrlOptions::new(Some(Dpr::Auto), Some(true)));
    }

    #[test]
    fn into_owned_keeps_everything() {
        let text = String::from("cloud");
        let owned = UrlObj::new(text.as_str(), "a.jpeg")
            .zone("abcdef")
            .transform(Transformation::new("t", "flip"))
            .dpr(2.0)
            .f_auto(true)
            .into_owned();
        drop(text);
        assert_eq!(owned.cloud_name.as_deref(), Some("cloud"));
        assert_eq!(owned.transformations.len(), 1);
        assert_eq!(owned.options.dpr, Some(Dpr::Value(2.0)));
    }
}
