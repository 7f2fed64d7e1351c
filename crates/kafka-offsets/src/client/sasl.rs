//! SASL authentication on a new connection (KIP-43, Kafka 0.10+): PLAIN, SCRAM-SHA-256/512 (RFC 5802, KIP-84) and
//! OAUTHBEARER (RFC 7628) with unsecured tokens (KIP-255) or tokens of an OpenID Connect identity provider (KIP-768,
//! `oidc`; one token per run while it is valid). Tokens travel in SaslAuthenticate requests (KIP-152,
//! Kafka 1.0+), or, on older brokers, as raw size-prefixed frames after a v0 handshake. Credentials never appear
//! in an error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use kafka_protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};
use kafka_protocol::protocol::StrBytes;
use openssl::base64;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::sign::Signer;

use crate::client::aws_credentials::{self, AwsLogin};
use crate::client::codes::ErrorCode;
use crate::client::connection::{ConnError, Connection};
use crate::client::oidc::{AccessToken, TokenEndpoint};
use crate::client::sigv4::{self, AwsCredentials};
use crate::client::tls::TlsSettings;
use crate::client::versions::ApiVersions;
use crate::error::{Error, Result};

#[derive(Clone)]
enum Mechanism {
    Plain {
        username: String,
        password: String,
    },
    Scram {
        digest: MessageDigest,
        username: String,
        password: String,
    },
    OAuthBearer {
        principal: String,
        scope: Vec<String>,
        life_seconds: u64,
        extensions: Vec<(String, String)>,
    },
    /// OpenID Connect: the token comes from the identity provider, and is kept while it is valid.
    Oidc {
        endpoint: TokenEndpoint,
        extensions: Vec<(String, String)>,
        token: Arc<Mutex<Option<AccessToken>>>,
    },
    /// Kerberos through the system's GSSAPI library, for the broker's `service@host`.
    Gssapi {
        credentials: gssapi_dl::Credentials,
        service: String,
    },
    /// AWS MSK IAM: an OAUTHBEARER token signed anew for each connection with credentials found once per run.
    MskIam {
        login: AwsLogin,
        region: String,
        credentials: Arc<Mutex<Option<AwsCredentials>>>,
    },
}

/// The configured SASL login.
#[derive(Clone)]
pub struct SaslSettings {
    name: String,
    mechanism: Mechanism,
}

impl std::fmt::Debug for SaslSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslSettings").field("mechanism", &self.name).finish_non_exhaustive()
    }
}

fn missing(key: &str, mechanism: &str) -> Error {
    Error::Usage(format!("--command-config: {mechanism} needs {key} (or sasl.jaas.config)"))
}

impl SaslSettings {
    /// The login from the translated settings (`sasl.mechanisms`, `sasl.username`, `sasl.password`,
    /// `sasl.oauthbearer.config`).
    pub fn new(setting: &dyn Fn(&str) -> Option<String>) -> Result<SaslSettings> {
        let name = setting("sasl.mechanisms").unwrap_or_else(|| "GSSAPI".into()).to_ascii_uppercase();
        let credentials = || -> Result<(String, String)> {
            Ok((
                setting("sasl.username").ok_or_else(|| missing("sasl.username", &name))?,
                setting("sasl.password").ok_or_else(|| missing("sasl.password", &name))?,
            ))
        };
        let mechanism = match name.as_str() {
            "PLAIN" => {
                let (username, password) = credentials()?;
                Mechanism::Plain { username, password }
            }
            "SCRAM-SHA-256" | "SCRAM-SHA-512" => {
                let (username, password) = credentials()?;
                let digest = if name.ends_with("512") { MessageDigest::sha512() } else { MessageDigest::sha256() };
                Mechanism::Scram { digest, username, password }
            }
            "OAUTHBEARER" if setting("sasl.oauthbearer.method").is_some_and(|m| m.eq_ignore_ascii_case("oidc")) => {
                oidc(setting)?
            }
            "OAUTHBEARER" => {
                let config = setting("sasl.oauthbearer.config").unwrap_or_default();
                let mut principal = None;
                let (mut scope, mut life_seconds, mut extensions) = (Vec::new(), 3600, Vec::new());
                for item in config.split_whitespace() {
                    let (key, value) = item.split_once('=').unwrap_or((item, ""));
                    match key {
                        "principal" => principal = Some(value.to_string()),
                        "scope" => scope = value.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                        "lifeSeconds" => {
                            life_seconds = value.parse().map_err(|_| {
                                Error::Usage(
                                    "--command-config: sasl.oauthbearer.config: lifeSeconds must be a number".into(),
                                )
                            })?
                        }
                        _ => match key.strip_prefix("extension_") {
                            Some(name) => extensions.push((name.to_string(), value.to_string())),
                            None => {
                                return Err(Error::Usage(format!(
                                    "--command-config: sasl.oauthbearer.config: unknown item '{key}'"
                                )))
                            }
                        },
                    }
                }
                let principal = principal.ok_or_else(|| {
                    Error::Usage(
                        "--command-config: OAUTHBEARER needs an unsecured token subject (unsecuredLoginStringClaim_sub \
                         in sasl.jaas.config)"
                            .into(),
                    )
                })?;
                Mechanism::OAuthBearer { principal, scope, life_seconds, extensions }
            }
            "AWS_MSK_IAM" => {
                let region = setting("sasl.aws.region").filter(|r| !r.is_empty()).ok_or_else(|| {
                    Error::Usage(
                        "--command-config: AWS_MSK_IAM needs the cluster's AWS region: no bootstrap server is an MSK \
                         host name that gives one; set AWS_REGION"
                            .into(),
                    )
                })?;
                let login = AwsLogin {
                    profile: setting("sasl.aws.profile"),
                    role_arn: setting("sasl.aws.role.arn"),
                    role_session_name: setting("sasl.aws.role.session.name"),
                    sts_region: setting("sasl.aws.sts.region"),
                };
                Mechanism::MskIam { login, region, credentials: Arc::new(Mutex::new(None)) }
            }
            "GSSAPI" => {
                let principal = setting("sasl.kerberos.principal").filter(|p| !p.is_empty());
                let credentials = match setting("sasl.kerberos.keytab").filter(|k| !k.is_empty()) {
                    Some(keytab) => gssapi_dl::Credentials::Keytab { keytab, principal },
                    None => gssapi_dl::Credentials::TicketCache {
                        cache: setting("sasl.kerberos.ccache").filter(|c| !c.is_empty()),
                        principal,
                    },
                };
                // librdkafka's default; Java has none and asks for it.
                let service = setting("sasl.kerberos.service.name").filter(|s| !s.is_empty()).unwrap_or("kafka".into());
                Mechanism::Gssapi { credentials, service }
            }
            other => {
                return Err(Error::Usage(format!(
                    "--command-config: sasl.mechanism: {other} is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, \
                     OAUTHBEARER, AWS_MSK_IAM, GSSAPI"
                )))
            }
        };
        Ok(SaslSettings { name, mechanism })
    }

    pub fn mechanism(&self) -> &str {
        &self.name
    }

    /// The mechanism named in the handshake: MSK IAM tokens travel as OAUTHBEARER, as AWS's signers send them.
    fn wire_name(&self) -> &str {
        match self.mechanism {
            Mechanism::MskIam { .. } => "OAUTHBEARER",
            _ => &self.name,
        }
    }

    /// The handshake request to send (pipelined right behind ApiVersions when the versions are known).
    pub fn handshake(&self) -> SaslHandshakeRequest {
        SaslHandshakeRequest::default().with_mechanism(StrBytes::from_string(self.wire_name().to_string()))
    }

    /// Checks the handshake's answer.
    pub fn check_handshake(&self, error: i16, enabled: &[StrBytes]) -> std::result::Result<(), ConnError> {
        match ErrorCode(error) {
            ErrorCode::NONE => Ok(()),
            ErrorCode::UNSUPPORTED_SASL_MECHANISM => {
                let enabled: Vec<&str> = enabled.iter().map(|m| m.as_str()).collect();
                Err(ConnError::Auth(format!(
                    "the broker does not enable SASL mechanism {} (it enables: {})",
                    self.wire_name(),
                    enabled.join(", ")
                )))
            }
            code => Err(ConnError::Auth(format!("the SASL handshake failed with {code}"))),
        }
    }

    /// Runs the token exchange after a successful handshake: framed in SaslAuthenticate when the broker has it
    /// (`versions`), else raw.
    pub fn authenticate(
        &self,
        conn: &mut Connection,
        versions: &ApiVersions,
        deadline: Instant,
    ) -> std::result::Result<(), ConnError> {
        let framed = versions.best::<SaslAuthenticateRequest>();
        let host = conn.address.host.clone();
        let mut exchange = |token: Vec<u8>| -> std::result::Result<Vec<u8>, ConnError> {
            match framed {
                Some(version) => {
                    let request = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(token));
                    let answer = conn.call(&request, version, deadline)?;
                    if answer.error_code != 0 {
                        let message = answer.error_message.map(|m| m.to_string()).unwrap_or_default();
                        let code = ErrorCode(answer.error_code);
                        return Err(ConnError::Auth(if message.is_empty() {
                            code.to_string()
                        } else {
                            format!("{message} ({code})")
                        }));
                    }
                    Ok(answer.auth_bytes.to_vec())
                }
                None => {
                    let mut frame = (token.len() as i32).to_be_bytes().to_vec();
                    frame.extend_from_slice(&token);
                    conn.send_raw(&frame, deadline)?;
                    conn.receive_raw(deadline).map_err(|e| match e {
                        ConnError::Io(_) => ConnError::Auth(format!(
                            "the broker closed the connection during {} authentication (wrong credentials?)",
                            self.name
                        )),
                        other => other,
                    })
                }
            }
        };
        match &self.mechanism {
            Mechanism::Plain { username, password } => {
                exchange(format!("\0{username}\0{password}").into_bytes())?;
                Ok(())
            }
            Mechanism::OAuthBearer { .. } | Mechanism::Oidc { .. } | Mechanism::MskIam { .. } => {
                let (token, extensions) = match &self.mechanism {
                    Mechanism::OAuthBearer { principal, scope, life_seconds, extensions } => {
                        (unsecured_jwt(principal, scope, *life_seconds), extensions)
                    }
                    Mechanism::Oidc { endpoint, extensions, token } => {
                        (oidc_token(endpoint, token, deadline)?, extensions)
                    }
                    Mechanism::MskIam { login, region, credentials } => {
                        (msk_iam_token(login, region, credentials, deadline)?, &Vec::new())
                    }
                    _ => unreachable!("an OAUTHBEARER mechanism"),
                };
                let mut message = format!("n,,\u{1}auth=Bearer {token}\u{1}");
                for (key, value) in extensions {
                    message.push_str(&format!("{key}={value}\u{1}"));
                }
                message.push('\u{1}');
                let answer = exchange(message.into_bytes())?;
                if answer.is_empty() {
                    return Ok(());
                }
                // A refusal comes back as a JSON status with no error code (RFC 7628); the broker ends the exchange
                // once the client answers it with a lone 0x01.
                let status = serde_json::from_slice::<serde_json::Value>(&answer)
                    .ok()
                    .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string))
                    .unwrap_or_else(|| String::from_utf8_lossy(&answer).into_owned());
                let _ = exchange(vec![1]);
                Err(ConnError::Auth(format!("the OAUTHBEARER token was refused: {status}")))
            }
            Mechanism::Gssapi { credentials, service } => gssapi_login(credentials, service, &host, &mut exchange),
            Mechanism::Scram { digest, username, password } => {
                let scram = Scram::new(*digest, username)?;
                let server_first = exchange(scram.client_first().into_bytes())?;
                let server_first = String::from_utf8_lossy(&server_first).into_owned();
                let (client_final, expected_signature) = scram.client_final(&server_first, password, deadline)?;
                let server_final = exchange(client_final.into_bytes())?;
                let server_final = String::from_utf8_lossy(&server_final).into_owned();
                if let Some(error) = server_final.strip_prefix("e=") {
                    return Err(ConnError::Auth(format!("SCRAM: {error}")));
                }
                match server_final.strip_prefix("v=").and_then(|v| base64::decode_block(v).ok()) {
                    Some(signature) if signature == expected_signature => Ok(()),
                    _ => Err(ConnError::Auth(
                        "SCRAM: the broker's signature does not match (not the broker it claims to be?)".into(),
                    )),
                }
            }
        }
    }
}

/// The OpenID Connect login's settings (`sasl.oauthbearer.*`, as `--command-config` translates Kafka's).
fn oidc(setting: &dyn Fn(&str) -> Option<String>) -> Result<Mechanism> {
    let needed = |key: &str| {
        setting(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::Usage(format!("--command-config: OAUTHBEARER with OpenID Connect needs {key} (or sasl.jaas.config)"))
        })
    };
    let url = needed("sasl.oauthbearer.token.endpoint.url")?;
    let tls = if url.starts_with("https://") {
        Some(TlsSettings::new(setting)?)
    } else if url.starts_with("http://") {
        None
    } else {
        return Err(Error::Usage(format!(
            "--command-config: sasl.oauthbearer.token.endpoint.url: {url} is not an http or https URL (a token file \
             is not read by these tools)"
        )));
    };
    let millis = |key: &str| -> Result<Option<Duration>> {
        setting(key)
            .map(|v| v.trim().parse::<u64>().map(Duration::from_millis))
            .transpose()
            .map_err(|_| Error::Usage(format!("--command-config: {key} must be a number of milliseconds")))
    };
    let extensions = setting("sasl.oauthbearer.extensions")
        .unwrap_or_default()
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            (key.trim().to_string(), value.trim().to_string())
        })
        .collect();
    let endpoint = TokenEndpoint {
        url,
        client_id: needed("sasl.oauthbearer.client.id")?,
        client_secret: needed("sasl.oauthbearer.client.secret")?,
        scope: setting("sasl.oauthbearer.scope").filter(|s| !s.is_empty()),
        connect_timeout: millis("sasl.login.connect.timeout.ms")?,
        read_timeout: millis("sasl.login.read.timeout.ms")?,
        tls,
    };
    Ok(Mechanism::Oidc { endpoint, extensions, token: Arc::new(Mutex::new(None)) })
}

/// The run's token: the one kept while it has a minute left, else a new one from the identity provider.
fn oidc_token(
    endpoint: &TokenEndpoint,
    kept: &Mutex<Option<AccessToken>>,
    deadline: Instant,
) -> std::result::Result<String, ConnError> {
    let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(token) = kept.as_ref().filter(|t| t.expires > Instant::now() + Duration::from_secs(60)) {
        return Ok(token.value.clone());
    }
    let token = endpoint.fetch(deadline).map_err(ConnError::Auth)?;
    let value = token.value.clone();
    *kept = Some(token);
    Ok(value)
}

/// SASL GSSAPI (RFC 4752, as Kafka's Java client runs it): context tokens until the context is established, then
/// the broker's wrapped offer of security layers, answered with "none" (Kafka protects nothing with them).
fn gssapi_login(
    credentials: &gssapi_dl::Credentials,
    service: &str,
    host: &str,
    exchange: &mut dyn FnMut(Vec<u8>) -> std::result::Result<Vec<u8>, ConnError>,
) -> std::result::Result<(), ConnError> {
    let failed = |e: String| ConnError::Auth(format!("GSSAPI: {e}"));
    let mut initiator = gssapi_dl::Initiator::new(credentials, service, host).map_err(failed)?;
    let mut answer = Vec::new();
    loop {
        let (token, established) = initiator.step(&answer).map_err(failed)?;
        answer = exchange(token)?;
        if established {
            break;
        }
    }
    let offer = initiator.unwrap(&answer).map_err(failed)?;
    // One byte of layers (bit 1: none), three of the largest message size.
    if offer.len() != 4 || offer[0] & 1 == 0 {
        return Err(failed(format!("the broker offers no security layer this client takes ({offer:02x?})")));
    }
    exchange(initiator.wrap(&[1, 0, 0, 0]).map_err(failed)?)?;
    Ok(())
}

/// A token signed now, with the run's AWS credentials (found at the first login).
fn msk_iam_token(
    login: &AwsLogin,
    region: &str,
    kept: &Mutex<Option<AwsCredentials>>,
    deadline: Instant,
) -> std::result::Result<String, ConnError> {
    let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let credentials = match kept.as_ref() {
        Some(credentials) => credentials.clone(),
        None => {
            let env = |name: &str| std::env::var(name).ok();
            let credentials = aws_credentials::resolve(login, region, &env, deadline)
                .map_err(|e| ConnError::Auth(format!("AWS MSK IAM: {e}")))?;
            *kept = Some(credentials.clone());
            credentials
        }
    };
    let user_agent = concat!("offset-tools/", env!("CARGO_PKG_VERSION"));
    sigv4::msk_token(region, &credentials, chrono::Utc::now(), user_agent)
        .map_err(|e| ConnError::Auth(format!("AWS MSK IAM: {e}")))
}

/// An unsigned JWT (`alg: none`), which brokers with the unsecured OAUTHBEARER validator accept.
fn unsecured_jwt(principal: &str, scope: &[String], life_seconds: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut claims = serde_json::json!({ "sub": principal, "iat": now, "exp": now + life_seconds });
    if !scope.is_empty() {
        claims["scope"] = serde_json::json!(scope);
    }
    let header = base64url(br#"{"alg":"none"}"#);
    format!("{header}.{}.", base64url(claims.to_string().as_bytes()))
}

fn base64url(bytes: &[u8]) -> String {
    base64::encode_block(bytes).replace('+', "-").replace('/', "_").trim_end_matches('=').to_string()
}

/// The fewest SCRAM iterations Kafka's clients accept (`ScramMechanism` of Kafka's Java client).
const MIN_ITERATIONS: u64 = 4096;
/// A slow machine's PBKDF2 rate, to tell an iteration count that cannot end before the deadline.
const ITERATIONS_PER_SECOND: f64 = 200_000.0;

/// The client side of one SCRAM exchange.
struct Scram {
    digest: MessageDigest,
    client_first_bare: String,
    nonce: String,
}

fn hmac(digest: MessageDigest, key: &[u8], data: &[u8]) -> std::result::Result<Vec<u8>, ConnError> {
    let failed = |e: openssl::error::ErrorStack| ConnError::Auth(format!("SCRAM: {e}"));
    let key = PKey::hmac(key).map_err(failed)?;
    let mut signer = Signer::new(digest, &key).map_err(failed)?;
    signer.update(data).map_err(failed)?;
    signer.sign_to_vec().map_err(failed)
}

impl Scram {
    fn new(digest: MessageDigest, username: &str) -> std::result::Result<Scram, ConnError> {
        let mut random = [0u8; 24];
        openssl::rand::rand_bytes(&mut random).map_err(|e| ConnError::Auth(format!("SCRAM: {e}")))?;
        let nonce = base64::encode_block(&random);
        let name = username.replace('=', "=3D").replace(',', "=2C");
        Ok(Scram { digest, client_first_bare: format!("n={name},r={nonce}"), nonce })
    }

    fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message and the server signature to expect, from the server-first message.
    fn client_final(
        &self,
        server_first: &str,
        password: &str,
        deadline: Instant,
    ) -> std::result::Result<(String, Vec<u8>), ConnError> {
        let bad = || ConnError::Auth("SCRAM: the broker's first message is malformed".into());
        let field =
            |name: &str| server_first.split(',').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')));
        if let Some(error) = field("e") {
            return Err(ConnError::Auth(format!("SCRAM: {error}")));
        }
        // The server's nonce extends ours (RFC 5802): the same, or another, is a replay or a forgery.
        let nonce = field("r").filter(|r| r.len() > self.nonce.len() && r.starts_with(&self.nonce)).ok_or_else(bad)?;
        let salt = field("s").and_then(|s| base64::decode_block(s).ok()).ok_or_else(bad)?;
        let iterations: u64 = field("i").and_then(|i| i.parse().ok()).ok_or_else(bad)?;
        // Kafka's clients refuse fewer than 4096 iterations: a man in the middle asking for fewer makes an offline
        // attack on the proof cheaper. So many that the key derivation cannot end before the deadline (or that
        // OpenSSL cannot take) are refused too.
        if iterations < MIN_ITERATIONS {
            return Err(ConnError::Auth(format!(
                "SCRAM: the broker asks for {iterations} iterations, fewer than the {MIN_ITERATIONS} Kafka's clients \
                 accept"
            )));
        }
        let affordable = deadline.saturating_duration_since(Instant::now()).as_secs_f64() * ITERATIONS_PER_SECOND;
        if iterations > i32::MAX as u64 || iterations as f64 > affordable {
            return Err(ConnError::Auth(format!(
                "SCRAM: the broker asks for {iterations} iterations, more than can be computed before the deadline"
            )));
        }
        let iterations = iterations as usize;
        let mut salted = vec![0u8; self.digest.size()];
        openssl::pkcs5::pbkdf2_hmac(password.as_bytes(), &salt, iterations, self.digest, &mut salted)
            .map_err(|e| ConnError::Auth(format!("SCRAM: {e}")))?;
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_key = hmac(self.digest, &salted, b"Client Key")?;
        let stored_key = hash(self.digest, &client_key).map_err(|e| ConnError::Auth(format!("SCRAM: {e}")))?;
        let client_signature = hmac(self.digest, &stored_key, auth_message.as_bytes())?;
        let proof: Vec<u8> = client_key.iter().zip(&client_signature).map(|(a, b)| a ^ b).collect();
        let server_key = hmac(self.digest, &salted, b"Server Key")?;
        let server_signature = hmac(self.digest, &server_key, auth_message.as_bytes())?;
        Ok((format!("{without_proof},p={}", base64::encode_block(&proof)), server_signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's SCRAM-SHA-256 example, with its nonce.
    #[test]
    fn scram_sha_256_matches_rfc_7677() {
        let scram = Scram {
            digest: MessageDigest::sha256(),
            client_first_bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".into(),
            nonce: "rOprNGfwEbeRWgbNEkqO".into(),
        };
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        let (client_final, signature) = scram.client_final(server_first, "pencil", deadline).unwrap();
        assert_eq!(
            client_final,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(base64::encode_block(&signature), "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    #[test]
    fn scram_refuses_a_foreign_nonce_and_unsafe_iteration_counts() {
        let scram = Scram::new(MessageDigest::sha256(), "u").unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let first = |nonce: &str, iterations: &str| format!("r={nonce},s=AAAA,i={iterations}");
        let refused = |server_first: String| scram.client_final(&server_first, "p", deadline).unwrap_err().to_string();
        let malformed = "the SASL login was refused: SCRAM: the broker's first message is malformed";
        assert_eq!(refused(first("other", "4096")), malformed);
        // Not extended: the client's own nonce sent back.
        assert_eq!(refused(first(&scram.nonce, "4096")), malformed);
        let ours = format!("{}xyz", scram.nonce);
        assert_eq!(
            refused(first(&ours, "4095")),
            "the SASL login was refused: SCRAM: the broker asks for 4095 iterations, fewer than the 4096 Kafka's \
             clients accept"
        );
        for too_many in ["2147483648", "99999999999", "100000000"] {
            assert_eq!(
                refused(first(&ours, too_many)),
                format!(
                    "the SASL login was refused: SCRAM: the broker asks for {too_many} iterations, more than can be \
                     computed before the deadline"
                )
            );
        }
        assert!(scram.client_final(&first(&ours, "4096"), "p", deadline).is_ok());
        assert!(scram.client_first().starts_with("n,,n=u,r="));
    }

    #[test]
    fn usernames_are_escaped() {
        let scram = Scram::new(MessageDigest::sha256(), "a=b,c").unwrap();
        assert!(scram.client_first_bare.starts_with("n=a=3Db=2Cc,r="));
    }

    #[test]
    fn unsecured_jwt_has_no_signature_and_carries_the_subject() {
        let token = unsecured_jwt("svc", &["a".into(), "b".into()], 60);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], "");
        let mut payload = parts[1].replace('-', "+").replace('_', "/");
        while !payload.len().is_multiple_of(4) {
            payload.push('=');
        }
        let claims: serde_json::Value = serde_json::from_slice(&base64::decode_block(&payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], "svc");
        assert_eq!(claims["scope"], serde_json::json!(["a", "b"]));
        assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 60);
    }

    #[test]
    fn settings_need_credentials() {
        let settings = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
        };
        let err = SaslSettings::new(&settings(&[("sasl.mechanisms", "PLAIN"), ("sasl.username", "u")])).unwrap_err();
        assert_eq!(err.to_string(), "--command-config: PLAIN needs sasl.password (or sasl.jaas.config)");
        let ok = SaslSettings::new(&settings(&[
            ("sasl.mechanisms", "SCRAM-SHA-512"),
            ("sasl.username", "u"),
            ("sasl.password", "hunter2-Xy"),
        ]))
        .unwrap();
        assert_eq!(ok.mechanism(), "SCRAM-SHA-512");
        assert!(!format!("{ok:?}").contains("hunter2-Xy"));
    }
}
