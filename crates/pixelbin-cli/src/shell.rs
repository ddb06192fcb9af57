//! Shell integration: `pixelbin completions SHELL` (clap_complete) and the man pages
//! (clap_mangen) that `cargo xtask man` writes through the hidden `pixelbin __man DIR`.

use std::path::Path;

use anyhow::Context as _;
use clap::Args;
use clap_complete::Shell;

/// `pixelbin completions`
#[derive(Debug, Args)]
#[command(after_help = "\
Install, for example:
  bash:  pixelbin completions bash > ~/.local/share/bash-completion/completions/pixelbin
  zsh:   pixelbin completions zsh > \"${fpath[1]}/_pixelbin\"
  fish:  pixelbin completions fish > ~/.config/fish/completions/pixelbin.fish
  PowerShell:  pixelbin completions powershell | Out-String | Invoke-Expression")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script on stdout.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pixelbin", &mut script);
    crate::output::print_text(|w| w.write_all(&script))
}

/// Every man page: `pixelbin.1` and one per subcommand (`pixelbin-files-list.1`, ...), as
/// (file name, content), in a stable order.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = crate::cli::command();
    cmd.build();
    let mut pages = Vec::new();
    add_pages(&cmd, "pixelbin", &mut pages)?;
    Ok(pages)
}

fn add_pages(
    cmd: &clap::Command,
    name: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<()> {
    // The page of a subcommand is titled with its full name, e.g. `pixelbin-files-list`. No
    // version in the pages: a release would otherwise make every committed page stale.
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone().version(None::<&'static str>))
        .title(name.to_string())
        .source("pixelbin")
        .date("")
        .render(&mut page)
        .with_context(|| format!("could not render the man page of {name}"))?;
    pages.push((format!("{name}.1"), page));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        add_pages(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// `pixelbin __man DIR`: writes every page into `dir`, and removes pages of commands that no
/// longer exist, so the folder is exactly what the CLI generates.
pub fn write_man_pages(dir: &Path) -> anyhow::Result<()> {
    let pages = man_pages()?;
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("could not list {}", dir.display()))?
    {
        let path = entry?.path();
        let stale = path.extension().is_some_and(|e| e == "1")
            && !pages
                .iter()
                .any(|(name, _)| path.file_name().is_some_and(|f| f == name.as_str()));
        if stale {
            std::fs::remove_file(&path)
                .with_context(|| format!("could not remove {}", path.display()))?;
        }
    }
    for (name, page) in &pages {
        let path = dir.join(name);
        std::fs::write(&path, page)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    crate::output::print_text(|w| {
        writeln!(w, "wrote {} man pages into {}", pages.len(), dir.display())
    })
}
