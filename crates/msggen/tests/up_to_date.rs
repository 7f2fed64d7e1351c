//! The committed generated messages are what msggen writes from the Kafka client jars `make kafka` fetches: an
//! edit by hand, or a generator change not run (`make messages`), fails here.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn jar(version: &str) -> msggen::Definitions {
    let path = root().join(format!(".cache/kafka-{version}/libs/kafka-clients-{version}.jar"));
    msggen::Definitions::from_jar(&path).unwrap_or_else(|e| panic!("{e} (`make kafka` fetches it)"))
}

#[test]
fn the_committed_messages_are_the_generated_ones() {
    let files = msggen::generate(&jar("3.9.1"), &jar("4.4.0")).unwrap();
    let dir = root().join("crates/kafka-offsets/src/client/messages/generated");
    let mut committed: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    committed.sort();
    assert_eq!(committed, files.keys().cloned().collect::<Vec<_>>(), "the files of {}", dir.display());
    for (name, text) in files {
        let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap();
        assert!(on_disk == text, "{name} differs from what msggen writes: run `make messages`");
    }
}
