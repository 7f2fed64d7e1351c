//! docgen OUTDIR: writes `man/man1/<tool>.1` and `completions/{bash,zsh,fish}/...` for every tool, from the same
//! clap definitions the binaries parse with, so the help, the man pages and the completions cannot drift apart.

use std::path::Path;
use std::process::ExitCode;

use clap::{Command, CommandFactory};
use clap_complete::Shell;

fn write(out: &Path, mut command: Command) -> std::io::Result<()> {
    let name = command.get_name().to_string();
    let man = out.join("man/man1");
    std::fs::create_dir_all(&man)?;
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    std::fs::write(man.join(format!("{name}.1")), page)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let dir = out.join("completions").join(shell.to_string());
        std::fs::create_dir_all(&dir)?;
        clap_complete::generate_to(shell, &mut command, &name, &dir)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: docgen OUTDIR");
        return ExitCode::from(2);
    };
    let out = Path::new(&out);
    let commands = [
        get_offset::cli::Args::command(),
        reset_offsets::cli::Args::command(),
        migrate_groups::cli::Args::command(),
        copy_topics::cli::Args::command(),
        describe_groups::cli::Args::command(),
    ];
    for command in commands {
        if let Err(e) = write(out, command) {
            eprintln!("docgen: {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
