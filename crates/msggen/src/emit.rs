//! Rust for one message: a struct per structure, with `Item` (written and read at a version through the codec in
//! crates/kafka-offsets/src/client/messages/codec.rs) and the kafka-protocol traits through its `message!` macro.

use std::fmt::Write;

use crate::spec::{Field, Spec, Type, Versions};

/// `ListOffsetsRequest` → `list_offsets_request`; `ThrottleTimeMs` → `throttle_time_ms`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    match out.as_str() {
        "type" | "match" | "ref" => format!("r#{out}"),
        _ => out,
    }
}

/// A structure to write: its name and fields.
struct Struct<'a> {
    name: String,
    fields: &'a [Field],
    /// The versions the structure is in (its field's), within the message's.
    versions: Versions,
}

/// The structures of a message, the message itself first.
fn structs(spec: &Spec) -> Vec<Struct<'_>> {
    fn nested<'a>(fields: &'a [Field], valid: Versions, out: &mut Vec<Struct<'a>>) {
        for field in fields {
            if field.fields.is_empty() {
                continue;
            }
            let name = match &field.ty {
                Type::Array(inner) => match inner.as_ref() {
                    Type::Struct(name) => name.clone(),
                    _ => continue,
                },
                Type::Struct(name) => name.clone(),
                _ => continue,
            };
            let versions = field.versions.within(valid);
            out.push(Struct { name, fields: &field.fields, versions });
            nested(&field.fields, versions, out);
        }
    }
    let mut out = vec![Struct { name: spec.name.clone(), fields: &spec.fields, versions: spec.valid }];
    nested(&spec.fields, spec.valid, &mut out);
    for (name, fields) in &spec.common {
        out.push(Struct { name: name.clone(), fields, versions: spec.valid });
        nested(fields, spec.valid, &mut out);
    }
    out
}

/// A condition on `version` that holds exactly in `range` among the versions `within`; None when always.
fn condition(range: Versions, within: Versions) -> Option<String> {
    let range = range.within(within);
    if range.is_empty() {
        return Some("false".into());
    }
    match (range.lo <= within.lo, range.hi >= within.hi) {
        (true, true) => None,
        _ if range.lo == range.hi => Some(format!("version == {}", range.lo)),
        (false, true) => Some(format!("version >= {}", range.lo)),
        (true, false) => Some(format!("version <= {}", range.hi)),
        (false, false) => Some(format!("({}..={}).contains(&version)", range.lo, range.hi)),
    }
}

fn rust_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Int8 => "i8".into(),
        Type::Int16 => "i16".into(),
        Type::Uint16 => "u16".into(),
        Type::Int32 => "i32".into(),
        Type::Int64 => "i64".into(),
        Type::Uuid => "[u8; 16]".into(),
        Type::String => "String".into(),
        Type::Array(inner) => format!("Vec<{}>", rust_type(inner)),
        Type::Struct(name) => name.clone(),
    }
}

/// What one field is in the structure at the versions `within`.
struct Member<'a> {
    field: &'a Field,
    ident: String,
    present: Option<String>,
    nullable: bool,
    /// Whether null can be sent at a version: None when at every version the field is in.
    null_at: Option<String>,
    default: String,
    /// Whether `default` is the Rust type's own default.
    plain_default: bool,
}

fn member(field: &Field, within: Versions) -> Result<Member<'_>, String> {
    let versions = field.versions.within(within);
    let nullable_versions = field.nullable.within(versions);
    let nullable = !nullable_versions.is_empty();
    let null_at = match nullable {
        true => condition(nullable_versions, versions),
        false => None,
    };
    let given = field.default.as_deref();
    let (default, plain_default) = match (&field.ty, nullable) {
        (_, true) if given == Some("null") => ("None".to_string(), true),
        (Type::Bool, _) => match given {
            Some("true") => ("true".into(), false),
            None | Some("false") => ("false".into(), true),
            Some(other) => return Err(format!("{}: bad default {other}", field.name)),
        },
        (Type::Int8 | Type::Int16 | Type::Uint16 | Type::Int32 | Type::Int64, _) => {
            let number: i64 = match given {
                None => 0,
                Some(text) => text.parse().map_err(|_| format!("{}: bad default {text}", field.name))?,
            };
            (number.to_string(), number == 0)
        }
        (Type::Uuid, _) => ("[0; 16]".into(), true),
        (Type::String, false) => match given {
            None | Some("") => ("String::new()".into(), true),
            Some(text) => (format!("{text:?}.to_string()"), false),
        },
        (Type::String, true) => ("Some(String::new())".into(), false),
        (_, false) => ("Default::default()".into(), true),
        (_, true) => ("Some(Default::default())".into(), false),
    };
    Ok(Member {
        field,
        ident: snake(&field.name),
        present: condition(versions, within),
        nullable,
        null_at,
        default,
        plain_default,
    })
}

/// The calls that write and read a field (without the `?`).
fn calls(m: &Member) -> (String, String) {
    let x = format!("self.{}", m.ident);
    let null_ok = m.null_at.clone().unwrap_or_else(|| "true".into());
    match (&m.field.ty, m.nullable) {
        (Type::String, false) => (format!("w.string(&{x})"), "r.string()".into()),
        (Type::String, true) => {
            (format!("w.nullable_string({x}.as_deref(), {null_ok})"), format!("r.nullable_string({null_ok})"))
        }
        (Type::Array(_), false) => (format!("w.array(&{x}, version)"), "r.array(version)".into()),
        (Type::Array(_), true) => (
            format!("w.nullable_array({x}.as_deref(), {null_ok}, version)"),
            format!("r.nullable_array({null_ok}, version)"),
        ),
        (Type::Struct(_), false) => (format!("w.item(&{x}, version)"), "r.item(version)".into()),
        (Type::Struct(_), true) => (
            format!("w.nullable_item({x}.as_ref(), {null_ok}, version)"),
            format!("r.nullable_item({null_ok}, version)"),
        ),
        (ty, _) => {
            let op = match ty {
                Type::Bool => "bool",
                Type::Int8 => "i8",
                Type::Int16 => "i16",
                Type::Uint16 => "u16",
                Type::Int32 => "i32",
                Type::Int64 => "i64",
                _ => "uuid",
            };
            (format!("w.{op}({x})"), format!("r.{op}()"))
        }
    }
}

fn write_struct(out: &mut String, s: &Struct) -> Result<(), String> {
    let members: Vec<Member> = s.fields.iter().map(|f| member(f, s.versions)).collect::<Result<_, _>>()?;
    let derive_default = members.iter().all(|m| m.plain_default);
    let derives = if derive_default { "Debug, Clone, PartialEq, Default" } else { "Debug, Clone, PartialEq" };
    writeln!(out, "\n#[derive({derives})]\npub struct {} {{", s.name).unwrap();
    for m in &members {
        let ty = rust_type(&m.field.ty);
        let ty = if m.nullable { format!("Option<{ty}>") } else { ty };
        writeln!(out, "    pub {}: {ty},", m.ident).unwrap();
    }
    writeln!(out, "}}").unwrap();
    if !derive_default {
        writeln!(out, "\nimpl Default for {} {{\n    fn default() -> Self {{\n        Self {{", s.name).unwrap();
        for m in &members {
            writeln!(out, "            {}: {},", m.ident, m.default).unwrap();
        }
        writeln!(out, "        }}\n    }}\n}}").unwrap();
    }
    let uses_version = members
        .iter()
        .any(|m| m.present.is_some() || m.null_at.is_some() || matches!(m.field.ty, Type::Array(_) | Type::Struct(_)));
    let version = if uses_version { "version" } else { "_version" };
    writeln!(out, "\nimpl Item for {} {{", s.name).unwrap();
    writeln!(out, "    fn write(&self, w: &mut Writer, {version}: i16) -> Result<(), String> {{").unwrap();
    for m in &members {
        let (write, _) = calls(m);
        match &m.present {
            None => writeln!(out, "        {write}?;").unwrap(),
            Some(present) if m.field.ignorable => {
                writeln!(out, "        if {present} {{\n            {write}?;\n        }}").unwrap()
            }
            Some(present) => {
                let differs = match (&m.field.ty, m.default.as_str()) {
                    (Type::Bool, "false") => format!("self.{}", m.ident),
                    (Type::Bool, _) => format!("!self.{}", m.ident),
                    (Type::Array(_), "Default::default()") => format!("!self.{}.is_empty()", m.ident),
                    (_, "None") => format!("self.{}.is_some()", m.ident),
                    (_, default) => format!("self.{} != {default}", m.ident),
                };
                writeln!(
                    out,
                    "        if {present} {{\n            {write}?;\n        }} else if {differs} {{\n            \
                     return Err(not_in_version({:?}, version));\n        }}",
                    m.field.name
                )
                .unwrap()
            }
        }
    }
    writeln!(out, "        w.end()\n    }}\n").unwrap();
    writeln!(out, "    fn read(r: &mut Reader<'_>, {version}: i16) -> Result<Self, String> {{").unwrap();
    writeln!(out, "        let item = Self {{").unwrap();
    for m in &members {
        let (_, read) = calls(m);
        match &m.present {
            None => writeln!(out, "            {}: {read}?,", m.ident).unwrap(),
            Some(present) => writeln!(
                out,
                "            {}: if {present} {{\n                {read}?\n            }} else {{\n                {}\n            }},",
                m.ident, m.default
            )
            .unwrap(),
        }
    }
    writeln!(out, "        }};\n        r.end()?;\n        Ok(item)\n    }}\n}}").unwrap();
    Ok(())
}

/// The module of one message; `origin` says which definitions it was generated from.
pub fn module(spec: &Spec, origin: &str) -> Result<String, String> {
    let mut out = String::new();
    let kind = if spec.request { "request" } else { "answer" };
    writeln!(
        out,
        "//! {} (API {}, the {kind}), versions {}-{}: written by msggen from {origin}. Do not edit; run `make messages`.",
        spec.name, spec.api_key, spec.valid.lo, spec.valid.hi
    )
    .unwrap();
    writeln!(out, "\n#[allow(unused_imports)]\nuse crate::client::messages::codec::{{message, not_in_version, Item, Reader, Writer}};").unwrap();
    if spec.flexible.is_empty() {
        return Err(format!("{}: no flexible versions", spec.name));
    }
    let header = if spec.request { 1 } else { 0 };
    writeln!(out, "\nmessage!({}, {}, {}, {}, {header});", spec.name, spec.valid.lo, spec.valid.hi, spec.flexible.lo)
        .unwrap();
    for s in structs(spec) {
        write_struct(&mut out, &s).map_err(|e| format!("{}: {e}", spec.name))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("ListOffsetsRequest"), "list_offsets_request");
        assert_eq!(snake("ThrottleTimeMs"), "throttle_time_ms");
        assert_eq!(snake("TopicId"), "topic_id");
        assert_eq!(snake("IsClassic"), "is_classic");
    }

    #[test]
    fn conditions() {
        let valid = Versions { lo: 0, hi: 11 };
        assert_eq!(condition(Versions { lo: 0, hi: i16::MAX }, valid), None);
        assert_eq!(condition(Versions { lo: 2, hi: i16::MAX }, valid).unwrap(), "version >= 2");
        assert_eq!(condition(Versions { lo: 0, hi: 0 }, valid).unwrap(), "version == 0");
        assert_eq!(condition(Versions { lo: 0, hi: 5 }, valid).unwrap(), "version <= 5");
        assert_eq!(condition(Versions { lo: 3, hi: 5 }, valid).unwrap(), "(3..=5).contains(&version)");
    }
}
