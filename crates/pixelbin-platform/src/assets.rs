//! The `Assets` API group: files, folders, listing, credentials, presets, playground, uploads.
//!
//! The methods live beside their types, one module per concept (`files`, `folders`, `listing`,
//! `credentials`, `presets`, `playground`, `uploads`); this module only holds the handle.

use std::fmt;

use pixelbin_http::Transport;

/// Asset management calls (`pixelbin.assets` in the reference).
///
/// Cheap to clone (it holds a [`Transport`], which shares one connection pool); `Send + Sync`.
///
/// ```no_run
/// # async fn demo() -> Result<(), pixelbin_http::Error> {
/// use pixelbin_http::{PixelbinConfig, Transport};
/// use pixelbin_platform::{Assets, ListFilesParams};
///
/// let transport = Transport::new(PixelbinConfig::from_env()?)?;
/// let assets = Assets::new(transport);
/// let page = assets.list_files(ListFilesParams::new().path("cats")).await?;
/// for item in &page.items {
///     println!("{:?} {:?}", item.kind, item.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Assets {
    pub(crate) transport: Transport,
}

impl Assets {
    /// Wraps a transport; every call goes through its auth, retry and timeout stack.
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// The transport this group sends through.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }
}

impl fmt::Debug for Assets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The transport holds the credentials; never print it.
        f.debug_struct("Assets").finish_non_exhaustive()
    }
}
