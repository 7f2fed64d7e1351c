//! TLS for SSL and SASL_SSL listeners, from the `ssl.*` settings that `--command-config` translates to (the names
//! are librdkafka's, which Kafka users also write): trusted CAs (`ssl.ca.location` file or directory, `ssl.ca.pem`,
//! else the system's), a client certificate for mutual TLS (`ssl.certificate.location` + `ssl.key.location`,
//! `ssl.certificate.pem` + `ssl.key.pem`, or a PKCS12 `ssl.keystore.location`), host name checking
//! (`ssl.endpoint.identification.algorithm`, https by default as in Kafka 2.0+), `enable.ssl.certificate.verification`
//! and `ssl.cipher.suites`.

use std::net::IpAddr;

use crate::client::connection::Timed;

use openssl::pkcs12::Pkcs12;
use openssl::pkey::PKey;
use openssl::ssl::{HandshakeError, SslConnector, SslFiletype, SslMethod, SslStream, SslVerifyMode};
use openssl::x509::store::{X509Lookup, X509StoreBuilder};
use openssl::x509::X509;

use crate::error::{Error, Result};

/// CA bundles of the common Linux distributions, used when no CA is configured (the vendored OpenSSL does not know
/// where the system keeps them).
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// A TLS client set up once per run.
#[derive(Clone)]
pub struct TlsSettings {
    connector: SslConnector,
    verify_hostname: bool,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings").field("verify_hostname", &self.verify_hostname).finish()
    }
}

/// How a handshake failed.
#[derive(Debug)]
pub enum TlsFailure {
    TimedOut,
    Handshake(String),
}

fn invalid(key: &str, reason: impl std::fmt::Display) -> Error {
    Error::Usage(format!("--command-config: {key}: {reason}"))
}

impl TlsSettings {
    /// The connector and whether it checks host names (for other clients of the same settings: the OIDC token
    /// endpoint).
    pub fn connector(&self) -> (&SslConnector, bool) {
        (&self.connector, self.verify_hostname)
    }

    /// Builds the TLS client from the translated settings (`setting` looks one up). Files that cannot be read or
    /// parsed are usage errors: nothing has been sent yet.
    pub fn new(setting: &dyn Fn(&str) -> Option<String>) -> Result<TlsSettings> {
        let mut builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(|e| Error::Usage(format!("cannot set up TLS: {e}")))?;
        let verify = setting("enable.ssl.certificate.verification").is_none_or(|v| !v.eq_ignore_ascii_case("false"));
        builder.set_verify(if verify { SslVerifyMode::PEER } else { SslVerifyMode::NONE });

        let mut have_ca = false;
        // A configured CA is the only one trusted, as Java trusts only its truststore: the connector starts with the
        // system's default paths, which must not add to it.
        if setting("ssl.ca.location").is_some() || setting("ssl.ca.pem").is_some() {
            let empty = X509StoreBuilder::new().map_err(|e| Error::Usage(format!("cannot set up TLS: {e}")))?.build();
            builder.set_cert_store(empty);
        }
        if let Some(location) = setting("ssl.ca.location") {
            let path = std::path::Path::new(&location);
            if path.is_dir() {
                // A directory of hashed certificate names (c_rehash), as OpenSSL's CApath.
                builder
                    .cert_store_mut()
                    .add_lookup(X509Lookup::hash_dir())
                    .and_then(|lookup| lookup.add_dir(&location, SslFiletype::PEM))
                    .map_err(|e| invalid("ssl.ca.location", format!("cannot use {location}: {e}")))?;
            } else {
                builder
                    .set_ca_file(path)
                    .map_err(|e| invalid("ssl.ca.location", format!("cannot read {location}: {e}")))?;
            }
            have_ca = true;
        }
        if let Some(pem) = setting("ssl.ca.pem") {
            let certificates =
                X509::stack_from_pem(pem.as_bytes()).map_err(|_| invalid("ssl.ca.pem", "is not PEM certificates"))?;
            for certificate in certificates {
                builder
                    .cert_store_mut()
                    .add_cert(certificate)
                    .map_err(|e| invalid("ssl.ca.pem", format!("cannot add a certificate: {e}")))?;
            }
            have_ca = true;
        }
        if !have_ca && verify {
            // OpenSSL's own override first (the bundle a machine or container points every OpenSSL program at).
            let from_env = std::env::var("SSL_CERT_FILE").ok().filter(|f| std::path::Path::new(f).is_file());
            let system = SYSTEM_CA_FILES.iter().find(|f| std::path::Path::new(f).exists()).map(|f| f.to_string());
            match from_env.or(system) {
                Some(file) => builder
                    .set_ca_file(&file)
                    .map_err(|e| Error::Usage(format!("cannot read the system CA bundle {file}: {e}")))?,
                None => builder
                    .set_default_verify_paths()
                    .map_err(|e| Error::Usage(format!("cannot find the system's CA certificates: {e}")))?,
            }
        }

        let key_password = setting("ssl.key.password");
        let private_key = |pem: &[u8], key: &str| {
            match &key_password {
                Some(password) => PKey::private_key_from_pem_passphrase(pem, password.as_bytes()),
                None => PKey::private_key_from_pem(pem),
            }
            .map_err(|_| invalid(key, "cannot read the private key (not PEM, or a wrong ssl.key.password)"))
        };
        if let Some(location) = setting("ssl.keystore.location") {
            let bytes = std::fs::read(&location)
                .map_err(|e| invalid("ssl.keystore.location", format!("cannot read {location}: {e}")))?;
            let password = setting("ssl.keystore.password").unwrap_or_default();
            let store = Pkcs12::from_der(&bytes).and_then(|p| p.parse2(&password)).map_err(|_| {
                invalid("ssl.keystore.location", format!("cannot read {location} as PKCS12 with ssl.keystore.password"))
            })?;
            let (Some(cert), Some(key)) = (store.cert, store.pkey) else {
                return Err(invalid("ssl.keystore.location", format!("{location} holds no certificate and key")));
            };
            builder.set_certificate(&cert).map_err(|e| invalid("ssl.keystore.location", e))?;
            builder.set_private_key(&key).map_err(|e| invalid("ssl.keystore.location", e))?;
            for extra in store.ca.into_iter().flatten() {
                builder.add_extra_chain_cert(extra).map_err(|e| invalid("ssl.keystore.location", e))?;
            }
        } else if let Some(location) = setting("ssl.certificate.location") {
            builder
                .set_certificate_chain_file(&location)
                .map_err(|e| invalid("ssl.certificate.location", format!("cannot read {location}: {e}")))?;
            let key_location = setting("ssl.key.location").unwrap_or(location);
            let pem = std::fs::read(&key_location)
                .map_err(|e| invalid("ssl.key.location", format!("cannot read {key_location}: {e}")))?;
            builder
                .set_private_key(&*private_key(&pem, "ssl.key.location")?)
                .map_err(|e| invalid("ssl.key.location", e))?;
        } else if let Some(chain) = setting("ssl.certificate.pem") {
            let mut certificates = X509::stack_from_pem(chain.as_bytes())
                .map_err(|_| invalid("ssl.certificate.pem", "is not PEM certificates"))?
                .into_iter();
            let leaf = certificates.next().ok_or_else(|| invalid("ssl.certificate.pem", "holds no certificate"))?;
            builder.set_certificate(&leaf).map_err(|e| invalid("ssl.certificate.pem", e))?;
            for extra in certificates {
                builder.add_extra_chain_cert(extra).map_err(|e| invalid("ssl.certificate.pem", e))?;
            }
            let key = setting("ssl.key.pem").ok_or_else(|| invalid("ssl.certificate.pem", "needs ssl.key.pem"))?;
            builder
                .set_private_key(&*private_key(key.as_bytes(), "ssl.key.pem")?)
                .map_err(|e| invalid("ssl.key.pem", e))?;
        }
        if let Some(ciphers) = setting("ssl.cipher.suites") {
            builder
                .set_cipher_list(&ciphers)
                .map_err(|_| invalid("ssl.cipher.suites", "no cipher of the list is known to OpenSSL"))?;
        }
        let verify_hostname =
            verify && setting("ssl.endpoint.identification.algorithm").is_none_or(|a| a.eq_ignore_ascii_case("https"));
        Ok(TlsSettings { connector: builder.build(), verify_hostname })
    }

    /// The TLS handshake on a connected socket, bounded by its deadline.
    pub fn connect(&self, host: &str, tcp: Timed) -> std::result::Result<SslStream<Timed>, TlsFailure> {
        let mut config = self.connector.configure().map_err(|e| TlsFailure::Handshake(e.to_string()))?;
        config.set_verify_hostname(self.verify_hostname);
        config.set_use_server_name_indication(host.parse::<IpAddr>().is_err());
        match config.connect(host, tcp) {
            Ok(stream) => Ok(stream),
            Err(HandshakeError::WouldBlock(_)) => Err(TlsFailure::TimedOut),
            Err(HandshakeError::SetupFailure(e)) => Err(TlsFailure::Handshake(e.to_string())),
            Err(HandshakeError::Failure(mid)) => {
                let verify = mid.ssl().verify_result();
                let error = mid.error();
                let timed_out = error
                    .io_error()
                    .is_some_and(|e| matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
                if timed_out {
                    return Err(TlsFailure::TimedOut);
                }
                let closed = error.io_error().is_some_and(|e| {
                    use std::io::ErrorKind::*;
                    matches!(e.kind(), ConnectionReset | ConnectionAborted | UnexpectedEof | BrokenPipe)
                });
                let reason = if verify.as_raw() != 0 {
                    format!("certificate verify failed: {}", verify.error_string())
                } else if closed || (error.ssl_error().is_none() && error.io_error().is_none()) {
                    "the broker closed the connection during the handshake (is this an SSL listener?)".to_string()
                } else if let Some(ssl) = error.ssl_error() {
                    let text = ssl.to_string();
                    if text.contains("unexpected eof") {
                        "the broker closed the connection during the handshake (is this an SSL listener?)".to_string()
                    } else if text.contains("wrong version number") || text.contains("packet length too long") {
                        "the broker did not answer in TLS (is this an SSL listener?)".to_string()
                    } else {
                        text
                    }
                } else {
                    error.to_string()
                };
                Err(TlsFailure::Handshake(reason))
            }
        }
    }
}
