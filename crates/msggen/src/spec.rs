//! Kafka's message definitions (clients/src/main/resources/common/message/*.json), read into what the generator
//! needs: versions, fields, their types, nullability and defaults.

use serde_json::Value;

/// Versions `lo..=hi`; empty when `lo > hi`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Versions {
    pub lo: i16,
    pub hi: i16,
}

impl Versions {
    pub const NONE: Versions = Versions { lo: 1, hi: 0 };

    /// "3", "1-11", "6+" or "none".
    pub fn parse(text: &str) -> Result<Versions, String> {
        let number = |s: &str| s.trim().parse::<i16>().map_err(|_| format!("bad versions {text:?}"));
        Ok(match text {
            "none" => Versions::NONE,
            t if t.ends_with('+') => Versions { lo: number(&t[..t.len() - 1])?, hi: i16::MAX },
            t => match t.split_once('-') {
                Some((lo, hi)) => Versions { lo: number(lo)?, hi: number(hi)? },
                None => Versions { lo: number(t)?, hi: number(t)? },
            },
        })
    }

    pub fn is_empty(self) -> bool {
        self.lo > self.hi
    }

    /// Whether every version of `valid` is in this range.
    pub fn covers(self, valid: Versions) -> bool {
        valid.is_empty() || (self.lo <= valid.lo && self.hi >= valid.hi)
    }

    /// The versions of `valid` that are in this range.
    pub fn within(self, valid: Versions) -> Versions {
        Versions { lo: self.lo.max(valid.lo), hi: self.hi.min(valid.hi) }
    }

    /// The smallest range holding both.
    pub fn span(self, other: Versions) -> Versions {
        match (self.is_empty(), other.is_empty()) {
            (true, _) => other,
            (_, true) => self,
            _ => Versions { lo: self.lo.min(other.lo), hi: self.hi.max(other.hi) },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Bool,
    Int8,
    Int16,
    Uint16,
    Int32,
    Int64,
    Uuid,
    String,
    Array(Box<Type>),
    /// A structure, by its name.
    Struct(String),
}

impl Type {
    fn parse(text: &str) -> Type {
        match text {
            "bool" => Type::Bool,
            "int8" => Type::Int8,
            "int16" => Type::Int16,
            "uint16" => Type::Uint16,
            "int32" => Type::Int32,
            "int64" => Type::Int64,
            "uuid" => Type::Uuid,
            "string" => Type::String,
            t if t.starts_with("[]") => Type::Array(Box::new(Type::parse(&t[2..]))),
            t => Type::Struct(t.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub versions: Versions,
    pub nullable: Versions,
    pub default: Option<String>,
    pub ignorable: bool,
    /// The fields of a structure defined in place.
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub api_key: i16,
    pub request: bool,
    pub name: String,
    pub valid: Versions,
    pub flexible: Versions,
    pub fields: Vec<Field>,
    /// Structures shared by several fields (`commonStructs`).
    pub common: Vec<(String, Vec<Field>)>,
}

/// A definition file: Kafka's JSON, with its `//` comment lines.
pub fn parse(text: &str) -> Result<Spec, String> {
    let json: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let value: Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let str_of = |key: &str| value[key].as_str().ok_or(format!("no {key}"));
    let common = match value["commonStructs"].as_array() {
        Some(structs) => structs
            .iter()
            .map(|s| {
                Ok((s["name"].as_str().ok_or("a common struct without a name")?.to_string(), fields(&s["fields"])?))
            })
            .collect::<Result<_, String>>()?,
        None => Vec::new(),
    };
    Ok(Spec {
        api_key: value["apiKey"].as_i64().ok_or("no apiKey")? as i16,
        request: str_of("type")? == "request",
        name: str_of("name")?.to_string(),
        valid: Versions::parse(str_of("validVersions")?)?,
        flexible: Versions::parse(str_of("flexibleVersions")?)?,
        fields: fields(&value["fields"])?,
        common,
    })
}

fn fields(value: &Value) -> Result<Vec<Field>, String> {
    let Some(list) = value.as_array() else { return Ok(Vec::new()) };
    list.iter().map(field).collect()
}

fn field(value: &Value) -> Result<Field, String> {
    let name = value["name"].as_str().ok_or("a field without a name")?.to_string();
    if value.get("tag").is_some() || value.get("taggedVersions").is_some() {
        return Err(format!("{name}: tagged fields are not generated"));
    }
    let default = match &value["default"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    Ok(Field {
        ty: Type::parse(value["type"].as_str().ok_or(format!("{name}: no type"))?),
        versions: Versions::parse(value["versions"].as_str().ok_or(format!("{name}: no versions"))?)?,
        nullable: match value["nullableVersions"].as_str() {
            Some(v) => Versions::parse(v)?,
            None => Versions::NONE,
        },
        default,
        ignorable: value["ignorable"].as_bool().unwrap_or(false),
        fields: fields(&value["fields"])?,
        name,
    })
}

/// `newer` with what only `older` has: its versions, and the fields it dropped since (each put back after the
/// field it followed). Kafka 4.0 removed the version 0 of several APIs that Kafka 0.9 to 2.x brokers need.
pub fn merge(older: &Spec, newer: &Spec) -> Spec {
    let mut spec = newer.clone();
    spec.valid = older.valid.span(newer.valid);
    spec.fields = merge_fields(&older.fields, &newer.fields);
    spec
}

fn merge_fields(older: &[Field], newer: &[Field]) -> Vec<Field> {
    let mut merged: Vec<Field> = Vec::new();
    for field in newer {
        let mut field = field.clone();
        if let Some(old) = older.iter().find(|o| o.name == field.name) {
            field.versions = old.versions.span(field.versions);
            field.fields = merge_fields(&old.fields, &field.fields);
        }
        merged.push(field);
    }
    for (i, old) in older.iter().enumerate() {
        if merged.iter().any(|f| f.name == old.name) {
            continue;
        }
        let at = match i {
            0 => 0,
            _ => merged.iter().position(|f| f.name == older[i - 1].name).map_or(merged.len(), |p| p + 1),
        };
        merged.insert(at, old.clone());
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(Versions::parse("6+").unwrap(), Versions { lo: 6, hi: i16::MAX });
        assert_eq!(Versions::parse("1-11").unwrap(), Versions { lo: 1, hi: 11 });
        assert_eq!(Versions::parse("0").unwrap(), Versions { lo: 0, hi: 0 });
        assert!(Versions::parse("none").unwrap().is_empty());
        assert!(Versions::parse("x").is_err());
        assert!(Versions { lo: 0, hi: i16::MAX }.covers(Versions { lo: 1, hi: 11 }));
        assert!(!Versions { lo: 2, hi: i16::MAX }.covers(Versions { lo: 1, hi: 11 }));
    }

    #[test]
    fn merge_puts_dropped_fields_back_in_place() {
        let older = parse(r#"{"apiKey": 2, "type": "request", "name": "R", "validVersions": "0-9", "flexibleVersions": "6+",
            "fields": [{"name": "A", "type": "int32", "versions": "0+"}, {"name": "Old", "type": "int32", "versions": "0"},
                       {"name": "B", "type": "int32", "versions": "2+"}]}"#)
        .unwrap();
        let newer = parse(
            "// a comment line\n{\"apiKey\": 2, \"type\": \"request\", \"name\": \"R\", \"validVersions\": \"1-11\", \"flexibleVersions\": \"6+\",
            \"fields\": [{\"name\": \"A\", \"type\": \"int32\", \"versions\": \"1+\"}, {\"name\": \"B\", \"type\": \"int32\", \"versions\": \"2+\"},
                       {\"name\": \"C\", \"type\": \"int32\", \"versions\": \"10+\"}]}",
        )
        .unwrap();
        let merged = merge(&older, &newer);
        assert_eq!(merged.valid, Versions { lo: 0, hi: 11 });
        let names: Vec<&str> = merged.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["A", "Old", "B", "C"]);
        assert_eq!(merged.fields[0].versions, Versions { lo: 0, hi: i16::MAX });
    }
}
