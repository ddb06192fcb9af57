//! `pixelbin transformations list | build`, and the `--explain` view of `pixelbin url parse`:
//! the transformation catalogue of `pixelbin::url::catalogue`, offline.

use clap::{Args, Subcommand};
use pixelbin::url::Transformation;
use pixelbin::url::catalogue::{self, Description, ParamSpec, ParamType};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::Output;

/// `pixelbin transformations ...`
#[derive(Debug, Subcommand)]
pub enum TransformationsCommand {
    /// List every plugin, operation and parameter: URL id, type, allowed values, default.
    List,
    /// Print a transformation pattern built from one or more steps, each an operation and its
    /// parameters (by long name or URL id), checked against the catalogue.
    #[command(
        after_help = "Examples:\n  pixelbin transformations build Basic.resize height=100 width=200 fit=contain\n  # t.resize(h:100,w:200,f:contain)\n  pixelbin transformations build Basic.resize w=300 -- EraseBG.bg\n  # t.resize(w:300)~erase.bg()"
    )]
    Build(BuildArgs),
    /// The context the service computed for a transformation URL of a stored file (metadata,
    /// detections...), from the API.
    #[command(
        after_help = "Example:\n  pixelbin transformation context https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:200)/photo.jpeg"
    )]
    Context {
        /// The transformation (CDN) URL.
        url: String,
    },
}

/// `pixelbin transformations build`
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Steps: an operation as @pixelbin/core names it (Plugin.operation, e.g. Basic.resize,
    /// EraseBG.bg; or its URL prefix, t.resize), then its parameters NAME=VALUE by long name or
    /// URL id (height=100 or h=100). A word without `=` starts the next step; `--` may
    /// separate steps too. `pixelbin transformations list` shows every operation.
    #[arg(value_name = "STEP", required = true)]
    pub steps: Vec<String>,
}

/// `transformations context URL`: the one subcommand that calls the API.
async fn context(url: &str, ctx: &crate::context::Context) -> anyhow::Result<()> {
    crate::url::require_http_url(url)?;
    let context = ctx
        .client()?
        .transformation()
        .get_transformation_context(Some(url))
        .await?;
    // The context is the service's free-form object: JSON in both modes.
    crate::output::print_json(&context)
}

/// Runs a `transformations` subcommand.
pub async fn run(
    command: TransformationsCommand,
    ctx: &crate::context::Context,
) -> anyhow::Result<()> {
    let out = ctx.out;
    match command {
        TransformationsCommand::Context { url } => context(&url, ctx).await,
        TransformationsCommand::List => out.emit(&list_json(), |w| {
            for plugin in catalogue::plugins() {
                writeln!(w, "{}", plugin.name)?;
                for op in plugin.operations {
                    writeln!(w, "  {}.{}  ({})", plugin.name, op.name, op.prefix)?;
                    for p in op.parameters {
                        writeln!(w, "    {}", param_line(p))?;
                    }
                }
            }
            Ok(())
        }),
        TransformationsCommand::Build(args) => {
            let steps = steps(&args.steps)?;
            let pattern = pixelbin::url::format_pattern(&steps)
                .map_err(|e| CliError::usage(e.to_string()))?;
            let json_steps: Vec<Value> = steps
                .iter()
                .map(|t| {
                    json!({
                        "operation": t.describe().operation.map(|op| op.full_name()),
                        "segment": t.to_string(),
                    })
                })
                .collect();
            out.emit(&json!({ "pattern": pattern, "steps": json_steps }), |w| {
                writeln!(w, "{pattern}")
            })
        }
    }
}

/// [`steps`], where no words mean no steps (`url build` adds steps only when given).
pub fn steps_or_none(words: &[String]) -> anyhow::Result<Vec<Transformation<'static>>> {
    if words.iter().all(|w| w == "--") {
        return Ok(Vec::new());
    }
    steps(words)
}

/// The transformations that command-line words describe: `Plugin.operation` (or `t.resize`)
/// then its `NAME=VALUE` parameters, by long name or URL id; a word without `=` starts the
/// next step, and `--` words only separate. A bad name or value is a usage error (exit code
/// 2) naming the parameter and what it accepts.
pub fn steps(words: &[String]) -> anyhow::Result<Vec<Transformation<'static>>> {
    let mut groups: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
    for word in words.iter().map(String::as_str).filter(|w| *w != "--") {
        match (word.split_once('='), groups.last_mut()) {
            (Some(pair), Some((_, params))) => params.push(pair),
            (Some(_), None) => {
                return Err(CliError::usage(format!(
                    "'{word}' comes before any operation; start with one, e.g. Basic.resize {word}"
                )));
            }
            (None, _) if word.starts_with('-') => {
                return Err(CliError::usage(format!(
                    "'{word}' after `--` is taken as a step; put options before the first `--`"
                )));
            }
            (None, _) if !word.contains('.') => {
                return Err(CliError::usage(format!(
                    "'{word}' is neither NAME=VALUE nor Plugin.operation; give parameters as \
                     NAME=VALUE (height=100 or h=100) after an operation such as Basic.resize"
                )));
            }
            (None, _) => groups.push((word, Vec::new())),
        }
    }
    if groups.is_empty() {
        return Err(CliError::usage(
            "no operation given; name one such as Basic.resize (`pixelbin transformations list` \
             shows them all)",
        ));
    }
    groups
        .into_iter()
        .map(|(operation, params)| {
            catalogue::build_operation(operation, params)
                .map_err(|e| CliError::usage(e.to_string()))
        })
        .collect()
}

/// `height (h): integer, default 0`.
fn param_line(p: &ParamSpec) -> String {
    let mut line = format!("{} ({}): {}", p.name, p.id, p.kind.name());
    if let ParamType::Enum(values) = p.kind {
        line.push_str(&format!(" [{}]", values.join(", ")));
    }
    if let Some(default) = p.default {
        line.push_str(&format!(", default {default}"));
    }
    line
}

/// One plugin in `transformations list --json`; fields in the order printed.
#[derive(Serialize)]
pub(crate) struct PluginEntry {
    plugin: &'static str,
    operations: Vec<OperationEntry>,
}

#[derive(Serialize)]
struct OperationEntry {
    name: &'static str,
    prefix: &'static str,
    parameters: Vec<ParamEntry>,
}

#[derive(Serialize)]
struct ParamEntry {
    name: &'static str,
    id: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    values: &'static [&'static str],
    default: Option<Value>,
}

/// `[{"plugin", "operations": [{"name", "prefix", "parameters": [{"name", "id", "type",
/// "values", "default"}]}]}]`.
pub(crate) fn list_json() -> Vec<PluginEntry> {
    catalogue::plugins()
        .iter()
        .map(|plugin| PluginEntry {
            plugin: plugin.name,
            operations: plugin
                .operations
                .iter()
                .map(|op| OperationEntry {
                    name: op.name,
                    prefix: op.prefix,
                    parameters: op
                        .parameters
                        .iter()
                        .map(|p| ParamEntry {
                            name: p.name,
                            id: p.id,
                            kind: p.kind.name(),
                            values: p.kind.values(),
                            default: p.default.map(|d| typed(p.kind, d)),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// A default as JSON of its type: numbers and booleans unquoted.
fn typed(kind: ParamType, text: &str) -> Value {
    let parsed = match kind {
        ParamType::Integer | ParamType::Float | ParamType::Boolean => {
            serde_json::from_str(text).ok()
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// `url parse --explain`: each transformation with its long names, types and problems.
pub fn explain(transformations: &[Transformation<'_>], out: Output) -> anyhow::Result<()> {
    let descriptions: Vec<Description<'_>> = transformations
        .iter()
        .map(Transformation::describe)
        .collect();
    out.emit(&explain_json(&descriptions), |w| {
        if descriptions.is_empty() {
            writeln!(w, "no transformations (the original file)")?;
        }
        for d in &descriptions {
            writeln!(w, "{d}")?;
        }
        Ok(())
    })
}

pub(crate) fn explain_json(descriptions: &[Description<'_>]) -> Value {
    descriptions
        .iter()
        .map(|d| {
            let params: Vec<Value> = d
                .params
                .iter()
                .map(|p| {
                    json!({
                        "id": p.id,
                        "value": p.value,
                        "name": p.spec.map(|s| s.name),
                        "type": p.spec.map(|s| s.kind.name()),
                        "problem": p.problem,
                    })
                })
                .collect();
            json!({
                "segment": d.transformation.to_string(),
                "operation": d.operation.map(|op| op.full_name()),
                "preset": d.transformation.is_preset(),
                "valid": d.is_valid(),
                "parameters": params,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Failure;

    fn build(words: &[&str]) -> anyhow::Result<String> {
        let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        Ok(pixelbin::url::format_pattern(&steps(&words)?)?)
    }

    #[test]
    fn builds_steps_from_long_names_and_ids() {
        assert_eq!(
            build(&["Basic.resize", "height=100", "width=200", "fit=contain"]).unwrap(),
            "t.resize(h:100,w:200,f:contain)"
        );
        assert_eq!(
            build(&["Basic.resize", "w=300", "--", "EraseBG.bg"]).unwrap(),
            "t.resize(w:300)~erase.bg()"
        );
        assert_eq!(
            build(&["t.resize", "w=300", "f=inside", "t.flip"]).unwrap(),
            "t.resize(w:300,f:inside)~t.flip()"
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for (words, needle) in [
            (&["Basic.resize", "height"][..], "neither NAME=VALUE"),
            (&["height=1"][..], "before any operation"),
            (&["Basic.resize", "fit=cover2"][..], "cover, contain"),
            (&["Basic.resize", "hieght=1"][..], "accepts: height"),
            (&["Basic.nope"][..], "the plugin has resize"),
            (&["--"][..], "no operation given"),
        ] {
            let err = match build(words) {
                Ok(pattern) => panic!("{words:?} built {pattern}"),
                Err(err) => err,
            };
            assert_eq!(
                err.downcast_ref::<CliError>().map(|e| e.failure),
                Some(Failure::Usage)
            );
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn list_json_types_defaults() {
        let list = serde_json::to_value(list_json()).unwrap();
        let basic = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["plugin"] == "Basic")
            .unwrap();
        let resize = &basic["operations"][0];
        assert_eq!(resize["prefix"], "t.resize");
        assert_eq!(
            resize["parameters"][0],
            json!({"name": "height", "id": "h", "type": "integer", "values": [], "default": 0})
        );
        assert_eq!(resize["parameters"][2]["values"][1], "contain");
        assert_eq!(resize["parameters"][6]["default"], json!(1));
    }
}
