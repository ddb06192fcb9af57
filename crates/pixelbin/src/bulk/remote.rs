//! What is stored remotely already: the listings a rerun reads to find files an interrupted
//! run stored without hearing so, shared by [`uploads`](super::uploads) and
//! [`transforms`](super::transforms).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use futures::TryStreamExt;

use super::{Error, Found};
use crate::PixelbinClient;
use crate::http::naming::remote_path;
use crate::platform::ListFilesParams;
use crate::upload::{TreeFile, UploadRequest, stored_name};

/// A file found in a listing.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    /// Its size in bytes.
    pub size: u64,
    /// Its URL on the CDN, when the listing gives it.
    pub url: Option<String>,
}

/// `(folder, name) -> file` of the files stored in `folders`: one listing per folder.
pub(crate) async fn remote_files<'a>(
    client: &PixelbinClient,
    folders: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<(String, String), Listed>, Error> {
    let mut existing = HashMap::new();
    let folders: HashSet<&str> = folders.into_iter().collect();
    for folder in folders {
        let mut params = ListFilesParams::new().only_files(true);
        if !folder.is_empty() {
            params = params.path(folder.to_string());
        }
        let items: Vec<_> = client
            .assets()
            .list_files_stream(params)
            .try_collect()
            .await
            .map_err(|source| Error::Listing {
                folder: folder.to_string(),
                source: Box::new(source),
            })?;
        for item in items {
            if let (Some(name), Some(size)) = (item.name, item.size) {
                let url = item
                    .extra
                    .get("url")
                    .and_then(|u| u.as_str())
                    .map(str::to_string);
                let listed = Listed { size, url };
                existing.insert((folder.to_string(), name), listed);
            }
        }
    }
    Ok(existing)
}

/// The file stored as `folder/name` with `size` bytes, if any (listings give names with or
/// without the extension).
pub(crate) fn stored<'m>(
    existing: &'m HashMap<(String, String), Listed>,
    folder: &str,
    name: &str,
    size: u64,
) -> Option<&'m Listed> {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    [name, stem].into_iter().find_map(|name| {
        existing
            .get(&(folder.to_string(), name.to_string()))
            .filter(|f| f.size == size)
    })
}

/// Where a found file is stored: its upload request, folder and stored name.
pub(crate) struct Placed {
    /// The request that stores it there.
    pub request: UploadRequest,
    /// The remote folder (`""` for the root).
    pub folder: String,
    /// The name the service stores it under, extension included.
    pub name: String,
}

/// Places found files below a remote folder (their sub-folders kept), refusing two files
/// the service would store under one name unless `keep_apart` (`filename_override`).
pub(crate) struct Placer<'a> {
    root: &'a str,
    base: &'a UploadRequest,
    keep_apart: bool,
    taken: HashMap<(String, String), PathBuf>,
}

impl<'a> Placer<'a> {
    /// Files go below `root` (checked with `check_folder`), sharing `base`.
    pub(crate) fn new(root: &'a str, base: &'a UploadRequest) -> Placer<'a> {
        Placer {
            root,
            base,
            keep_apart: base.filename_override == Some(true),
            taken: HashMap::new(),
        }
    }

    /// Where `found` goes.
    pub(crate) fn place(&mut self, found: &Found) -> Result<Placed, Error> {
        let tree = TreeFile {
            path: found.path.clone(),
            relative: found.relative.clone(),
        };
        let request = tree.request(Some(self.root), self.base);
        let name = stored_name(
            request.name.as_deref().unwrap_or_default(),
            request.format.as_deref(),
        )
        .map_err(|source| Error::BadName {
            path: found.path.clone(),
            source,
        })?;
        let folder = request.path.clone().unwrap_or_default();
        let key = (folder.clone(), name.clone());
        if let Some(first) = self.taken.get(&key).filter(|_| !self.keep_apart) {
            return Err(Error::RemoteNameClash {
                first: first.clone(),
                second: found.path.clone(),
                stored: remote_path([&folder, &name]),
            });
        }
        self.taken.insert(key, found.path.clone());
        Ok(Placed {
            request,
            folder,
            name,
        })
    }
}
