//! `pixelbin api METHOD PATH`: any endpoint, through the SDK's transport (authentication for
//! the API origin only, retries, time and size bounds, redacted logs), printing the JSON answer.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use pixelbin::http::http::Method;
use pixelbin::http::{ApiRequest, Body, Transport};
use pixelbin::platform::{Page, next_page};
use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::CliError;
use crate::output::print_text;

/// Largest `--input` body read into memory.
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// `pixelbin api`
#[derive(Debug, Args)]
#[command(after_help = "\
Fields (-f KEY=VALUE) go in the query string of a GET, and in a JSON object body otherwise;
a value that reads as JSON (42, true, null, [1,2], {\"a\":1}, \"text\") is sent as that JSON,
anything else as text; a repeated key sends a list.

Examples:
  pixelbin api GET /service/platform/organization/v1.0/apps/info
  pixelbin api GET /service/platform/assets/v1.0/listFiles -f path=products --paginate
  pixelbin api POST /service/platform/assets/v1.0/folders -f name=shoes -f path=products
  pixelbin api PATCH /service/platform/assets/v1.0/presets/thumb --input preset.json

With --paginate, pages are fetched from pageNo=1 (or the -f pageNo given) while the answer's
page.hasNext is true, and the items of every page are printed as one JSON array.")]
pub struct ApiArgs {
    /// The HTTP method: GET, POST, PUT, PATCH, DELETE or HEAD.
    #[arg(value_parser = parse_method)]
    pub method: Method,
    /// The path on the API domain, e.g. /service/platform/assets/v1.0/listFiles (a query
    /// string is kept).
    pub path: String,
    /// A field (repeatable): query parameter for GET, JSON body key otherwise.
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// Send this file's bytes as the body (`-` reads stdin); fields then go in the query.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Content type of the --input body.
    #[arg(
        long,
        value_name = "TYPE",
        default_value = "application/json",
        requires = "input"
    )]
    pub content_type: String,
    /// Follow the listing's pages (GET only) and print every item as one JSON array.
    #[arg(long)]
    pub paginate: bool,
}

/// Runs `pixelbin api`.
pub async fn run(args: ApiArgs, ctx: &Context) -> anyhow::Result<()> {
    let (path, mut query) = split_path(&args.path)?;
    let fields = parse_fields(&args.fields)?;
    let in_query =
        args.method == Method::GET || args.method == Method::HEAD || args.input.is_some();
    if args.paginate && args.method != Method::GET {
        return Err(CliError::usage(
            "--paginate follows listing pages: use it with GET",
        ));
    }
    let body = match &args.input {
        Some(file) => Some(read_input(file)?),
        None => None,
    };
    if in_query {
        for (key, values) in &fields {
            for value in values {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                query.push((key.clone(), text));
            }
        }
    }
    let client = ctx.client()?;
    let transport = client.transport();
    let plan = Plan {
        method: args.method.clone(),
        url: transport.api_url(&path),
        body: match body {
            Some(bytes) => Body::Bytes {
                content_type: Some(args.content_type.clone()),
                bytes,
            },
            None if !in_query => Body::json(&fields_object(&fields))?,
            None => Body::Empty,
        },
    };
    if args.paginate {
        return paginate(transport, &plan, query).await;
    }
    let answer = transport.send(plan.request(&query)).await?;
    print_answer(&answer.body)
}

/// The request `api` sends, but for its query (which `--paginate` changes page by page).
struct Plan {
    method: Method,
    url: pixelbin::http::url::Url,
    body: Body,
}

impl Plan {
    fn request(&self, query: &[(String, String)]) -> ApiRequest {
        let mut request = ApiRequest::new(self.method.clone(), self.url.clone());
        for (key, value) in query {
            request = request.query(key, value);
        }
        request.body(self.body.clone())
    }
}

/// GETs page after page, printing the items of each as they arrive, as one JSON array.
async fn paginate(
    transport: &Transport,
    plan: &Plan,
    mut query: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let first = match query.iter().position(|(k, _)| k == "pageNo") {
        Some(at) => {
            let (_, value) = query.remove(at);
            value
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    CliError::usage(format!("pageNo {value:?} is not a page number (from 1)"))
                })?
        }
        None => 1,
    };
    let mut next = Some(first);
    let mut count = 0usize;
    print_text(|w| write!(w, "["))?;
    let walked = async {
        while let Some(page_no) = next {
            let mut asked = query.clone();
            asked.push(("pageNo".into(), page_no.to_string()));
            let answer = transport.send(plan.request(&asked)).await?;
            let value: Value = answer.json()?;
            let (Some(items), Some(page)) = (
                value.get("items").and_then(Value::as_array),
                value.get("page"),
            ) else {
                return Err(anyhow::anyhow!(
                    "the answer to page {page_no} has no `items` array and `page` object: \
                     this endpoint is not a listing; drop --paginate"
                ));
            };
            let page: Page = serde_json::from_value(page.clone()).unwrap_or_default();
            for item in items {
                let text = serde_json::to_string(item)?;
                let sep = if count == 0 { "\n  " } else { ",\n  " };
                print_text(|w| write!(w, "{sep}{text}"))?;
                count += 1;
            }
            next = next_page(page_no, &page, items.len());
        }
        anyhow::Ok(())
    }
    .await;
    // Closed even after an error, so stdout stays one JSON document.
    let end = if count == 0 { "]" } else { "\n]" };
    print_text(|w| writeln!(w, "{end}"))?;
    walked
}

/// The answer as pretty JSON; an empty body prints nothing, a body that is not JSON as text.
fn print_answer(body: &[u8]) -> anyhow::Result<()> {
    if body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => crate::output::print_json(&value),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            print_text(|w| writeln!(w, "{}", text.trim_end()))
        }
    }
}

fn parse_method(text: &str) -> Result<Method, String> {
    match text.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        "HEAD" => Ok(Method::HEAD),
        _ => Err(format!(
            "'{text}' is not a method: use GET, POST, PUT, PATCH, DELETE or HEAD"
        )),
    }
}

/// The path and the query pairs written after its `?`; only paths on the API domain.
fn split_path(text: &str) -> anyhow::Result<(String, Vec<(String, String)>)> {
    if !text.starts_with('/') {
        return Err(CliError::usage(format!(
            "{text:?} is not a path on the API domain: write it from its first slash, e.g. \
             /service/platform/assets/v1.0/listFiles (set the domain with --domain)"
        )));
    }
    let (path, query) = text.split_once('?').unwrap_or((text, ""));
    let pairs = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok((path.to_string(), pairs))
}

/// `KEY=VALUE` fields, each value typed as JSON when it reads as JSON; repeated keys collect.
fn parse_fields(fields: &[String]) -> anyhow::Result<Vec<(String, Vec<Value>)>> {
    let mut parsed: Vec<(String, Vec<Value>)> = Vec::new();
    for field in fields {
        let Some((key, text)) = field.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(CliError::usage(format!(
                "-f {field:?} is not KEY=VALUE, e.g. -f path=products"
            )));
        };
        let value =
            serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.into()));
        match parsed.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) => values.push(value),
            None => parsed.push((key.to_string(), vec![value])),
        }
    }
    Ok(parsed)
}

/// The JSON body: one key per field, a list when repeated.
fn fields_object(fields: &[(String, Vec<Value>)]) -> Value {
    let mut map = Map::new();
    for (key, values) in fields {
        let value = match values.as_slice() {
            [one] => one.clone(),
            many => Value::Array(many.to_vec()),
        };
        map.insert(key.clone(), value);
    }
    Value::Object(map)
}

/// The `--input` body: a file, or stdin for `-`; bounded.
fn read_input(file: &std::path::Path) -> anyhow::Result<pixelbin::http::bytes::Bytes> {
    let mut bytes = Vec::new();
    let read = if file.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
    };
    read.with_context(|| format!("could not read --input {}", file.display()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(CliError::usage(format!(
            "--input {} is larger than {} MiB",
            file.display(),
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_type_values_and_collect_repeats() {
        let fields = parse_fields(&[
            "name=shoes".into(),
            "n=42".into(),
            "tags=a".into(),
            "tags=b".into(),
            "zip=007".into(),
            "eq=a=b".into(),
        ])
        .unwrap();
        assert_eq!(
            fields_object(&fields),
            json!({"name": "shoes", "n": 42, "tags": ["a", "b"], "zip": "007", "eq": "a=b"})
        );
        assert!(parse_fields(&["novalue".into()]).is_err());
        assert!(parse_fields(&["=x".into()]).is_err());
    }

    #[test]
    fn paths_stay_on_the_api_domain() {
        let (path, query) = split_path("/a/b?x=1&y=a%20b").unwrap();
        assert_eq!(path, "/a/b");
        assert_eq!(
            query,
            [("x".into(), "1".into()), ("y".into(), "a b".into())]
        );
        assert!(split_path("https://elsewhere.example/a").is_err());
        assert!(parse_method("get").is_ok());
        assert!(parse_method("BREW").is_err());
    }
}
