//! Java trust and key stores (`ssl.truststore.*`, `ssl.keystore.*`) as librdkafka settings. PEM files are used as
//! they are; a PKCS12 truststore's certificates are read here and handed over as `ssl.ca.pem` (librdkafka reads
//! PKCS12 only for its own key); a JKS store (Java's proprietary format) gets the `keytool` command that converts it.

use openssl::pkcs12::Pkcs12;
use openssl::x509::X509;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreType {
    Pem,
    Pkcs12,
    Jks,
}

fn get<'a>(properties: &'a [(String, String)], key: &str) -> Option<&'a str> {
    properties.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn invalid(key: &str, reason: impl std::fmt::Display) -> Error {
    Error::Usage(format!("--command-config: {key}: {reason}"))
}

/// The declared type, else what the file looks like (Java's default type is JKS; its files start with 0xFEEDFEED).
fn store_type(type_key: &str, declared: Option<&str>, bytes: &[u8]) -> Result<StoreType> {
    match declared.map(|t| t.trim().to_ascii_uppercase()) {
        Some(t) if t == "PEM" => Ok(StoreType::Pem),
        Some(t) if t == "PKCS12" || t == "P12" => Ok(StoreType::Pkcs12),
        Some(t) if t == "JKS" => Ok(StoreType::Jks),
        Some(_) => Err(invalid(type_key, "must be PEM, PKCS12 or JKS")),
        None if bytes.starts_with(&[0xfe, 0xed, 0xfe, 0xed]) => Ok(StoreType::Jks),
        None if String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).contains("-----BEGIN") => Ok(StoreType::Pem),
        None => Ok(StoreType::Pkcs12),
    }
}

fn read(key: &str, path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| invalid(key, format!("cannot read {path}: {e}")))
}

fn jks_error(key: &str, path: &str) -> Error {
    let p12 = format!("{}.p12", path.strip_suffix(".jks").unwrap_or(path));
    let kind = if key.starts_with("ssl.truststore") { "truststore" } else { "keystore" };
    invalid(
        key,
        format!(
            "{path} is a JKS store, which these tools cannot read; convert it once with: keytool -importkeystore \
             -srckeystore {path} -srcstoretype JKS -destkeystore {p12} -deststoretype PKCS12, then set \
             ssl.{kind}.location={p12} and ssl.{kind}.type=PKCS12"
        ),
    )
}

fn pem_of(certificates: &[X509]) -> Result<String> {
    let mut pem = String::new();
    for cert in certificates {
        let bytes =
            cert.to_pem().map_err(|e| Error::Usage(format!("--command-config: cannot encode a certificate: {e}")))?;
        pem.push_str(&String::from_utf8_lossy(&bytes));
    }
    Ok(pem)
}

/// `ssl.truststore.*` into `ssl.ca.location` (PEM) or `ssl.ca.pem` (PKCS12, inline PEM).
pub fn translate_truststore(properties: &[(String, String)], settings: &mut Vec<(String, String)>) -> Result<()> {
    if let Some(pem) = get(properties, "ssl.truststore.certificates") {
        settings.push(("ssl.ca.pem".into(), pem.to_string()));
        return Ok(());
    }
    let Some(path) = get(properties, "ssl.truststore.location") else { return Ok(()) };
    let key = "ssl.truststore.location";
    let bytes = read(key, path)?;
    match store_type("ssl.truststore.type", get(properties, "ssl.truststore.type"), &bytes)? {
        StoreType::Pem => settings.push(("ssl.ca.location".into(), path.to_string())),
        StoreType::Jks => return Err(jks_error(key, path)),
        StoreType::Pkcs12 => {
            let password = get(properties, "ssl.truststore.password").unwrap_or("");
            let parsed = Pkcs12::from_der(&bytes).and_then(|p| p.parse2(password)).map_err(|_| {
                invalid(
                    key,
                    format!("cannot read {path} as PKCS12: not a PKCS12 file, or a wrong ssl.truststore.password"),
                )
            })?;
            let mut certificates: Vec<X509> = parsed.ca.map(|stack| stack.into_iter().collect()).unwrap_or_default();
            certificates.extend(parsed.cert);
            if certificates.is_empty() {
                return Err(invalid(key, format!("{path} holds no certificate")));
            }
            settings.push(("ssl.ca.pem".into(), pem_of(&certificates)?));
        }
    }
    Ok(())
}

/// `ssl.keystore.*` and `ssl.key.password` into librdkafka's client certificate settings.
pub fn translate_keystore(properties: &[(String, String)], settings: &mut Vec<(String, String)>) -> Result<()> {
    let key_password = get(properties, "ssl.key.password");
    if let (Some(key), Some(chain)) =
        (get(properties, "ssl.keystore.key"), get(properties, "ssl.keystore.certificate.chain"))
    {
        settings.push(("ssl.key.pem".into(), key.to_string()));
        settings.push(("ssl.certificate.pem".into(), chain.to_string()));
        if let Some(password) = key_password {
            settings.push(("ssl.key.password".into(), password.to_string()));
        }
        return Ok(());
    }
    let Some(path) = get(properties, "ssl.keystore.location") else { return Ok(()) };
    let key = "ssl.keystore.location";
    let bytes = read(key, path)?;
    match store_type("ssl.keystore.type", get(properties, "ssl.keystore.type"), &bytes)? {
        StoreType::Jks => return Err(jks_error(key, path)),
        StoreType::Pkcs12 => {
            settings.push(("ssl.keystore.location".into(), path.to_string()));
            if let Some(password) = get(properties, "ssl.keystore.password") {
                settings.push(("ssl.keystore.password".into(), password.to_string()));
            }
        }
        StoreType::Pem => {
            // One PEM file with the private key and the certificate chain, as Java's PEM keystores hold them.
            settings.push(("ssl.certificate.location".into(), path.to_string()));
            settings.push(("ssl.key.location".into(), path.to_string()));
            if let Some(password) = key_password.or(get(properties, "ssl.keystore.password")) {
                settings.push(("ssl.key.password".into(), password.to_string()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, String)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn temp(name: &str, bytes: &[u8]) -> String {
        let dir = std::env::temp_dir().join(format!("stores-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }

    #[test]
    fn pem_truststore_is_used_as_the_ca_location() {
        let pem = temp("ca.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        let mut settings = Vec::new();
        translate_truststore(&props(&[("ssl.truststore.location", pem.clone())]), &mut settings).unwrap();
        assert_eq!(settings, [("ssl.ca.location".to_string(), pem)]);
    }

    #[test]
    fn jks_is_recognized_by_its_magic_and_refused_with_the_command() {
        let jks = temp("trust.jks", &[0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]);
        let err =
            translate_truststore(&props(&[("ssl.truststore.location", jks.clone())]), &mut Vec::new()).unwrap_err();
        let p12 = jks.replace(".jks", ".p12");
        assert_eq!(
            err.to_string(),
            format!(
                "--command-config: ssl.truststore.location: {jks} is a JKS store, which these tools cannot read; convert it \
                 once with: keytool -importkeystore -srckeystore {jks} -srcstoretype JKS -destkeystore {p12} -deststoretype \
                 PKCS12, then set ssl.truststore.location={p12} and ssl.truststore.type=PKCS12"
            )
        );
        let declared = props(&[("ssl.keystore.location", jks.clone()), ("ssl.keystore.type", "jks".into())]);
        assert!(translate_keystore(&declared, &mut Vec::new())
            .unwrap_err()
            .to_string()
            .contains("ssl.keystore.type=PKCS12"));
    }

    #[test]
    fn unreadable_pkcs12_names_the_password_not_its_value() {
        let p12 = temp("broken.p12", &[0x30, 0x82, 0x01, 0x00, 0x02]);
        let pairs = props(&[("ssl.truststore.location", p12.clone()), ("ssl.truststore.password", "s3cr3t".into())]);
        let message = translate_truststore(&pairs, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!("--command-config: ssl.truststore.location: cannot read {p12} as PKCS12: not a PKCS12 file, or a wrong ssl.truststore.password")
        );
    }

    #[test]
    fn keystores_become_librdkafka_client_certificates() {
        let p12 = temp("client.p12", &[0x30, 0x82]);
        let mut settings = Vec::new();
        let pairs = props(&[("ssl.keystore.location", p12.clone()), ("ssl.keystore.password", "kp".into())]);
        translate_keystore(&pairs, &mut settings).unwrap();
        assert_eq!(settings, props(&[("ssl.keystore.location", p12), ("ssl.keystore.password", "kp".into())]));

        let pem = temp("client.pem", b"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
        let mut settings = Vec::new();
        let pairs = props(&[("ssl.keystore.location", pem.clone()), ("ssl.key.password", "kp".into())]);
        translate_keystore(&pairs, &mut settings).unwrap();
        assert_eq!(
            settings,
            props(&[
                ("ssl.certificate.location", pem.clone()),
                ("ssl.key.location", pem),
                ("ssl.key.password", "kp".into())
            ])
        );

        let mut settings = Vec::new();
        let inline = props(&[("ssl.keystore.key", "KEY".into()), ("ssl.keystore.certificate.chain", "CHAIN".into())]);
        translate_keystore(&inline, &mut settings).unwrap();
        assert_eq!(settings, props(&[("ssl.key.pem", "KEY".into()), ("ssl.certificate.pem", "CHAIN".into())]));
    }

    #[test]
    fn unknown_store_type() {
        let pem = temp("x.pem", b"-----BEGIN CERTIFICATE-----\n");
        let pairs = props(&[("ssl.truststore.location", pem), ("ssl.truststore.type", "BCFKS".into())]);
        assert_eq!(
            translate_truststore(&pairs, &mut Vec::new()).unwrap_err().to_string(),
            "--command-config: ssl.truststore.type: must be PEM, PKCS12 or JKS"
        );
    }
}
