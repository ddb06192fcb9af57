//! Asset routes of `documentation/platform/ASSETS.md`: files, folders, listFiles, presets,
//! credentials and the playground. (Uploads are in [`crate::routes::upload`].)

use std::cmp::Ordering;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::routes::upload::check_access;
use crate::state::AppState;
use crate::store::ids;
use crate::store::{
    Clash, FolderRecord, PLAYGROUND_FILE_ID, PresetRecord, Store, join_path, normalize_path,
    remove_blob, stored_name,
};
use crate::wire::auth::Authed;
use crate::wire::errors::{ApiError, ApiResult};
use crate::wire::extract::{JsonBody, parse};

/// Default and largest page sizes of listings.
const DEFAULT_PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;

/// Decoded query parameters, in order.
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> QueryParams {
        QueryParams(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The value of `key`, if given and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A `true`/`false` parameter.
    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::validation(format!(
                "{key} must be true or false, got '{other}'"
            ))),
        }
    }

    /// A whole-number parameter of at least `min`.
    pub fn number(&self, key: &str, min: u64) -> ApiResult<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= min)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "{key} must be a whole number of at least {min}, got '{raw}'"
                    ))
                }),
        }
    }

    /// A list sent as `key[0]=a&key[1]=b` (the reference's form), `key[]=a` or repeated `key=a`.
    pub fn list(&self, key: &str) -> Vec<String> {
        let mut indexed: Vec<(usize, String)> = Vec::new();
        for (position, (k, v)) in self.0.iter().enumerate() {
            if k == key || *k == format!("{key}[]") {
                indexed.push((usize::MAX / 2 + position, v.clone()));
            } else if let Some(index) = k
                .strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
            {
                indexed.push((index, v.clone()));
            }
        }
        indexed.sort_by_key(|(i, _)| *i);
        indexed.into_iter().map(|(_, v)| v).collect()
    }
}

/// Pagination of a listing.
struct Page {
    number: u64,
    size: u64,
}

impl Page {
    fn from_query(query: &QueryParams) -> ApiResult<Page> {
        let number = query.number("pageNo", 1)?.unwrap_or(1);
        let size = query.number("pageSize", 1)?.unwrap_or(DEFAULT_PAGE_SIZE);
        if size > MAX_PAGE_SIZE {
            return Err(ApiError::validation(format!(
                "pageSize must be at most {MAX_PAGE_SIZE}, got {size}"
            )));
        }
        Ok(Page { number, size })
    }

    /// `{items, page}` for this page of `items`.
    fn render(&self, items: Vec<Value>) -> Value {
        let total = items.len() as u64;
        let start = (self.number - 1).saturating_mul(self.size);
        let page: Vec<Value> = items
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(self.size as usize)
            .collect();
        json!({
            "items": page,
            "page": {
                "type": "number",
                "size": self.size,
                "current": self.number,
                "hasNext": start.saturating_add(self.size) < total,
                "itemTotal": total,
            },
        })
    }
}

/// A sort key with direction, from `key`, `-key` or `key-`.
fn parse_sort(raw: Option<&str>, allowed: &[&str]) -> ApiResult<Option<(String, bool)>> {
    let Some(raw) = raw else { return Ok(None) };
    let (key, descending) = if let Some(key) = raw.strip_prefix('-') {
        (key, true)
    } else if let Some(key) = raw.strip_suffix('-') {
        (key, true)
    } else {
        (raw, false)
    };
    if !allowed.contains(&key) {
        return Err(ApiError::validation(format!(
            "sort must be one of {} (prefix '-' for descending), got '{raw}'",
            allowed.join(", ")
        )));
    }
    Ok(Some((key.to_string(), descending)))
}

/// Compares two JSON items by `key` (strings and numbers).
fn compare_by(a: &Value, b: &Value, key: &str) -> Ordering {
    match (&a[key], &b[key]) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

// ---------------------------------------------------------------- files

/// `GET /service/platform/assets/v1.0/files/id/{_id}`
pub async fn get_file_by_id(
    State(state): State<AppState>,
    _auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let file = store
        .files()
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("File with _id '{id}' not found")))?;
    Ok(Json(file.to_json(&state.base_url)))
}

/// `GET /service/platform/assets/v1.0/files/{fileId}`
pub async fn get_file(
    State(state): State<AppState>,
    _auth: Authed,
    Path(file_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let file = find_file(&store, &file_id)?;
    Ok(Json(file.to_json(&state.base_url)))
}

fn find_file<'a>(store: &'a Store, file_id: &str) -> ApiResult<&'a crate::store::FileRecord> {
    store
        .file_by_file_id(file_id)
        .ok_or_else(|| ApiError::not_found(format!("File '{file_id}' not found")))
}

/// Body of a file update.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateFile {
    name: Option<String>,
    path: Option<String>,
    access: Option<String>,
    is_active: Option<bool>,
    tags: Option<Vec<String>>,
    metadata: Option<Value>,
}

/// `PATCH /service/platform/assets/v1.0/files/{fileId}`
pub async fn update_file(
    State(state): State<AppState>,
    _auth: Authed,
    Path(file_id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let update: UpdateFile = parse(body, "file update")?;
    if let Some(access) = &update.access {
        check_access(access)?;
    }
    let mut store = state.store();
    let current = find_file(&store, &file_id)?.clone();
    let name = match &update.name {
        Some(name) => stored_name(name, None)?,
        None => current.name.clone(),
    };
    let path = update
        .path
        .as_deref()
        .map(normalize_path)
        .unwrap_or(current.path.clone());
    if name != current.name || path != current.path {
        store.plan_name(
            &path,
            &name,
            Clash::default(),
            Some(&current.id),
            &mut || state.new_id(),
        )?;
        store.ensure_folders(&path, &mut || state.new_id());
    }
    let mut file = current;
    file.name = name;
    file.path = path;
    if let Some(access) = update.access {
        file.access = access;
    }
    if let Some(active) = update.is_active {
        file.is_active = active;
    }
    if let Some(tags) = update.tags {
        file.tags = tags;
    }
    if let Some(metadata) = update.metadata {
        file.metadata = metadata;
    }
    file.updated_at = ids::now_iso();
    let body = file.to_json(&state.base_url);
    store.update_file(file);
    Ok(Json(body))
}

/// `DELETE /service/platform/assets/v1.0/files/{fileId}`
pub async fn delete_file(
    State(state): State<AppState>,
    _auth: Authed,
    Path(file_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store();
    let id = find_file(&store, &file_id)?.id.clone();
    let removed = store
        .remove_file(&id)
        .ok_or_else(|| ApiError::not_found(format!("File '{file_id}' not found")))?;
    remove_blob(&removed.blob);
    Ok(Json(removed.to_json(&state.base_url)))
}

/// Body of a bulk delete.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteFiles {
    ids: Vec<String>,
}

/// `POST /service/platform/assets/v1.0/files/delete` with `{"ids": [...]}` (file `_id`s).
pub async fn delete_files(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let request: DeleteFiles = parse(body, "delete files")?;
    if request.ids.is_empty() {
        return Err(ApiError::validation(
            "ids is empty: list the _ids of the files to delete",
        ));
    }
    let mut store = state.store();
    let mut deleted = Vec::new();
    for id in &request.ids {
        if let Some(file) = store.remove_file(id) {
            remove_blob(&file.blob);
            deleted.push(file.to_json(&state.base_url));
        }
    }
    Ok(Json(Value::Array(deleted)))
}

/// `GET /service/platform/assets/v1.0/listFiles`
pub async fn list_files(
    State(state): State<AppState>,
    _auth: Authed,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(raw.as_deref());
    let name = query.get("name").map(str::to_lowercase);
    let path = query.get("path").map(normalize_path);
    let format = query.get("format").map(str::to_lowercase);
    let tags = query.list("tags");
    let only_files = query.bool("onlyFiles")?.unwrap_or(false);
    let only_folders = query.bool("onlyFolders")?.unwrap_or(false);
    if only_files && only_folders {
        return Err(ApiError::validation(
            "onlyFiles and onlyFolders cannot both be true",
        ));
    }
    let sort = parse_sort(
        query.get("sort"),
        &["name", "createdAt", "updatedAt", "size", "format", "type"],
    )?;
    let page = Page::from_query(&query)?;

    let store = state.store();
    // Without a path, a search (name, format or tags) covers every folder; a plain listing
    // shows the root.
    let searching = name.is_some() || format.is_some() || !tags.is_empty();
    let in_scope = |item_path: &str| match &path {
        Some(p) => item_path == p,
        None => searching || item_path.is_empty(),
    };
    let name_matches = |item_name: &str| {
        name.as_ref()
            .is_none_or(|n| item_name.to_lowercase().contains(n.as_str()))
    };
    let file_filters = format.is_some() || !tags.is_empty();
    let mut folders: Vec<(u64, Value)> = if only_files || file_filters {
        Vec::new()
    } else {
        store
            .folders()
            .values()
            .filter(|f| in_scope(&f.path) && name_matches(&f.name))
            .map(|f| (f.seq, f.to_json()))
            .collect()
    };
    let mut files: Vec<(u64, Value)> = if only_folders {
        Vec::new()
    } else {
        store
            .files()
            .values()
            .filter(|f| in_scope(&f.path) && name_matches(&f.name))
            .filter(|f| format.as_ref().is_none_or(|fmt| &f.format == fmt))
            .filter(|f| tags.iter().all(|t| f.tags.contains(t)))
            .map(|f| (f.seq, f.to_explore_item(&state.base_url)))
            .collect()
    };
    drop(store);
    // Default order: folders first, newest first within each kind.
    folders.sort_by_key(|f| std::cmp::Reverse(f.0));
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut items: Vec<Value> = folders
        .into_iter()
        .chain(files)
        .map(|(_, item)| item)
        .collect();
    if let Some((key, descending)) = sort {
        items.sort_by(|a, b| {
            let order = compare_by(a, b, &key);
            if descending { order.reverse() } else { order }
        });
    }
    Ok(Json(page.render(items)))
}

// ---------------------------------------------------------------- folders

/// Body of a folder creation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateFolder {
    name: String,
    path: Option<String>,
}

/// `POST /service/platform/assets/v1.0/folders`
pub async fn create_folder(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let request: CreateFolder = parse(body, "create folder")?;
    let mut store = state.store();
    let folder = store.create_folder(
        &request.name,
        request.path.as_deref().unwrap_or_default(),
        &mut || state.new_id(),
    )?;
    Ok(Json(folder.to_json()))
}

/// `GET /service/platform/assets/v1.0/folders?path=&name=`: the items called `name` in `path`.
pub async fn folder_details(
    State(state): State<AppState>,
    _auth: Authed,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(raw.as_deref());
    let path = query.get("path").map(normalize_path).unwrap_or_default();
    let name = query.get("name");
    let store = state.store();
    let mut items: Vec<Value> = store
        .folders()
        .values()
        .filter(|f| f.path == path && name.is_none_or(|n| f.name == n))
        .map(FolderRecord::to_json)
        .collect();
    items.extend(
        store
            .files()
            .values()
            .filter(|f| f.path == path && name.is_none_or(|n| f.name == n))
            .map(|f| f.to_explore_item(&state.base_url)),
    );
    Ok(Json(Value::Array(items)))
}

/// Body of a folder update.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateFolder {
    is_active: Option<bool>,
}

/// `PATCH /service/platform/assets/v1.0/folders/{folderId}`
pub async fn update_folder(
    State(state): State<AppState>,
    _auth: Authed,
    Path(folder_id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    apply_folder_update(&state, &folder_id, body)
}

/// `PATCH /service/platform/assets/v1.0/folders/{path/to/folder/name}`: the documented form of
/// `folderId`, a folder's full path rather than its `_id`.
pub async fn update_folder_by_path(
    State(state): State<AppState>,
    _auth: Authed,
    Path((first, rest)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    apply_folder_update(&state, &format!("{first}/{rest}"), body)
}

/// Updates the folder named by `folder_id`: its `_id`, or its full path (`a/b`).
fn apply_folder_update(state: &AppState, folder_id: &str, body: Value) -> ApiResult<Json<Value>> {
    let update: UpdateFolder = parse(body, "folder update")?;
    let mut store = state.store();
    let key = match store.folders().contains_key(folder_id) {
        true => Some(folder_id.to_string()),
        false => store.folder_by_path(folder_id).map(|f| f.id.clone()),
    };
    let folder = key
        .and_then(|key| store.folder_mut(&key))
        .ok_or_else(|| ApiError::not_found(format!("Folder '{folder_id}' not found")))?;
    if let Some(active) = update.is_active {
        folder.is_active = active;
    }
    folder.updated_at = ids::now_iso();
    Ok(Json(folder.to_json()))
}

/// `DELETE /service/platform/assets/v1.0/folders/{_id}`: the folder and everything in it.
pub async fn delete_folder(
    State(state): State<AppState>,
    _auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store();
    let (folder, files) = store
        .remove_folder_tree(&id)
        .ok_or_else(|| ApiError::not_found(format!("Folder with _id '{id}' not found")))?;
    for file in files {
        remove_blob(&file.blob);
    }
    Ok(Json(folder.to_json()))
}

/// `GET /service/platform/assets/v1.0/folders/{_id}/ancestors`
pub async fn folder_ancestors(
    State(state): State<AppState>,
    _auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let folder = store
        .folders()
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Folder with _id '{id}' not found")))?;
    let mut ancestors = Vec::new();
    let mut prefix = String::new();
    for segment in folder.path.split('/').filter(|s| !s.is_empty()) {
        prefix = join_path(&prefix, segment);
        if let Some(ancestor) = store.folder_by_path(&prefix) {
            ancestors.push(ancestor.to_json());
        }
    }
    Ok(Json(
        json!({"folder": folder.to_json(), "ancestors": ancestors}),
    ))
}

// ---------------------------------------------------------------- credentials

/// Body of a credentials creation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddCredentials {
    credentials: Value,
    plugin_id: String,
}

/// `POST /service/platform/assets/v1.0/credentials`
pub async fn add_credentials(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let request: AddCredentials = parse(body, "add credentials")?;
    if request.plugin_id.is_empty() {
        return Err(ApiError::validation("pluginId must not be empty"));
    }
    let id = state.new_id();
    let mut store = state.store();
    let record = store.add_credentials(id, request.plugin_id, request.credentials)?;
    Ok(Json(record.to_json()))
}

/// Body of a credentials update.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateCredentials {
    credentials: Value,
}

/// `PATCH /service/platform/assets/v1.0/credentials/{pluginId}`
pub async fn update_credentials(
    State(state): State<AppState>,
    _auth: Authed,
    Path(plugin_id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let request: UpdateCredentials = parse(body, "update credentials")?;
    let mut store = state.store();
    let record = store
        .credentials_mut(&plugin_id)
        .ok_or_else(|| credentials_not_found(&plugin_id))?;
    record.credentials = request.credentials;
    record.updated_at = ids::now_iso();
    Ok(Json(record.to_json()))
}

/// `DELETE /service/platform/assets/v1.0/credentials/{pluginId}`
pub async fn delete_credentials(
    State(state): State<AppState>,
    _auth: Authed,
    Path(plugin_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let record = state
        .store()
        .remove_credentials(&plugin_id)
        .ok_or_else(|| credentials_not_found(&plugin_id))?;
    Ok(Json(record.to_json()))
}

fn credentials_not_found(plugin_id: &str) -> ApiError {
    ApiError::not_found(format!("No credentials for plugin '{plugin_id}'"))
}

// ---------------------------------------------------------------- presets

/// Body of a preset creation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddPreset {
    preset_name: String,
    transformation: String,
    params: Option<Value>,
}

/// `POST /service/platform/assets/v1.0/presets`
pub async fn add_preset(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let request: AddPreset = parse(body, "add preset")?;
    if request.preset_name.is_empty() || request.transformation.is_empty() {
        return Err(ApiError::validation(
            "presetName and transformation must not be empty",
        ));
    }
    let id = state.new_id();
    let mut store = state.store();
    let record = store.add_preset(
        id,
        request.preset_name,
        request.transformation,
        request.params.unwrap_or_else(|| json!({})),
    )?;
    Ok(Json(record.to_json()))
}

/// `GET /service/platform/assets/v1.0/presets`
pub async fn list_presets(
    State(state): State<AppState>,
    _auth: Authed,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(raw.as_deref());
    let page = Page::from_query(&query)?;
    let name = query.get("name").map(str::to_lowercase);
    let transformation = query.get("transformation");
    let archived = query.bool("archived")?;
    let sorts: Vec<String> = {
        let mut sorts = query.list("sort");
        sorts.dedup();
        sorts
    };
    let allowed = ["presetName", "createdAt", "updatedAt", "transformation"];
    let sorts = sorts
        .iter()
        .map(|s| parse_sort(Some(s), &allowed))
        .collect::<ApiResult<Vec<_>>>()?;
    let store = state.store();
    let mut presets: Vec<&PresetRecord> = store
        .presets()
        .values()
        .filter(|p| {
            name.as_ref()
                .is_none_or(|n| p.preset_name.to_lowercase().contains(n.as_str()))
        })
        .filter(|p| transformation.is_none_or(|t| p.transformation.contains(t)))
        .filter(|p| archived.is_none_or(|a| p.archived == a))
        .collect();
    presets.sort_by_key(|p| p.seq);
    let mut items: Vec<Value> = presets.into_iter().map(PresetRecord::to_json).collect();
    drop(store);
    for (key, descending) in sorts.into_iter().flatten().rev() {
        items.sort_by(|a, b| {
            let order = compare_by(a, b, &key);
            if descending { order.reverse() } else { order }
        });
    }
    Ok(Json(page.render(items)))
}

/// `GET /service/platform/assets/v1.0/presets/{presetName}`
pub async fn get_preset(
    State(state): State<AppState>,
    _auth: Authed,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let preset = store
        .presets()
        .get(&name)
        .ok_or_else(|| preset_not_found(&name))?;
    Ok(Json(preset.to_json()))
}

/// Body of a preset update.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdatePreset {
    archived: bool,
}

/// `PATCH /service/platform/assets/v1.0/presets/{presetName}`
pub async fn update_preset(
    State(state): State<AppState>,
    _auth: Authed,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let update: UpdatePreset = parse(body, "preset update")?;
    let mut store = state.store();
    let preset = store
        .preset_mut(&name)
        .ok_or_else(|| preset_not_found(&name))?;
    preset.archived = update.archived;
    preset.updated_at = ids::now_iso();
    Ok(Json(preset.to_json()))
}

/// `DELETE /service/platform/assets/v1.0/presets/{presetName}`
pub async fn delete_preset(
    State(state): State<AppState>,
    _auth: Authed,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let preset = state
        .store()
        .remove_preset(&name)
        .ok_or_else(|| preset_not_found(&name))?;
    Ok(Json(preset.to_json()))
}

fn preset_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Preset '{name}' not found"))
}

// ---------------------------------------------------------------- playground

/// `GET /service/platform/assets/v1.0/playground/default`
pub async fn playground_default(
    State(state): State<AppState>,
    _auth: Authed,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let file = store
        .file_by_file_id(PLAYGROUND_FILE_ID)
        .ok_or_else(|| ApiError::not_found("The playground's default asset was deleted"))?;
    Ok(Json(file.to_json(&state.base_url)))
}

/// `GET /service/platform/assets/v1.0/playground/plugins`
pub async fn playground_modules(State(state): State<AppState>, _auth: Authed) -> Json<Value> {
    let presets: Vec<Value> = state
        .store()
        .presets()
        .values()
        .map(PresetRecord::to_json)
        .collect();
    let plugins: serde_json::Map<String, Value> = modules()
        .into_iter()
        .map(|m| (m["identifier"].as_str().unwrap_or_default().to_string(), m))
        .collect();
    Json(json!({
        "delimiters": {"operationSeparator": "~", "parameterSeparator": ":"},
        "plugins": plugins,
        "presets": presets,
    }))
}

/// `GET /service/platform/assets/v1.0/playground/plugins/{identifier}`
pub async fn playground_module(
    _auth: Authed,
    Path(identifier): Path<String>,
) -> ApiResult<Json<Value>> {
    modules()
        .into_iter()
        .find(|m| m["identifier"] == identifier.as_str())
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(format!("Transformation module '{identifier}' not found"))
        })
}

/// The transformation modules the playground lists.
fn modules() -> Vec<Value> {
    let module = |identifier: &str, name: &str, description: &str, operations: Value| {
        json!({
            "identifier": identifier,
            "name": name,
            "description": description,
            "credentials": {"required": false},
            "operations": operations,
            "enabled": true,
        })
    };
    vec![
        module(
            "erase",
            "EraseBG",
            "EraseBG Background Removal Module",
            json!([{
                "params": {"name": "Industry Type", "type": "enum",
                           "enum": ["general", "ecommerce", "car", "human"],
                           "default": "general", "identifier": "i", "title": "Industry type"},
                "displayName": "Remove background of an image",
                "method": "bg",
                "description": "Remove the background of any image",
            }]),
        ),
        module(
            "sr",
            "Super Resolution",
            "Super Resolution Module",
            json!([{
                "params": {"name": "Type", "type": "enum", "enum": ["2x", "4x"],
                           "default": "2x", "identifier": "t", "title": "Type"},
                "displayName": "Upscale an image",
                "method": "upscale",
                "description": "Increase the resolution of an image",
            }]),
        ),
        module(
            "wm",
            "Watermark Remover",
            "Watermark Removal Module",
            json!([{
                "params": {"name": "Remove Text", "type": "boolean", "default": false,
                           "identifier": "rem_text", "title": "Remove text"},
                "displayName": "Remove watermark",
                "method": "remove",
                "description": "Remove watermarks from an image",
            }]),
        ),
        module(
            "t",
            "Basic Transformations",
            "Basic Transformations Module",
            json!([
                {"params": [{"name": "Height", "type": "integer", "default": 0, "identifier": "h", "title": "Height"},
                            {"name": "Width", "type": "integer", "default": 0, "identifier": "w", "title": "Width"}],
                 "displayName": "Resize", "method": "resize", "description": "Resize an image"},
                {"params": [{"name": "Quality", "type": "integer", "default": 80, "identifier": "q", "title": "Quality"}],
                 "displayName": "Compress", "method": "compress", "description": "Compress an image"},
                {"params": [], "displayName": "Flip", "method": "flip", "description": "Flip an image vertically"},
            ]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_in_every_form() {
        let q = QueryParams::parse(Some("tags%5B1%5D=b&tags%5B0%5D=a&x=1"));
        assert_eq!(q.list("tags"), vec!["a", "b"]);
        let q = QueryParams::parse(Some("tags=a&tags=b"));
        assert_eq!(q.list("tags"), vec!["a", "b"]);
        let q = QueryParams::parse(Some("tags[]=a"));
        assert_eq!(q.list("tags"), vec!["a"]);
    }

    #[test]
    fn booleans_and_numbers() {
        let q = QueryParams::parse(Some("a=true&b=false&c=yes&n=3&m=0"));
        assert_eq!(q.bool("a").unwrap(), Some(true));
        assert_eq!(q.bool("b").unwrap(), Some(false));
        assert!(q.bool("c").is_err());
        assert_eq!(q.number("n", 1).unwrap(), Some(3));
        assert!(q.number("m", 1).is_err());
        assert_eq!(q.number("z", 1).unwrap(), None);
    }

    #[test]
    fn pages() {
        let page = Page { number: 2, size: 2 };
        let body = page.render((0..5).map(|i| json!(i)).collect());
        assert_eq!(body["items"], json!([2, 3]));
        assert_eq!(body["page"]["hasNext"], true);
        assert_eq!(body["page"]["itemTotal"], 5);
        let last = Page { number: 3, size: 2 }.render((0..5).map(|i| json!(i)).collect());
        assert_eq!(last["items"], json!([4]));
        assert_eq!(last["page"]["hasNext"], false);
    }

    #[test]
    fn sorts() {
        assert_eq!(
            parse_sort(Some("-name"), &["name"]).unwrap(),
            Some(("name".into(), true))
        );
        assert_eq!(
            parse_sort(Some("name-"), &["name"]).unwrap(),
            Some(("name".into(), true))
        );
        assert_eq!(
            parse_sort(Some("name"), &["name"]).unwrap(),
            Some(("name".into(), false))
        );
        assert!(parse_sort(Some("colour"), &["name"]).is_err());
    }
}
