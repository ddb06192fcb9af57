//! [`Description`]: a parsed transformation read against the catalogue.

use std::fmt;

use super::{OperationSpec, ParamSpec, find_by_prefix};
use crate::Transformation;

/// What a [`Transformation`] means according to the catalogue; made by
/// [`Transformation::describe`]. [`Display`](fmt::Display) writes it for people, one line
/// per parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Description<'t> {
    /// The transformation described.
    pub transformation: &'t Transformation<'t>,
    /// Its operation, or `None` when the catalogue does not know it (or it is a preset).
    pub operation: Option<&'static OperationSpec>,
    /// Each parameter, in the transformation's order.
    pub params: Vec<ParamDescription<'t>>,
}

/// One parameter of a [`Description`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDescription<'t> {
    /// The id in the URL (`h`).
    pub id: &'t str,
    /// The value in the URL.
    pub value: &'t str,
    /// The parameter, when the operation is known and has this id.
    pub spec: Option<&'static ParamSpec>,
    /// What is wrong: an unknown parameter, or the value is not of its type (the text says
    /// what is expected). `None` when the operation itself is unknown.
    pub problem: Option<String>,
}

impl Description<'_> {
    /// Whether the operation is known and every parameter is known and valid.
    pub fn is_valid(&self) -> bool {
        self.operation.is_some() && self.params.iter().all(|p| p.problem.is_none())
    }
}

pub(super) fn describe<'t>(transformation: &'t Transformation<'t>) -> Description<'t> {
    let operation = if transformation.is_preset() {
        None
    } else {
        find_by_prefix(&transformation.plugin, &transformation.name)
    };
    let params = transformation
        .values
        .iter()
        .map(|param| {
            let spec = operation.and_then(|op| op.param_by_id(&param.key));
            let problem = match (operation, spec) {
                (None, _) => None,
                (Some(op), None) => Some(format!(
                    "unknown parameter; {} accepts {}",
                    op.full_name(),
                    op.parameters
                        .iter()
                        .map(|p| format!("{} ({})", p.id, p.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                (Some(_), Some(spec)) => spec
                    .kind
                    .normalize(&param.value)
                    .err()
                    .map(|expected| format!("invalid value: expected {expected}")),
            };
            ParamDescription {
                id: &param.key,
                value: &param.value,
                spec,
                problem,
            }
        })
        .collect();
    Description {
        transformation,
        operation,
        params,
    }
}

impl fmt::Display for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.transformation;
        match self.operation {
            Some(op) => write!(f, "{} ({})", op.full_name(), op.prefix)?,
            None if t.is_preset() => write!(f, "preset {} (p:{})", t.name, t.name)?,
            None => write!(
                f,
                "{}.{}: unknown operation, not in the catalogue",
                t.plugin, t.name
            )?,
        }
        for p in &self.params {
            match p.spec {
                Some(spec) => write!(
                    f,
                    "\n  {} ({}) = {} [{}]",
                    spec.name,
                    p.id,
                    p.value,
                    spec.kind.name()
                )?,
                None => write!(f, "\n  {} = {}", p.id, p.value)?,
            }
            if let Some(problem) = &p.problem {
                write!(f, "  ! {problem}")?;
            }
        }
        Ok(())
    }
}
