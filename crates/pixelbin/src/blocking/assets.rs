//! Blocking platform asset APIs.

use std::fmt;

use pixelbin_http::Transport;
use pixelbin_platform::{
    AncestorsResponse, CredentialsInfo, FileItem, FileObject, FolderDetailsParams, FolderInfo,
    GetPresetsParams, ListFilesParams, ListFilesResponse, Preset, PresetsResponse, SignedUrlParams,
    SignedUrlResponse, SignedUrlV2Response, TransformationModule, TransformationModules,
    UpdateFileParams, UploadFile, UploadParams, UploadRequest,
};
use serde_json::Value;

use super::iter::ListIter;
use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::Assets`](crate::Assets): files, folders, listings,
/// credentials, presets, playground, direct uploads and signed upload URLs.
///
/// ```no_run
/// use pixelbin::blocking::PixelbinClient;
/// use pixelbin::platform::ListFilesParams;
///
/// # fn run() -> Result<(), pixelbin::Error> {
/// let client = PixelbinClient::from_env()?;
/// let first_page = client.assets().list_files(ListFilesParams::new().page_size(10))?;
/// println!("{} items", first_page.items.len());
///
/// // Every file under `cats`, page after page.
/// for file in client.assets().list_files_stream(ListFilesParams::new().path("cats")) {
///     println!("{:?}", file?.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Assets {
    inner: pixelbin_platform::Assets,
    runtime: BlockingRuntime,
}

impl Assets {
    pub(crate) fn new(inner: pixelbin_platform::Assets, runtime: BlockingRuntime) -> Self {
        Assets { inner, runtime }
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &Transport {
        self.inner.transport()
    }

    /// `addCredentials`; see [`pixelbin::platform::Assets::add_credentials`](crate::platform::Assets::add_credentials).
    pub fn add_credentials(
        &self,
        plugin_id: &str,
        credentials: Value,
    ) -> Result<CredentialsInfo, Error> {
        self.runtime.run(
            "Assets::add_credentials",
            self.inner.add_credentials(plugin_id, credentials),
        )
    }

    /// `updateCredentials`; see [`pixelbin::platform::Assets::update_credentials`](crate::platform::Assets::update_credentials).
    pub fn update_credentials(
        &self,
        plugin_id: &str,
        credentials: Value,
    ) -> Result<CredentialsInfo, Error> {
        self.runtime.run(
            "Assets::update_credentials",
            self.inner.update_credentials(plugin_id, credentials),
        )
    }

    /// `deleteCredentials`; see [`pixelbin::platform::Assets::delete_credentials`](crate::platform::Assets::delete_credentials).
    pub fn delete_credentials(&self, plugin_id: &str) -> Result<CredentialsInfo, Error> {
        self.runtime.run(
            "Assets::delete_credentials",
            self.inner.delete_credentials(plugin_id),
        )
    }

    /// `getFileById`; see [`pixelbin::platform::Assets::get_file_by_id`](crate::platform::Assets::get_file_by_id).
    pub fn get_file_by_id(&self, id: &str) -> Result<FileObject, Error> {
        self.runtime
            .run("Assets::get_file_by_id", self.inner.get_file_by_id(id))
    }

    /// `getFileByFileId`; see [`pixelbin::platform::Assets::get_file_by_file_id`](crate::platform::Assets::get_file_by_file_id).
    pub fn get_file_by_file_id(&self, file_id: &str) -> Result<FileObject, Error> {
        self.runtime.run(
            "Assets::get_file_by_file_id",
            self.inner.get_file_by_file_id(file_id),
        )
    }

    /// `updateFile`; see [`pixelbin::platform::Assets::update_file`](crate::platform::Assets::update_file).
    pub fn update_file(
        &self,
        file_id: &str,
        params: UpdateFileParams,
    ) -> Result<FileObject, Error> {
        self.runtime.run(
            "Assets::update_file",
            self.inner.update_file(file_id, params),
        )
    }

    /// `deleteFile`; see [`pixelbin::platform::Assets::delete_file`](crate::platform::Assets::delete_file).
    pub fn delete_file(&self, file_id: &str) -> Result<FileObject, Error> {
        self.runtime
            .run("Assets::delete_file", self.inner.delete_file(file_id))
    }

    /// `deleteFiles`; see [`pixelbin::platform::Assets::delete_files`](crate::platform::Assets::delete_files).
    pub fn delete_files<I, S>(&self, ids: I) -> Result<Vec<FileObject>, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.runtime
            .run("Assets::delete_files", self.inner.delete_files(ids))
    }

    /// `createFolder`; see [`pixelbin::platform::Assets::create_folder`](crate::platform::Assets::create_folder).
    pub fn create_folder(&self, name: &str, path: Option<&str>) -> Result<FolderInfo, Error> {
        self.runtime.run(
            "Assets::create_folder",
            self.inner.create_folder(name, path),
        )
    }

    /// `getFolderDetails`; see [`pixelbin::platform::Assets::get_folder_details`](crate::platform::Assets::get_folder_details).
    pub fn get_folder_details(&self, params: FolderDetailsParams) -> Result<Vec<FileItem>, Error> {
        self.runtime.run(
            "Assets::get_folder_details",
            self.inner.get_folder_details(params),
        )
    }

    /// `updateFolder`; see [`pixelbin::platform::Assets::update_folder`](crate::platform::Assets::update_folder).
    pub fn update_folder(
        &self,
        folder_id: &str,
        is_active: Option<bool>,
    ) -> Result<FolderInfo, Error> {
        self.runtime.run(
            "Assets::update_folder",
            self.inner.update_folder(folder_id, is_active),
        )
    }

    /// `deleteFolder`; see [`pixelbin::platform::Assets::delete_folder`](crate::platform::Assets::delete_folder).
    pub fn delete_folder(&self, id: &str) -> Result<FolderInfo, Error> {
        self.runtime
            .run("Assets::delete_folder", self.inner.delete_folder(id))
    }

    /// `getFolderAncestors`; see [`pixelbin::platform::Assets::get_folder_ancestors`](crate::platform::Assets::get_folder_ancestors).
    pub fn get_folder_ancestors(&self, id: &str) -> Result<AncestorsResponse, Error> {
        self.runtime.run(
            "Assets::get_folder_ancestors",
            self.inner.get_folder_ancestors(id),
        )
    }

    /// `listFiles`: one page; see [`pixelbin::platform::Assets::list_files`](crate::platform::Assets::list_files).
    pub fn list_files(&self, params: ListFilesParams) -> Result<ListFilesResponse, Error> {
        self.runtime
            .run("Assets::list_files", self.inner.list_files(params))
    }

    /// Every item matching `params`, fetching the next page when the iterator needs it; see
    /// [`pixelbin::platform::Assets::list_files_stream`](crate::platform::Assets::list_files_stream).
    pub fn list_files_stream(&self, params: ListFilesParams) -> ListIter<FileItem> {
        ListIter::new(
            self.runtime.clone(),
            "Assets::list_files_stream",
            self.inner.list_files_stream(params),
        )
    }

    /// `getDefaultAssetForPlayground`; see
    /// [`pixelbin::platform::Assets::get_default_asset_for_playground`](crate::platform::Assets::get_default_asset_for_playground).
    pub fn get_default_asset_for_playground(&self) -> Result<FileObject, Error> {
        self.runtime.run(
            "Assets::get_default_asset_for_playground",
            self.inner.get_default_asset_for_playground(),
        )
    }

    /// `getModules`; see [`pixelbin::platform::Assets::get_modules`](crate::platform::Assets::get_modules).
    pub fn get_modules(&self) -> Result<TransformationModules, Error> {
        self.runtime
            .run("Assets::get_modules", self.inner.get_modules())
    }

    /// `getModule`; see [`pixelbin::platform::Assets::get_module`](crate::platform::Assets::get_module).
    pub fn get_module(&self, identifier: &str) -> Result<TransformationModule, Error> {
        self.runtime
            .run("Assets::get_module", self.inner.get_module(identifier))
    }

    /// `addPreset`; see [`pixelbin::platform::Assets::add_preset`](crate::platform::Assets::add_preset).
    pub fn add_preset(
        &self,
        preset_name: &str,
        transformation: &str,
        params: Option<Value>,
    ) -> Result<Preset, Error> {
        self.runtime.run(
            "Assets::add_preset",
            self.inner.add_preset(preset_name, transformation, params),
        )
    }

    /// `getPresets`: one page; see [`pixelbin::platform::Assets::get_presets`](crate::platform::Assets::get_presets).
    pub fn get_presets(&self, params: GetPresetsParams) -> Result<PresetsResponse, Error> {
        self.runtime
            .run("Assets::get_presets", self.inner.get_presets(params))
    }

    /// Every preset matching `params`, page after page; see
    /// [`pixelbin::platform::Assets::get_presets_stream`](crate::platform::Assets::get_presets_stream).
    pub fn get_presets_stream(&self, params: GetPresetsParams) -> ListIter<Preset> {
        ListIter::new(
            self.runtime.clone(),
            "Assets::get_presets_stream",
            self.inner.get_presets_stream(params),
        )
    }

    /// `updatePreset`; see [`pixelbin::platform::Assets::update_preset`](crate::platform::Assets::update_preset).
    pub fn update_preset(&self, preset_name: &str, archived: bool) -> Result<Preset, Error> {
        self.runtime.run(
            "Assets::update_preset",
            self.inner.update_preset(preset_name, archived),
        )
    }

    /// `deletePreset`; see [`pixelbin::platform::Assets::delete_preset`](crate::platform::Assets::delete_preset).
    pub fn delete_preset(&self, preset_name: &str) -> Result<Preset, Error> {
        self.runtime.run(
            "Assets::delete_preset",
            self.inner.delete_preset(preset_name),
        )
    }

    /// `getPreset`; see [`pixelbin::platform::Assets::get_preset`](crate::platform::Assets::get_preset).
    pub fn get_preset(&self, preset_name: &str) -> Result<Preset, Error> {
        self.runtime
            .run("Assets::get_preset", self.inner.get_preset(preset_name))
    }

    /// `fileUpload`: a direct single-request upload; see
    /// [`pixelbin::platform::Assets::file_upload`](crate::platform::Assets::file_upload).
    pub fn file_upload(&self, file: UploadFile, params: UploadParams) -> Result<FileObject, Error> {
        self.runtime
            .run("Assets::file_upload", self.inner.file_upload(file, params))
    }

    /// `urlUpload`; see [`pixelbin::platform::Assets::url_upload`](crate::platform::Assets::url_upload).
    pub fn url_upload(
        &self,
        url_to_fetch: &str,
        params: UploadParams,
    ) -> Result<FileObject, Error> {
        self.runtime.run(
            "Assets::url_upload",
            self.inner.url_upload(url_to_fetch, params),
        )
    }

    /// `createSignedUrl`; see [`pixelbin::platform::Assets::create_signed_url`](crate::platform::Assets::create_signed_url).
    pub fn create_signed_url(&self, params: SignedUrlParams) -> Result<SignedUrlResponse, Error> {
        self.runtime.run(
            "Assets::create_signed_url",
            self.inner.create_signed_url(params),
        )
    }

    /// `createSignedUrlV2`; see [`pixelbin::platform::Assets::create_signed_url_v2`](crate::platform::Assets::create_signed_url_v2).
    pub fn create_signed_url_v2(
        &self,
        params: UploadRequest,
    ) -> Result<SignedUrlV2Response, Error> {
        self.runtime.run(
            "Assets::create_signed_url_v2",
            self.inner.create_signed_url_v2(params),
        )
    }
}

impl fmt::Debug for Assets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Assets")
            .field(&self.inner)
            .finish()
    }
}
