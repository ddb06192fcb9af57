//! Signing of Pixelbin CDN URLs (`pbs`, `pbe`, `pbt`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Computes the `pbs` signature: `hex(HMAC-SHA256(token, path_without_leading_slash + expiry))`.
pub fn generate_signature(url_path: &str, expiry_timestamp: u64, token: &str) -> String {
    let path = url_path.strip_prefix('/').unwrap_or(url_path);
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(path.as_bytes());
    mac.update(expiry_timestamp.to_string().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}
