//! The prediction models (async): `list` and `get_schema`.
//!
//! `cargo run -p pixelbin --example models`

use pixelbin::PixelbinClient;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // PIXELBIN_API_TOKEN and PIXELBIN_DOMAIN, as PixelbinConfig::from_env reads them.
    let pixelbin = PixelbinClient::from_env()?;

    let models = pixelbin.predictions().list().await?;
    println!("{} models", models.len());
    for model in &models {
        println!(
            "  {}: {}",
            model.name,
            model.display_name.as_deref().unwrap_or("")
        );
    }

    let schema = pixelbin.predictions().get_schema("erase_bg").await?;
    println!("Schema of {}: {}", schema.name, schema.input);
    Ok(())
}
