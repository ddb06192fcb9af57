//! The Pixelbin platform APIs: files, folders, listings, credentials, presets, playground,
//! uploads, the organization's app details and the transformation context.
//!
//! Four handles mirror the reference SDKs' groups, each built from a shared
//! [`pixelbin_http::Transport`] (cheap to clone, one connection pool):
//!
//! - [`Assets`] (`pixelbin.assets`): everything in the reference's `ASSETS.md`;
//! - [`Organization`] (`pixelbin.organization`): `getAppOrgDetails`;
//! - [`TransformationApi`] (`pixelbin.transformation`): `getTransformationContext`;
//! - [`Billing`] (`billing` of the JS admin SDK `@pixelbin/admin`; the Python reference has
//!   none): current credit and storage usage.
//!
//! Methods are the reference's names in snake_case (`listFiles` → [`Assets::list_files`],
//! `createSignedUrlV2` → [`Assets::create_signed_url_v2`]). Calls with several optional
//! arguments take a params struct with `Default` and chainable setters; answers are typed
//! structs whose [`extra`](FileObject::extra) map keeps every field this crate does not name.
//! Arguments are checked before anything is sent and bad ones give
//! [`Error::IllegalArgument`] with the reference's
//! wording (`access: Must be one of: public-read, private.`).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use pixelbin_http::{PixelbinConfig, Transport};
//! use pixelbin_platform::{Assets, ListFilesParams, UpdateFileParams};
//!
//! # async fn demo() -> Result<(), pixelbin_http::Error> {
//! let transport = Transport::new(PixelbinConfig::new("your-api-secret")?)?;
//! let assets = Assets::new(transport);
//!
//! // One page, the reference's way.
//! let page = assets
//!     .list_files(ListFilesParams::new().path("cats").tags(["cute"]).page_size(20))
//!     .await?;
//! println!("{} items, more: {:?}", page.items.len(), page.page.has_next);
//!
//! // Every file in the folder, page after page.
//! let mut files = assets.list_files_stream(ListFilesParams::new().path("cats").only_files(true));
//! while let Some(file) = files.try_next().await? {
//!     if let Some(file_id) = &file.file_id {
//!         assets
//!             .update_file(file_id, UpdateFileParams::new().tags(["cat"]))
//!             .await?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! | Reference | Rust |
//! | --- | --- |
//! | `assets.addCredentials` / `updateCredentials` / `deleteCredentials` | [`Assets::add_credentials`], [`Assets::update_credentials`], [`Assets::delete_credentials`] |
//! | `assets.getFileById` / `getFileByFileId` | [`Assets::get_file_by_id`], [`Assets::get_file_by_file_id`] |
//! | `assets.updateFile` / `deleteFile` / `deleteFiles` | [`Assets::update_file`], [`Assets::delete_file`], [`Assets::delete_files`] |
//! | `assets.createFolder` / `getFolderDetails` / `updateFolder` / `deleteFolder` / `getFolderAncestors` | [`Assets::create_folder`], [`Assets::get_folder_details`], [`Assets::update_folder`], [`Assets::delete_folder`], [`Assets::get_folder_ancestors`] |
//! | `assets.listFiles` / `listFilesPaginator` | [`Assets::list_files`], [`Assets::list_files_stream`] |
//! | `assets.getDefaultAssetForPlayground` / `getModules` / `getModule` | [`Assets::get_default_asset_for_playground`], [`Assets::get_modules`], [`Assets::get_module`] |
//! | `assets.addPreset` / `getPresets` / `getPreset` / `updatePreset` / `deletePreset` | [`Assets::add_preset`], [`Assets::get_presets`] (+ [`Assets::get_presets_stream`]), [`Assets::get_preset`], [`Assets::update_preset`], [`Assets::delete_preset`] |
//! | `assets.fileUpload` / `urlUpload` | [`Assets::file_upload`], [`Assets::url_upload`] |
//! | `assets.createSignedUrl` / `createSignedUrlV2` | [`Assets::create_signed_url`], [`Assets::create_signed_url_v2`] |
//! | `organization.getAppOrgDetails` | [`Organization::get_app_org_details`] |
//! | `transformation.getTransformationContext` | [`TransformationApi::get_transformation_context`] |
//! | `billing.getUsageV2` / `getUsage` (deprecated), from `@pixelbin/admin` | [`Billing::get_usage`], [`Billing::get_subscription_usage`] |
//!
//! Query strings follow the reference: lists as `tags[0]=a&tags[1]=b`, booleans as
//! `true`/`false`, unset or empty values left out. One deliberate difference: an explicit
//! `false` (e.g. `archived(false)`) is sent, where the reference drops every falsy value.

mod assets;
mod billing;
mod credentials;
mod endpoint;
mod files;
mod folders;
mod listing;
mod organization;
mod pagination;
mod playground;
mod presets;
mod query;
mod setters;
mod transformation;
mod uploads;
mod validate;

pub use assets::Assets;
pub use billing::{Billing, SubscriptionUsage, Usage, UsageFigure};
pub use credentials::CredentialsInfo;
#[allow(deprecated)]
pub use files::{FileInfo, UploadResponse};
pub use files::{FileObject, UpdateFileParams};
pub use folders::{AncestorsResponse, FolderDetailsParams, FolderInfo};
pub use listing::{FileItem, ListFilesParams, ListFilesResponse};
pub use organization::{AppDetails, AppOrgDetails, OrgDetails, Organization};
pub use pagination::{Page, next_page};
/// The access level of an asset (shared with `pixelbin-upload`, defined in `pixelbin-http`).
pub use pixelbin_http::model::Access;
pub use playground::{Delimiters, ModuleOperation, TransformationModule, TransformationModules};
pub use presets::{GetPresetsParams, Preset, PresetsResponse};
#[allow(deprecated)]
pub use transformation::Transformation;
pub use transformation::{TransformationApi, TransformationContext};
#[allow(deprecated)]
pub use uploads::SignedUrlV2Params;
pub use uploads::{
    PresignedUrl, SignedUrlParams, SignedUrlResponse, SignedUrlV2Response, UploadFile,
    UploadParams, UploadRequest,
};

/// The error type of every call (re-exported from `pixelbin-http`).
pub use pixelbin_http::Error;

#[cfg(test)]
mod tests {
    use super::*;
    use pixelbin_http::{PixelbinConfig, Transport};
    use serde_json::json;

    fn assert_send<T: Send>(_: &T) {}
    fn assert_unpin<T: Unpin>(_: &T) {}
    fn assert_handle<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}

    #[test]
    fn handles_are_cheap_shareable_values() {
        assert_handle::<Assets>();
        assert_handle::<Organization>();
        assert_handle::<TransformationApi>();
        assert_handle::<Billing>();
    }

    /// Every call's future is `Send`, so it can be spawned or driven by a blocking wrapper.
    #[test]
    fn every_call_future_is_send() {
        let transport = Transport::new(PixelbinConfig::new("test-secret").unwrap()).unwrap();
        let assets = Assets::new(transport.clone());
        assert_send(&assets.add_credentials("p", json!({})));
        assert_send(&assets.update_credentials("p", json!({})));
        assert_send(&assets.delete_credentials("p"));
        assert_send(&assets.get_file_by_id("i"));
        assert_send(&assets.get_file_by_file_id("a/b"));
        assert_send(&assets.update_file("a/b", UpdateFileParams::new()));
        assert_send(&assets.delete_file("a/b"));
        assert_send(&assets.delete_files(["i"]));
        assert_send(&assets.create_folder("n", None));
        assert_send(&assets.get_folder_details(FolderDetailsParams::new()));
        assert_send(&assets.update_folder("a/b", Some(true)));
        assert_send(&assets.delete_folder("i"));
        assert_send(&assets.get_folder_ancestors("i"));
        assert_send(&assets.list_files(ListFilesParams::new()));
        assert_send(&assets.list_files_stream(ListFilesParams::new()));
        assert_unpin(&assets.list_files_stream(ListFilesParams::new()));
        assert_unpin(&assets.get_presets_stream(GetPresetsParams::new()));
        assert_send(&assets.get_default_asset_for_playground());
        assert_send(&assets.get_modules());
        assert_send(&assets.get_module("erase"));
        assert_send(&assets.add_preset("p", "t.flip()", None));
        assert_send(&assets.get_presets(GetPresetsParams::new()));
        assert_send(&assets.get_presets_stream(GetPresetsParams::new()));
        assert_send(&assets.update_preset("p", true));
        assert_send(&assets.delete_preset("p"));
        assert_send(&assets.get_preset("p"));
        assert_send(&assets.file_upload(UploadFile::new(vec![1u8], "a.jpg"), UploadParams::new()));
        assert_send(&assets.url_upload("https://x/y.jpg", UploadParams::new()));
        assert_send(&assets.create_signed_url(SignedUrlParams::new()));
        assert_send(&assets.create_signed_url_v2(UploadRequest::new()));
        assert_send(&Organization::new(transport.clone()).get_app_org_details());
        assert_send(&TransformationApi::new(transport.clone()).get_transformation_context(None));
        let billing = Billing::new(transport);
        assert_send(&billing.get_usage());
        #[allow(deprecated)]
        let subscription = billing.get_subscription_usage();
        assert_send(&subscription);
    }

    #[test]
    fn debug_never_prints_the_transport() {
        let transport = Transport::new(PixelbinConfig::new("very-secret-token").unwrap()).unwrap();
        for debug in [
            format!("{:?}", Assets::new(transport.clone())),
            format!("{:?}", Organization::new(transport.clone())),
            format!("{:?}", TransformationApi::new(transport.clone())),
            format!("{:?}", Billing::new(transport)),
        ] {
            assert!(!debug.contains("very-secret-token"), "{debug}");
        }
    }
}
