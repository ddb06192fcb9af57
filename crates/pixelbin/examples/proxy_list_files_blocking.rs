//! Behind a proxy (blocking): `trust_env` takes the proxy from `HTTP_PROXY`/`HTTPS_PROXY`/
//! `ALL_PROXY`/`NO_PROXY` (and its credentials from `~/.netrc`), then `listFiles`.
//!
//! `HTTPS_PROXY=http://proxy:3128 cargo run -p pixelbin --features blocking --example proxy_list_files_blocking`

use pixelbin::blocking::PixelbinClient;
use pixelbin::http::{ENV_API_TOKEN, ENV_DOMAIN};
use pixelbin::{ListFilesParams, PixelbinConfig};

fn main() -> anyhow::Result<()> {
    let mut config = PixelbinConfig::builder()
        .api_secret(std::env::var(ENV_API_TOKEN).unwrap_or_default())
        .trust_env(true);
    if let Ok(domain) = std::env::var(ENV_DOMAIN) {
        config = config.domain(domain);
    }
    let pixelbin = PixelbinClient::new(config.build()?)?;

    let result = pixelbin.assets().list_files(ListFilesParams::new())?;
    println!(
        "{} items, page {:?}",
        result.items.len(),
        result.page.current
    );
    for item in &result.items {
        println!(
            "  {}",
            item.file_id
                .as_deref()
                .or(item.name.as_deref())
                .unwrap_or("?")
        );
    }
    Ok(())
}
