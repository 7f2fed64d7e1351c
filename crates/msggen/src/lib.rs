//! The generator of the Kafka messages kafka-protocol 0.15 lacks: their definitions are read from Kafka's client
//! jars (the JSON files Kafka generates its own code from), so no byte layout is written by hand. A message that
//! Kafka 4.0 dropped old versions of is the union of the older jar's definition and the newer's.

pub mod emit;
pub mod spec;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The messages generated (both the request and the answer), and whether the older jar's versions are kept too.
pub const MESSAGES: &[(&str, bool)] = &[
    // v0 for Kafka 0.9-2.x (dropped in 4.0), v10-11 for 4.x (KIP-1023's earliest-pending-upload is v11).
    ("ListOffsets", true),
    ("ShareGroupDescribe", false),
    ("DescribeShareGroupOffsets", false),
    ("AlterShareGroupOffsets", false),
    ("DeleteShareGroupOffsets", false),
    ("StreamsGroupDescribe", false),
];

/// The message definitions of one Kafka client jar, by file name, and which Kafka it is (`Kafka 4.4.0`).
pub struct Definitions {
    pub kafka: String,
    pub files: BTreeMap<String, String>,
}

impl Definitions {
    pub fn from_jar(jar: &Path) -> Result<Definitions, String> {
        let name = jar.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let version = name.strip_prefix("kafka-clients-").and_then(|n| n.strip_suffix(".jar"));
        let Some(version) = version else {
            return Err(format!("{}: not a kafka-clients jar", jar.display()));
        };
        let file = std::fs::File::open(jar).map_err(|e| format!("{}: {e}", jar.display()))?;
        let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", jar.display()))?;
        let mut files = BTreeMap::new();
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|e| format!("{}: {e}", jar.display()))?;
            let Some(file) = entry.name().strip_prefix("common/message/").map(str::to_string) else { continue };
            if file.ends_with(".json") {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(|e| format!("{}: {file}: {e}", jar.display()))?;
                files.insert(file, text);
            }
        }
        Ok(Definitions { kafka: format!("Kafka {version}"), files })
    }

    fn spec(&self, name: &str) -> Result<spec::Spec, String> {
        let file = format!("{name}.json");
        let text = self.files.get(&file).ok_or(format!("{} has no {file}", self.kafka))?;
        spec::parse(text).map_err(|e| format!("{} {file}: {e}", self.kafka))
    }
}

/// Every file of the generated module, by name: one per message and `mod.rs`.
pub fn generate(older: &Definitions, newer: &Definitions) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    let mut modules = Vec::new();
    let mut requests = Vec::new();
    for &(api, keep_older) in MESSAGES {
        let mut pair = Vec::new();
        for kind in ["Request", "Response"] {
            let name = format!("{api}{kind}");
            let (spec, origin) = match keep_older {
                true => (
                    spec::merge(&older.spec(&name)?, &newer.spec(&name)?),
                    format!("{}'s and {}'s definitions", older.kafka, newer.kafka),
                ),
                false => (newer.spec(&name)?, format!("{}'s definition", newer.kafka)),
            };
            let module = emit::snake(&name);
            files.insert(format!("{module}.rs"), emit::module(&spec, &origin)?);
            modules.push((module, name));
            pair.push(spec);
        }
        requests.push((api, pair[0].api_key, pair[0].name.clone(), pair[1].name.clone()));
    }
    let mut root = String::from(
        "//! The Kafka messages kafka-protocol 0.15 lacks, written by msggen from Kafka's own definitions. Do not edit;\n\
         //! run `make messages`.\n\n",
    );
    for (module, _) in &modules {
        root.push_str(&format!("pub mod {module};\n"));
    }
    root.push('\n');
    for (module, name) in &modules {
        root.push_str(&format!("pub use {module}::{name};\n"));
    }
    for (_, key, request, response) in &requests {
        root.push_str(&format!(
            "\nimpl kafka_protocol::protocol::Request for {request} {{\n    const KEY: i16 = {key};\n    type Response = {response};\n}}\n"
        ));
    }
    root.push_str("\n/// The APIs generated here: their keys and names.\npub const APIS: &[(i16, &str)] = &[\n");
    for (api, key, _, _) in &requests {
        root.push_str(&format!("    ({key}, {api:?}),\n"));
    }
    root.push_str("];\n");
    files.insert("mod.rs".into(), root);
    Ok(files)
}
