//! The prediction models (blocking): `list` and `get_schema`.
//!
//! `cargo run -p pixelbin --features blocking --example models_blocking`

use pixelbin::blocking::PixelbinClient;

fn main() -> anyhow::Result<()> {
    // PIXELBIN_API_TOKEN and PIXELBIN_DOMAIN, as PixelbinConfig::from_env reads them.
    let pixelbin = PixelbinClient::from_env()?;

    let models = pixelbin.predictions().list()?;
    println!("{} models", models.len());
    for model in &models {
        println!(
            "  {}: {}",
            model.name,
            model.display_name.as_deref().unwrap_or("")
        );
    }

    let schema = pixelbin.predictions().get_schema("erase_bg")?;
    println!("Schema of {}: {}", schema.name, schema.input);
    Ok(())
}
