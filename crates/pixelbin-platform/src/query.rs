//! Query strings the way the reference builds them for GET requests.
//!
//! Lists go out indexed (`tags[0]=a&tags[1]=b`), booleans as `true`/`false`, and unset or
//! empty values are left out (the reference skips every falsy value; an explicit `false` is
//! the one deliberate difference: it is sent, because a caller who sets it means it).

use pixelbin_http::ApiRequest;

/// Ordered `name=value` pairs; encoding is left to the transport.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a text value unless it is unset or empty.
    pub(crate) fn text(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.pairs.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Adds `true` or `false` when set.
    pub(crate) fn flag(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(value) = value {
            self.pairs.push((name.to_owned(), value.to_string()));
        }
        self
    }

    /// Adds a number when set.
    pub(crate) fn number(&mut self, name: &str, value: Option<u32>) -> &mut Self {
        if let Some(value) = value {
            self.pairs.push((name.to_owned(), value.to_string()));
        }
        self
    }

    /// Adds `name[0]=a&name[1]=b...`; an empty list adds nothing.
    pub(crate) fn list(&mut self, name: &str, values: &[String]) -> &mut Self {
        for (index, value) in values.iter().enumerate() {
            self.pairs.push((format!("{name}[{index}]"), value.clone()));
        }
        self
    }

    /// The pairs in insertion order.
    #[cfg(test)]
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Appends every pair to the request.
    pub(crate) fn apply(self, mut request: ApiRequest) -> ApiRequest {
        for (name, value) in self.pairs {
            request = request.query(name, value);
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &Query) -> Vec<(&str, &str)> {
        q.pairs()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn encodes_like_the_reference() {
        let mut q = Query::new();
        q.text("name", Some("cat"))
            .text("path", None)
            .text("format", Some(""))
            .list("tags", &["cats".into(), "animals".into()])
            .flag("onlyFiles", Some(true))
            .flag("onlyFolders", Some(false))
            .flag("archived", None)
            .number("pageNo", Some(2))
            .number("pageSize", None);
        assert_eq!(
            pairs(&q),
            [
                ("name", "cat"),
                ("tags[0]", "cats"),
                ("tags[1]", "animals"),
                ("onlyFiles", "true"),
                ("onlyFolders", "false"),
                ("pageNo", "2"),
            ]
        );
    }

    #[test]
    fn empty_list_adds_nothing() {
        let mut q = Query::new();
        q.list("sort", &[]);
        assert!(q.pairs().is_empty());
    }
}
