//! `--command-config`: the Java client `.properties` file Kafka's tools read, translated into the settings the
//! tools' client uses. Those settings carry librdkafka's names (`sasl.username`, `ssl.ca.location`, ...), which
//! users of kcat and librdkafka also write in these files, so both spellings work.
//!
//! Translated here: `sasl.jaas.config` (PLAIN, SCRAM, OAUTHBEARER login modules) into `sasl.username`/`sasl.password`
//! or OAUTHBEARER settings, Java trust and key stores into PEM and PKCS12 settings (a JKS store gets the `keytool`
//! command that converts it), Java timeouts into the tool's timeout. A key the tools do not use gets one warning.
//! Secrets never appear in an error or a warning.

use std::time::Duration;

use crate::error::{shown, Error, Result};
use crate::formats::stores;

/// librdkafka settings translated from a properties file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Translated {
    /// librdkafka settings, in file order.
    pub settings: Vec<(String, String)>,
    /// A timeout given in the file (`default.api.timeout.ms`, else `request.timeout.ms`).
    pub timeout: Option<Duration>,
    /// One line per key that was ignored.
    pub warnings: Vec<String>,
}

/// Settings the client uses as they are (librdkafka's names, shared with Java where Java has them).
const USED: &[&str] = &[
    "client.id",
    "isolation.level",
    "sasl.username",
    "sasl.password",
    "sasl.oauthbearer.config",
    "enable.sasl.oauthbearer.unsecure.jwt",
    // OpenID Connect (KIP-768; librdkafka's names for what sasl.jaas.config gives Java).
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.oauthbearer.method",
    "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.scope",
    "sasl.oauthbearer.extensions",
    "sasl.login.connect.timeout.ms",
    "sasl.login.read.timeout.ms",
    // Kerberos (librdkafka's names; the ticket cache is ours).
    "sasl.kerberos.service.name",
    "sasl.kerberos.principal",
    "sasl.kerberos.keytab",
    "sasl.kerberos.ccache",
    // AWS MSK IAM (what IAMLoginModule's options give Java), and the cluster's region.
    "sasl.aws.profile",
    "sasl.aws.role.arn",
    "sasl.aws.role.session.name",
    "sasl.aws.sts.region",
    "sasl.aws.region",
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.certificate.location",
    "ssl.certificate.pem",
    "ssl.key.location",
    "ssl.key.pem",
    "ssl.key.password",
    "ssl.keystore.password",
    "ssl.cipher.suites",
    "enable.ssl.certificate.verification",
];

/// Java keys that need no equivalent (they describe the JVM's TLS, which librdkafka configures its own way), with
/// what librdkafka does instead.
const JAVA_ONLY: &[(&str, &str)] = &[
    ("ssl.protocol", "the TLS version is negotiated (TLS 1.2 or 1.3)"),
    ("ssl.enabled.protocols", "the TLS version is negotiated (TLS 1.2 or 1.3)"),
    ("ssl.keymanager.algorithm", "a setting of the JVM's TLS"),
    ("ssl.trustmanager.algorithm", "a setting of the JVM's TLS"),
    ("ssl.secure.random.implementation", "a setting of the JVM's TLS"),
    ("security.providers", "a setting of the JVM's TLS"),
    ("sasl.login.class", "a Java class; these tools log in themselves"),
    ("sasl.login.callback.handler.class", "a Java class; these tools log in themselves"),
    ("sasl.client.callback.handler.class", "a Java class; these tools log in themselves"),
    ("sasl.oauthbearer.scope.claim.name", "the token's claims are checked by the broker"),
    ("sasl.oauthbearer.sub.claim.name", "the token's claims are checked by the broker"),
    ("sasl.kerberos.kinit.cmd", "the tools get tickets through the GSSAPI library, not kinit"),
    ("sasl.kerberos.min.time.before.relogin", "a run logs in once per connection"),
    ("sasl.kerberos.ticket.renew.jitter", "a run logs in once per connection"),
    ("sasl.kerberos.ticket.renew.window.factor", "a run logs in once per connection"),
    ("sasl.login.retry.backoff.ms", "a token request is not retried: its error is said at once"),
    ("sasl.login.retry.backoff.max.ms", "a token request is not retried: its error is said at once"),
];

/// Keys whose values are secrets: never printed (`--dump-config` shows `[hidden]`).
pub fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password")
        || key.contains("secret")
        || key == "sasl.jaas.config"
        || key == "ssl.key.pem"
        || key == "ssl.keystore.key"
        || key == "sasl.oauthbearer.config"
}

/// Reads a Java `.properties` file (full syntax: `=` or `:`, escapes, line continuations, comments), keeping the
/// order of the keys.
pub fn load(path: &str) -> Result<Vec<(String, String)>> {
    let input_error = |reason: String| Error::InputFile { what: "--command-config", path: path.to_string(), reason };
    let bytes = std::fs::read(path).map_err(|e| input_error(format!("cannot open: {e}")))?;
    // Checked here: the parser's decoder panics on a sequence cut short at the end (a lone 0xEF byte).
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        input_error(format!("line {line}: not valid UTF-8"))
    })?;
    let mut properties: Vec<(String, String)> = Vec::new();
    java_properties::PropertiesIter::new(text.as_bytes())
        .read_into(|key, value| {
            properties.retain(|(k, _)| *k != key);
            properties.push((key, value));
        })
        .map_err(|e| {
            // The parser's message may quote the line, which may hold a secret: name the line only.
            let reason = match e.line_number() {
                Some(line) => format!("line {line}: not valid Java properties syntax"),
                None => "not valid Java properties syntax".to_string(),
            };
            input_error(reason)
        })?;
    Ok(properties)
}

fn invalid(key: &str, reason: impl std::fmt::Display) -> Error {
    Error::Usage(format!("--command-config: {}: {reason}", shown(key)))
}

fn get<'a>(properties: &'a [(String, String)], key: &str) -> Option<&'a str> {
    properties.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Translates Java client properties into librdkafka settings. `bootstrap.servers` is dropped because the command
/// line always decides it (as in Kafka's tools).
pub fn translate(properties: &[(String, String)]) -> Result<Translated> {
    let mut out = Translated::default();
    let mut api_timeout = None;
    let mut request_timeout = None;
    for (key, value) in properties {
        let key = key.as_str();
        match key {
            "bootstrap.servers" => {}
            "default.api.timeout.ms" | "request.timeout.ms" => {
                // As --timeout: at least 1 ms (0 would end every call at once), at most Kafka's int milliseconds.
                let ms: u64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|ms| (1..=i32::MAX as u64).contains(ms))
                    .ok_or_else(|| invalid(key, "must be a number of milliseconds from 1 to 2147483647"))?;
                let slot = if key == "default.api.timeout.ms" { &mut api_timeout } else { &mut request_timeout };
                *slot = Some(Duration::from_millis(ms));
            }
            "security.protocol" => {
                let protocol = value.trim().to_ascii_uppercase();
                if !["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].contains(&protocol.as_str()) {
                    return Err(invalid(key, "must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"));
                }
                out.settings.push((key.into(), protocol));
            }
            "sasl.mechanism" | "sasl.mechanisms" => {
                let mechanism = value.trim().to_ascii_uppercase();
                match mechanism.as_str() {
                    "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER" | "AWS_MSK_IAM" | "GSSAPI" => {}
                    _ => {
                        return Err(invalid(
                            key,
                            "must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, AWS_MSK_IAM or GSSAPI",
                        ))
                    }
                }
                out.settings.push(("sasl.mechanisms".into(), mechanism));
            }
            // Translated together below, once every key is known.
            "sasl.jaas.config"
            | "ssl.truststore.location"
            | "ssl.truststore.type"
            | "ssl.truststore.password"
            | "ssl.truststore.certificates"
            | "ssl.keystore.location"
            | "ssl.keystore.type"
            | "ssl.keystore.password"
            | "ssl.keystore.key"
            | "ssl.keystore.certificate.chain"
            | "ssl.key.password" => {}
            "ssl.endpoint.identification.algorithm" => {
                let algorithm =
                    if value.trim().is_empty() { "none".to_string() } else { value.trim().to_ascii_lowercase() };
                if algorithm != "none" && algorithm != "https" {
                    return Err(invalid(key, "must be https or empty"));
                }
                out.settings.push((key.into(), algorithm));
            }
            "isolation.level" => {
                let level = value.trim().to_ascii_lowercase();
                if level != "read_committed" && level != "read_uncommitted" {
                    return Err(invalid(key, "must be read_committed or read_uncommitted"));
                }
                out.settings.push((key.into(), level));
            }
            "enable.ssl.certificate.verification" | "enable.sasl.oauthbearer.unsecure.jwt" => {
                let flag = value.trim().to_ascii_lowercase();
                if flag != "true" && flag != "false" {
                    return Err(invalid(key, "must be true or false"));
                }
                out.settings.push((key.into(), flag));
            }
            _ if USED.contains(&key) => {
                if value.contains('\0') {
                    return Err(invalid(key, "contains a NUL character"));
                }
                out.settings.push((key.into(), value.clone()));
            }
            // Kafka's OpenID Connect login handler: what these tools do themselves.
            "sasl.login.callback.handler.class" if value.trim().ends_with(".OAuthBearerLoginCallbackHandler") => {}
            // Amazon MSK's client handler: what these tools do themselves for AWS_MSK_IAM.
            "sasl.client.callback.handler.class" if value.trim().ends_with(".IAMClientCallbackHandler") => {}
            _ => match JAVA_ONLY.iter().find(|(k, _)| *k == key) {
                Some((reason_key, reason)) => {
                    out.warnings.push(format!("ignoring '{reason_key}' from --command-config: {reason}"))
                }
                None => out
                    .warnings
                    .push(format!("ignoring '{}' from --command-config: these tools do not use it", shown(key))),
            },
        }
    }
    out.timeout = api_timeout.or(request_timeout);
    translate_jaas(properties, &mut out)?;
    stores::translate_truststore(properties, &mut out.settings)?;
    stores::translate_keystore(properties, &mut out.settings)?;
    Ok(out)
}

fn translate_jaas(properties: &[(String, String)], out: &mut Translated) -> Result<()> {
    let Some(jaas) = get(properties, "sasl.jaas.config") else { return Ok(()) };
    let login = parse_jaas(jaas)?;
    let module = login.module.rsplit('.').next().unwrap_or_default();
    let mechanism = out.settings.iter().rev().find(|(k, _)| k == "sasl.mechanisms").map(|(_, v)| v.clone());
    let option = |name: &str| login.options.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match module {
        "PlainLoginModule" | "ScramLoginModule" => {
            let username = option("username").ok_or_else(|| invalid("sasl.jaas.config", "has no username option"))?;
            let password = option("password").ok_or_else(|| invalid("sasl.jaas.config", "has no password option"))?;
            match (module, mechanism.as_deref()) {
                ("PlainLoginModule", None) => {
                    out.settings.push(("sasl.mechanisms".into(), "PLAIN".into()));
                    out.warnings.push(
                        "sasl.mechanism is not set (Java's default is GSSAPI); using PLAIN, as sasl.jaas.config asks"
                            .into(),
                    );
                }
                ("ScramLoginModule", None) => {
                    return Err(invalid(
                        "sasl.mechanism",
                        "must be SCRAM-SHA-256 or SCRAM-SHA-512 for ScramLoginModule (Java's default is GSSAPI)",
                    ))
                }
                ("PlainLoginModule", Some(m)) if m != "PLAIN" => {
                    return Err(invalid(
                        "sasl.jaas.config",
                        format!("PlainLoginModule does not fit sasl.mechanism={m}"),
                    ))
                }
                ("ScramLoginModule", Some(m)) if !m.starts_with("SCRAM-") => {
                    return Err(invalid(
                        "sasl.jaas.config",
                        format!("ScramLoginModule does not fit sasl.mechanism={m}"),
                    ))
                }
                _ => {}
            }
            out.settings.push(("sasl.username".into(), username));
            out.settings.push(("sasl.password".into(), password));
        }
        "OAuthBearerLoginModule" => {
            if mechanism.as_deref().is_some_and(|m| m != "OAUTHBEARER") {
                return Err(invalid("sasl.jaas.config", "OAuthBearerLoginModule needs sasl.mechanism=OAUTHBEARER"));
            }
            if mechanism.is_none() {
                out.settings.push(("sasl.mechanisms".into(), "OAUTHBEARER".into()));
            }
            if let Some(subject) = option("unsecuredLoginStringClaim_sub") {
                // Kafka's unsecured (unsigned) JWTs, for development clusters.
                let mut config = format!("principal={subject}");
                for (name, value) in &login.options {
                    if let Some(extension) = name.strip_prefix("unsecuredLoginExtension_") {
                        config.push_str(&format!(" extension_{extension}={value}"));
                    } else if name == "unsecuredLoginListClaim_scope" {
                        // Kafka reads a list claim's first character as its separator (",a,b" is [a, b]).
                        let mut chars = value.chars();
                        let items: Vec<&str> = match chars.next() {
                            Some(separator) => chars.as_str().split(separator).filter(|s| !s.is_empty()).collect(),
                            None => Vec::new(),
                        };
                        config.push_str(&format!(" scope={}", items.join(",")));
                    } else if name == "unsecuredLoginLifetimeSeconds" {
                        config.push_str(&format!(" lifeSeconds={value}"));
                    }
                }
                out.settings.push(("enable.sasl.oauthbearer.unsecure.jwt".into(), "true".into()));
                out.settings.push(("sasl.oauthbearer.config".into(), config));
            } else if let Some(client_id) = option("clientId") {
                // KIP-768: OpenID Connect's client credentials, the token asked of the endpoint Kafka's key names.
                if get(properties, "sasl.oauthbearer.token.endpoint.url").is_none() {
                    return Err(invalid(
                        "sasl.jaas.config",
                        "OAuthBearerLoginModule with clientId needs sasl.oauthbearer.token.endpoint.url",
                    ));
                }
                let secret = option("clientSecret").ok_or_else(|| {
                    invalid("sasl.jaas.config", "OAuthBearerLoginModule with clientId needs clientSecret")
                })?;
                out.settings.push(("sasl.oauthbearer.method".into(), "oidc".into()));
                out.settings.push(("sasl.oauthbearer.client.id".into(), client_id));
                out.settings.push(("sasl.oauthbearer.client.secret".into(), secret));
                if let Some(scope) = option("scope") {
                    out.settings.push(("sasl.oauthbearer.scope".into(), scope));
                }
                let extensions: Vec<String> = login
                    .options
                    .iter()
                    .filter_map(|(name, value)| name.strip_prefix("extension_").map(|n| format!("{n}={value}")))
                    .collect();
                if !extensions.is_empty() {
                    out.settings.push(("sasl.oauthbearer.extensions".into(), extensions.join(",")));
                }
            } else {
                return Err(invalid("sasl.jaas.config", "OAuthBearerLoginModule needs unsecuredLoginStringClaim_sub"));
            }
        }
        "IAMLoginModule" => {
            if mechanism.as_deref() != Some("AWS_MSK_IAM") {
                return Err(invalid("sasl.jaas.config", "IAMLoginModule needs sasl.mechanism=AWS_MSK_IAM"));
            }
            for (java, ours) in [
                ("awsProfileName", "sasl.aws.profile"),
                ("awsRoleArn", "sasl.aws.role.arn"),
                ("awsRoleSessionName", "sasl.aws.role.session.name"),
                ("awsStsRegion", "sasl.aws.sts.region"),
            ] {
                if let Some(value) = option(java) {
                    out.settings.push((ours.into(), value));
                }
            }
        }
        "Krb5LoginModule" => {
            match mechanism.as_deref() {
                None => out.settings.push(("sasl.mechanisms".into(), "GSSAPI".into())),
                Some("GSSAPI") => {}
                Some(m) => {
                    return Err(invalid("sasl.jaas.config", format!("Krb5LoginModule does not fit sasl.mechanism={m}")))
                }
            }
            let flag = |name: &str| option(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
            if flag("useKeyTab") {
                let keytab = option("keyTab")
                    .ok_or_else(|| invalid("sasl.jaas.config", "Krb5LoginModule with useKeyTab=true needs keyTab"))?;
                out.settings.push(("sasl.kerberos.keytab".into(), keytab));
            } else if flag("useTicketCache") {
                if let Some(cache) = option("ticketCache") {
                    out.settings.push(("sasl.kerberos.ccache".into(), cache));
                }
            } else {
                return Err(invalid(
                    "sasl.jaas.config",
                    "Krb5LoginModule needs useKeyTab=true with keyTab, or useTicketCache=true (these tools never ask \
                     for a password)",
                ));
            }
            if let Some(principal) = option("principal") {
                out.settings.push(("sasl.kerberos.principal".into(), principal));
            }
            // Java reads the service name from the login module too; the key wins.
            if let (Some(service), None) = (option("serviceName"), get(properties, "sasl.kerberos.service.name")) {
                out.settings.push(("sasl.kerberos.service.name".into(), service));
            }
        }
        _ => return Err(invalid("sasl.jaas.config", format!("unsupported login module {}", login.module))),
    }
    Ok(())
}

/// One JAAS login entry: `<module class> <flag> [key=value ...];`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JaasLogin {
    pub module: String,
    pub flag: String,
    pub options: Vec<(String, String)>,
}

/// Parses `sasl.jaas.config` as Kafka's `JaasConfig` does: a module class, a control flag, options whose values
/// are bare words or double-quoted strings (with `\"` and `\\` escapes), and a closing `;`. Errors never quote
/// option values (they are passwords).
pub fn parse_jaas(text: &str) -> Result<JaasLogin> {
    let fail = |reason: &str| invalid("sasl.jaas.config", reason);
    let mut chars = text.chars().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    let word = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut w = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '=' || c == ';' || c == '"' {
                break;
            }
            w.push(c);
            chars.next();
        }
        w
    };
    skip_space(&mut chars);
    let module = word(&mut chars);
    if module.is_empty() {
        return Err(fail("has no login module"));
    }
    skip_space(&mut chars);
    let flag = word(&mut chars);
    if !["required", "requisite", "sufficient", "optional"].contains(&flag.to_ascii_lowercase().as_str()) {
        return Err(fail("needs a control flag (required, requisite, sufficient or optional) after the login module"));
    }
    let mut options = Vec::new();
    loop {
        skip_space(&mut chars);
        match chars.peek() {
            None => return Err(fail("must end with ';'")),
            Some(';') => {
                chars.next();
                break;
            }
            Some(_) => {}
        }
        let key = word(&mut chars);
        if key.is_empty() {
            return Err(fail("has an option without a name"));
        }
        skip_space(&mut chars);
        if chars.next() != Some('=') {
            return Err(fail(&format!("option '{key}' has no '=' and value")));
        }
        skip_space(&mut chars);
        let value = if chars.peek() == Some(&'"') {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    None => return Err(fail(&format!("the value of option '{key}' has no closing quote"))),
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => return Err(fail(&format!("the value of option '{key}' has no closing quote"))),
                    },
                    Some('"') => break,
                    Some(c) => value.push(c),
                }
            }
            value
        } else {
            let value = word(&mut chars);
            if value.is_empty() {
                return Err(fail(&format!("option '{key}' has no value")));
            }
            value
        };
        options.push((key, value));
    }
    skip_space(&mut chars);
    if chars.next().is_some() {
        return Err(fail("has text after ';' (only one login module is supported)"));
    }
    Ok(JaasLogin { module, flag, options })
}

/// `key=value` lines of effective settings for `--dump-config`, secrets hidden and PEM blobs summarized.
pub fn describe(settings: &[(String, String)]) -> Vec<String> {
    settings
        .iter()
        .map(|(key, value)| {
            if is_secret(key) {
                format!("{key}=[hidden]")
            } else if value.contains("-----BEGIN") {
                format!("{key}=[PEM, {} certificate(s)]", value.matches("-----BEGIN CERTIFICATE-----").count())
            } else {
                format!("{key}={value}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        translate(&props(pairs)).unwrap().settings
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        translate(&props(pairs)).unwrap_err().to_string()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        props(pairs)
    }

    const PLAIN: &str =
        r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr3t";"#;

    #[test]
    fn plain_jaas_becomes_username_and_password() {
        assert_eq!(
            settings(&[("security.protocol", "sasl_ssl"), ("sasl.mechanism", "PLAIN"), ("sasl.jaas.config", PLAIN)]),
            owned(&[
                ("security.protocol", "SASL_SSL"),
                ("sasl.mechanisms", "PLAIN"),
                ("sasl.username", "alice"),
                ("sasl.password", "s3cr3t")
            ])
        );
    }

    #[test]
    fn scram_jaas_with_quotes_escapes_and_bare_words() {
        let jaas = r#"  org.apache.kafka.common.security.scram.ScramLoginModule   required
            username=bob password="p\"a;ss w\\rd" tokenauth=false ; "#;
        assert_eq!(
            settings(&[("sasl.mechanism", "SCRAM-SHA-512"), ("sasl.jaas.config", jaas)]),
            owned(&[
                ("sasl.mechanisms", "SCRAM-SHA-512"),
                ("sasl.username", "bob"),
                ("sasl.password", r#"p"a;ss w\rd"#)
            ])
        );
    }

    #[test]
    fn mechanism_and_module_must_agree() {
        let t = translate(&props(&[("sasl.jaas.config", PLAIN)])).unwrap();
        assert_eq!(t.settings[0], ("sasl.mechanisms".to_string(), "PLAIN".to_string()));
        assert_eq!(
            t.warnings,
            ["sasl.mechanism is not set (Java's default is GSSAPI); using PLAIN, as sasl.jaas.config asks"]
        );
        let scram = r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";"#;
        assert_eq!(
            error(&[("sasl.jaas.config", scram)]),
            "--command-config: sasl.mechanism: must be SCRAM-SHA-256 or SCRAM-SHA-512 for ScramLoginModule (Java's default is GSSAPI)"
        );
        assert_eq!(
            error(&[("sasl.mechanism", "SCRAM-SHA-256"), ("sasl.jaas.config", PLAIN)]),
            "--command-config: sasl.jaas.config: PlainLoginModule does not fit sasl.mechanism=SCRAM-SHA-256"
        );
        assert_eq!(
            error(&[("sasl.mechanism", "OAUTHBEARER"), ("sasl.jaas.config", KRB5_KEYTAB)]),
            "--command-config: sasl.jaas.config: Krb5LoginModule does not fit sasl.mechanism=OAUTHBEARER"
        );
    }

    const KRB5_KEYTAB: &str = r#"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/etc/security/keytabs/migrator.keytab" principal="migrator@EXAMPLE.COM";"#;

    #[test]
    fn kerberos_keytab_and_ticket_cache() {
        let keytab =
            translate(&props(&[("sasl.kerberos.service.name", "kafka"), ("sasl.jaas.config", KRB5_KEYTAB)])).unwrap();
        assert_eq!(
            keytab.settings,
            owned(&[
                ("sasl.kerberos.service.name", "kafka"),
                ("sasl.mechanisms", "GSSAPI"),
                ("sasl.kerberos.keytab", "/etc/security/keytabs/migrator.keytab"),
                ("sasl.kerberos.principal", "migrator@EXAMPLE.COM"),
            ])
        );
        assert!(keytab.warnings.is_empty(), "{:?}", keytab.warnings);
        let cache = r#"com.sun.security.auth.module.Krb5LoginModule required useTicketCache=true ticketCache="/tmp/krb5cc_ops" serviceName="kafka-prod";"#;
        assert_eq!(
            settings(&[("sasl.mechanism", "GSSAPI"), ("sasl.jaas.config", cache)]),
            owned(&[
                ("sasl.mechanisms", "GSSAPI"),
                ("sasl.kerberos.ccache", "/tmp/krb5cc_ops"),
                ("sasl.kerberos.service.name", "kafka-prod"),
            ])
        );
        for (jaas, reason) in [
            (
                "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;",
                "Krb5LoginModule with useKeyTab=true needs keyTab",
            ),
            (
                "com.sun.security.auth.module.Krb5LoginModule required principal=\"a@B\";",
                "Krb5LoginModule needs useKeyTab=true with keyTab, or useTicketCache=true (these tools never ask for a \
                 password)",
            ),
        ] {
            assert_eq!(error(&[("sasl.jaas.config", jaas)]), format!("--command-config: sasl.jaas.config: {reason}"));
        }
    }

    #[test]
    fn msk_iam_login_module_options() {
        let jaas = r#"software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName="ops" awsRoleArn="arn:aws:iam::1:role/r" awsStsRegion="us-east-1" awsDebugCreds=true;"#;
        let handler = ("sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler");
        let translated =
            translate(&props(&[("sasl.mechanism", "AWS_MSK_IAM"), ("sasl.jaas.config", jaas), handler])).unwrap();
        assert_eq!(
            translated.settings,
            owned(&[
                ("sasl.mechanisms", "AWS_MSK_IAM"),
                ("sasl.aws.profile", "ops"),
                ("sasl.aws.role.arn", "arn:aws:iam::1:role/r"),
                ("sasl.aws.sts.region", "us-east-1"),
            ])
        );
        assert!(translated.warnings.is_empty(), "{:?}", translated.warnings);
        assert_eq!(
            error(&[("sasl.mechanism", "PLAIN"), ("sasl.jaas.config", jaas)]),
            "--command-config: sasl.jaas.config: IAMLoginModule needs sasl.mechanism=AWS_MSK_IAM"
        );
    }

    #[test]
    fn oauthbearer_unsecured_and_oidc() {
        let unsecured = r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required
            unsecuredLoginStringClaim_sub="admin" unsecuredLoginExtension_traceId="123";"#;
        assert_eq!(
            settings(&[("sasl.mechanism", "OAUTHBEARER"), ("sasl.jaas.config", unsecured)]),
            owned(&[
                ("sasl.mechanisms", "OAUTHBEARER"),
                ("enable.sasl.oauthbearer.unsecure.jwt", "true"),
                ("sasl.oauthbearer.config", "principal=admin extension_traceId=123")
            ])
        );
        let oidc = r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="app" clientSecret="hush" scope="kafka" extension_logicalCluster="lkc-1" extension_identityPoolId="pool-2";"#;
        let message = error(&[("sasl.mechanism", "OAUTHBEARER"), ("sasl.jaas.config", oidc)]);
        assert_eq!(
            message,
            "--command-config: sasl.jaas.config: OAuthBearerLoginModule with clientId needs \
             sasl.oauthbearer.token.endpoint.url"
        );
        let url = "https://idp.example.com/oauth2/token";
        assert_eq!(
            settings(&[
                ("sasl.mechanism", "OAUTHBEARER"),
                ("sasl.oauthbearer.token.endpoint.url", url),
                ("sasl.jaas.config", oidc)
            ]),
            owned(&[
                ("sasl.mechanisms", "OAUTHBEARER"),
                ("sasl.oauthbearer.token.endpoint.url", url),
                ("sasl.oauthbearer.method", "oidc"),
                ("sasl.oauthbearer.client.id", "app"),
                ("sasl.oauthbearer.client.secret", "hush"),
                ("sasl.oauthbearer.scope", "kafka"),
                ("sasl.oauthbearer.extensions", "logicalCluster=lkc-1,identityPoolId=pool-2"),
            ])
        );
    }

    #[test]
    fn malformed_jaas_never_quotes_the_secret() {
        let cases = [
            (r#"org.x.PlainLoginModule required username="a" password="s3cr3t""#, "must end with ';'"),
            (
                r#"org.x.PlainLoginModule username="a" password="s3cr3t";"#,
                "needs a control flag (required, requisite, sufficient or optional) after the login module",
            ),
            (
                r#"org.x.PlainLoginModule required username="a" password="s3cr3t;"#,
                "the value of option 'password' has no closing quote",
            ),
            (
                r#"org.x.PlainLoginModule required username password="s3cr3t";"#,
                "option 'username' has no '=' and value",
            ),
            (
                r#"org.x.PlainLoginModule required password="s3cr3t"; other required;"#,
                "has text after ';' (only one login module is supported)",
            ),
            ("", "has no login module"),
        ];
        for (jaas, reason) in cases {
            let message = error(&[("sasl.mechanism", "PLAIN"), ("sasl.jaas.config", jaas)]);
            assert_eq!(message, format!("--command-config: sasl.jaas.config: {reason}"), "{jaas}");
            assert!(!message.contains("s3cr3t"));
        }
    }

    #[test]
    fn common_keys_used_renamed_or_warned() {
        let t = translate(&props(&[
            ("bootstrap.servers", "elsewhere:1"),
            ("client.id", "ops"),
            ("receive.buffer.bytes", "65536"),
            ("isolation.level", "read_committed"),
            ("ssl.endpoint.identification.algorithm", ""),
            ("ssl.enabled.protocols", "TLSv1.2"),
            ("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"),
            ("default.api.timeout.ms", "1500"),
            ("request.timeout.ms", "900"),
        ]))
        .unwrap();
        assert_eq!(
            t.settings,
            owned(&[
                ("client.id", "ops"),
                ("isolation.level", "read_committed"),
                ("ssl.endpoint.identification.algorithm", "none")
            ])
        );
        assert_eq!(t.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(
            t.warnings,
            [
                "ignoring 'receive.buffer.bytes' from --command-config: these tools do not use it",
                "ignoring 'ssl.enabled.protocols' from --command-config: the TLS version is negotiated (TLS 1.2 or 1.3)",
                "ignoring 'key.deserializer' from --command-config: these tools do not use it",
            ]
        );
    }

    #[test]
    fn invalid_values_are_named_without_the_value() {
        assert_eq!(
            error(&[("security.protocol", "TLS")]),
            "--command-config: security.protocol: must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
        );
        assert_eq!(
            error(&[("isolation.level", "s3cr3t-nonsense")]),
            "--command-config: isolation.level: must be read_committed or read_uncommitted"
        );
        assert_eq!(
            error(&[("enable.ssl.certificate.verification", "maybe")]),
            "--command-config: enable.ssl.certificate.verification: must be true or false"
        );
        for bad in ["soon", "0", "2147483648", "-5", "99999999999999999999999"] {
            assert_eq!(
                error(&[("default.api.timeout.ms", bad)]),
                "--command-config: default.api.timeout.ms: must be a number of milliseconds from 1 to 2147483647",
                "{bad}"
            );
        }
    }

    #[test]
    fn describe_hides_secrets() {
        let lines = describe(&owned(&[
            ("sasl.username", "alice"),
            ("sasl.password", "s3cr3t"),
            ("ssl.keystore.password", "s3cr3t"),
            ("sasl.oauthbearer.client.secret", "s3cr3t"),
            ("ssl.ca.pem", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"),
        ]));
        assert_eq!(
            lines,
            [
                "sasl.username=alice",
                "sasl.password=[hidden]",
                "ssl.keystore.password=[hidden]",
                "sasl.oauthbearer.client.secret=[hidden]",
                "ssl.ca.pem=[PEM, 1 certificate(s)]",
            ]
        );
    }

    #[test]
    fn properties_syntax_and_malformed_files() {
        let dir = std::env::temp_dir().join(format!("command-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.properties");
        std::fs::write(
            &good,
            "# comment\n! also a comment\nsecurity.protocol : SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule \\\n    required username=\"alice\" \\\n    password=\"pa\\\\ss\";\nclient.id=a\\u00e9\n",
        )
        .unwrap();
        let loaded = load(good.to_str().unwrap()).unwrap();
        assert_eq!(loaded[0], ("security.protocol".to_string(), "SASL_SSL".to_string()));
        assert_eq!(
            loaded[1].1,
            r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="pa\ss";"#
        );
        assert_eq!(loaded[2].1, "aé");
        let bad = dir.join("bad.properties");
        std::fs::write(&bad, "client.id=ok\nsasl.password=s3cr3t\\u12zz\n").unwrap();
        let message = load(bad.to_str().unwrap()).unwrap_err().to_string();
        assert_eq!(message, format!("--command-config {}: line 2: not valid Java properties syntax", bad.display()));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
