//! `gil-lab completions SHELL` and `gil-lab man`: the parser describes itself.
//! Neither needs the interpreter.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;

/// The completion script for `shell`, as its completion system loads it.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gil-lab", &mut out);
    super::print_raw(&String::from_utf8_lossy(&out))
}

/// The manual page in roff: `gil-lab man | man -l -`. Each subcommand has
/// one section of its own, its synopsis, description and options as
/// subsections of it (not a second SYNOPSIS section per subcommand).
pub fn man() -> Result<()> {
    let command = Cli::command();
    let mut out = Vec::new();
    let page = clap_mangen::Man::new(command.clone());
    page.render_title(&mut out)?;
    page.render_name_section(&mut out)?;
    page.render_synopsis_section(&mut out)?;
    page.render_description_section(&mut out)?;
    page.render_options_section(&mut out)?;
    page.render_subcommands_section(&mut out)?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let heading = format!(".SH \"GIL-LAB {}\"\n", sub.get_name().to_uppercase());
        out.extend_from_slice(heading.as_bytes());
        let sub_page =
            clap_mangen::Man::new(sub.clone().bin_name(format!("gil-lab {}", sub.get_name())));
        let mut section = Vec::new();
        sub_page.render_synopsis_section(&mut section)?;
        sub_page.render_description_section(&mut section)?;
        sub_page.render_options_section(&mut section)?;
        out.extend_from_slice(as_subsections(&String::from_utf8_lossy(&section)).as_bytes());
    }
    page.render_version_section(&mut out)?;
    super::print_raw(&String::from_utf8_lossy(&out))
}

/// clap_mangen renders a command's parts as sections (`.SH`); under a
/// subcommand's own section they become its subsections (`.SS`).
fn as_subsections(roff: &str) -> String {
    roff.lines()
        .map(|line| match line.strip_prefix(".SH ") {
            Some(title) => format!(".SS {title}\n"),
            None => format!("{line}\n"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_subcommands_sections_become_subsections() {
        let roff = ".SH SYNOPSIS\n\\fBgil-lab compare\\fR\n.SH OPTIONS\n.TP\n";
        assert_eq!(
            super::as_subsections(roff),
            ".SS SYNOPSIS\n\\fBgil-lab compare\\fR\n.SS OPTIONS\n.TP\n"
        );
    }
}
