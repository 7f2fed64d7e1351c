//! `msggen OUT_DIR OLDER_JAR NEWER_JAR`: writes the generated messages into OUT_DIR (see `make messages`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [out, older, newer] = args.as_slice() else {
        eprintln!("usage: msggen OUT_DIR OLDER_KAFKA_CLIENTS_JAR NEWER_KAFKA_CLIENTS_JAR");
        return ExitCode::from(2);
    };
    let run = || -> Result<(), String> {
        let older = msggen::Definitions::from_jar(older)?;
        let newer = msggen::Definitions::from_jar(newer)?;
        let files = msggen::generate(&older, &newer)?;
        if out.exists() {
            std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        for (name, text) in files {
            std::fs::write(out.join(&name), text).map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("msggen: {e}");
            ExitCode::FAILURE
        }
    }
}
