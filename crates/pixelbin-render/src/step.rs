//! [`Step`]: one transformation read against the catalogue, with typed parameter values and
//! errors that name the operation and the parameter.

use pixelbin_url::Transformation;
use pixelbin_url::catalogue::{OperationSpec, ParamSpec, find_by_prefix};

use crate::RenderError;
use crate::canvas::parse_hex_color;

/// A checked basic transformation: its catalogue entry is known and every parameter given
/// is known and of its type (values outside an operation's range are checked by the
/// operation, through [`Step::out_of_range`]).
pub(crate) struct Step<'s> {
    transformation: &'s Transformation<'s>,
    spec: &'static OperationSpec,
}

impl<'s> Step<'s> {
    /// Checks `transformation`: a known `t.*` operation with known, well-typed parameters.
    pub fn check(transformation: &'s Transformation<'s>) -> Result<Step<'s>, RenderError> {
        if transformation.is_preset() {
            return Err(RenderError::Preset {
                name: transformation.name.to_string(),
            });
        }
        let operation = format!("{}.{}", transformation.plugin, transformation.name);
        let Some(spec) = find_by_prefix(&transformation.plugin, &transformation.name) else {
            return Err(RenderError::UnknownOperation { operation });
        };
        let description = transformation.describe();
        if let Some(bad) = description.params.iter().find(|p| p.problem.is_some()) {
            let parameter = match bad.spec {
                Some(param) => format!("{} ({})", param.id, param.name),
                None => bad.id.to_owned(),
            };
            return Err(RenderError::InvalidParameter {
                operation,
                parameter,
                reason: format!(
                    "'{}': {}",
                    bad.value,
                    bad.problem.as_deref().unwrap_or_default()
                ),
            });
        }
        for (i, param) in transformation.values.iter().enumerate() {
            if transformation.values[..i]
                .iter()
                .any(|p| p.key == param.key)
            {
                return Err(RenderError::InvalidParameter {
                    operation,
                    parameter: param.key.to_string(),
                    reason: "given more than once".to_owned(),
                });
            }
        }
        // Parameters first, so a bad value of an AI step is named too (a caller answering
        // AI steps with stand-ins checks them here).
        if transformation.plugin != "t" {
            return Err(RenderError::Unsupported { operation });
        }
        Ok(Step {
            transformation,
            spec,
        })
    }

    /// The operation's name within the plugin (`resize`).
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    fn param(&self, name: &str) -> &'static ParamSpec {
        // The names asked for are the catalogue's own: a miss is a bug in this crate.
        self.spec
            .param(name)
            .unwrap_or_else(|| panic!("{} has no parameter {name}", self.spec.prefix))
    }

    /// The value given for the parameter `name` (long name), or its catalogue default.
    fn text(&self, name: &str) -> Option<&str> {
        let spec = self.param(name);
        self.transformation.param(spec.id).or(spec.default)
    }

    /// Whether the pattern gives the parameter `name` itself.
    pub fn given(&self, name: &str) -> bool {
        self.transformation.param(self.param(name).id).is_some()
    }

    /// An error for the parameter `name` whose value is outside what the operation accepts.
    pub fn out_of_range(&self, name: &str, expected: &str) -> RenderError {
        let spec = self.param(name);
        RenderError::InvalidParameter {
            operation: self.spec.prefix.to_owned(),
            parameter: format!("{} ({})", spec.id, spec.name),
            reason: format!("'{}': expected {expected}", self.text(name).unwrap_or("")),
        }
    }

    /// An integer parameter (or its default), within `min..=max`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<i64, RenderError> {
        let value = self
            .text(name)
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| self.out_of_range(name, "a whole number"))?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(self.out_of_range(name, &format!("a whole number from {min} to {max}")))
        }
    }

    /// `t.toFormat`'s quality (or its default): a number from 1 to 100, or since
    /// `@pixelbin/core` 7.0.0 one of the named levels `best`, `good`, `eco` and `low`.
    /// Pixelbin does not publish the numbers behind the names; these are ours, chosen on
    /// sharp's scale (its default, 80, is `good`) and documented in the crate README.
    pub fn quality(&self, name: &str) -> Result<u8, RenderError> {
        match self.text(name) {
            Some("best") => Ok(95),
            Some("good") => Ok(80),
            Some("eco") => Ok(65),
            Some("low") => Ok(45),
            _ => self
                .int(name, 1, 100)
                .map_err(|_| self.out_of_range(name, "1 to 100, best, good, eco or low"))
                .map(|q| q as u8),
        }
    }

    /// A number parameter (or its default), within `min..=max`.
    pub fn float(&self, name: &str, min: f64, max: f64) -> Result<f64, RenderError> {
        let value = self
            .text(name)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.out_of_range(name, "a number"))?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(self.out_of_range(name, &format!("a number from {min} to {max}")))
        }
    }

    /// A boolean parameter (or its default).
    pub fn flag(&self, name: &str) -> bool {
        self.text(name) == Some("true")
    }

    /// An enum parameter (or its default), as written.
    pub fn word(&self, name: &str) -> &str {
        self.text(name).unwrap_or_default()
    }

    /// A text parameter, when given.
    pub fn optional_text(&self, name: &str) -> Option<&str> {
        self.transformation.param(self.param(name).id)
    }

    /// A colour parameter (or its default) as RGBA.
    pub fn color(&self, name: &str) -> Result<[u8; 4], RenderError> {
        self.text(name)
            .and_then(parse_hex_color)
            .ok_or_else(|| self.out_of_range(name, "a colour as RRGGBB or RRGGBBAA"))
    }

    /// The step's device pixel ratio: its own `dpr` parameter when given, else the URL's.
    pub fn dpr(&self, url_dpr: Option<f64>) -> Result<f64, RenderError> {
        if self.given("dpr") {
            self.float("dpr", 0.1, 5.0)
        } else {
            Ok(url_dpr.unwrap_or(1.0))
        }
    }
}
