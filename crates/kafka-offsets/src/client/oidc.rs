//! OAUTHBEARER tokens from an OpenID Connect identity provider (KIP-768: the client credentials grant of RFC 6749
//! §4.4), as Kafka's `OAuthBearerLoginCallbackHandler` gets them: a POST of `grant_type=client_credentials` (and
//! the scope) to the token endpoint, the client id and secret in HTTP Basic authentication, the `access_token` of the
//! JSON answer. HTTPS goes through the same TLS settings as the brokers' connections (`tls`: the CAs configured, else
//! the system's). The secret never appears in an error; the identity provider's `error_description` does.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::base64;
use openssl::ssl::{SslConnector, SslStream};

use crate::client::tls::TlsSettings;

/// Where and as whom tokens are asked for.
#[derive(Clone)]
pub struct TokenEndpoint {
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
    /// `sasl.login.connect.timeout.ms` and `sasl.login.read.timeout.ms`, bounded by the run's deadline.
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    /// For an `https` endpoint.
    pub tls: Option<TlsSettings>,
}

impl std::fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenEndpoint").field("url", &self.url).field("client_id", &self.client_id).finish()
    }
}

/// A token and when it stops being valid.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub value: String,
    pub expires: Instant,
}

/// Our TLS client as ureq's: the same CAs, client certificate and host name checks as the brokers' connections.
struct OpensslTls(SslConnector, bool);

#[derive(Debug)]
struct TlsStream(SslStream<Box<dyn ureq::ReadWrite>>);

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl ureq::ReadWrite for TlsStream {
    fn socket(&self) -> Option<&TcpStream> {
        self.0.get_ref().socket()
    }
}

impl ureq::TlsConnector for OpensslTls {
    fn connect(&self, dns_name: &str, io: Box<dyn ureq::ReadWrite>) -> Result<Box<dyn ureq::ReadWrite>, ureq::Error> {
        let failed = |e: String| ureq::Error::from(std::io::Error::other(format!("TLS: {e}")));
        let mut config = self.0.configure().map_err(|e| failed(e.to_string()))?;
        config.set_verify_hostname(self.1);
        let stream = config.connect(dns_name, io).map_err(|e| failed(e.to_string()))?;
        Ok(Box::new(TlsStream(stream)))
    }
}

impl TokenEndpoint {
    /// A token, asked for now; the error is one line naming the endpoint, never the secret.
    pub fn fetch(&self, deadline: Instant) -> Result<AccessToken, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no time left to ask {} for a token", self.url));
        }
        let bounded = |t: Option<Duration>| t.map_or(left, |t| t.min(left));
        let mut agent = ureq::AgentBuilder::new()
            .timeout_connect(bounded(self.connect_timeout))
            .timeout_read(bounded(self.read_timeout))
            .timeout(left)
            .redirects(0);
        if let Some(tls) = &self.tls {
            let (connector, verify_hostname) = tls.connector();
            agent = agent.tls_connector(Arc::new(OpensslTls(connector.clone(), verify_hostname)));
        }
        let credentials = base64::encode_block(format!("{}:{}", self.client_id, self.client_secret).as_bytes());
        let mut body = "grant_type=client_credentials".to_string();
        if let Some(scope) = &self.scope {
            body.push_str("&scope=");
            body.push_str(&form_encode(scope));
        }
        let asked = Instant::now();
        let answer = agent
            .build()
            .post(&self.url)
            .set("Authorization", &format!("Basic {credentials}"))
            .set("Accept", "application/json")
            .set("Content-Type", "application/x-www-form-urlencoded")
            .send_string(&body);
        let (status, text) = match answer {
            Ok(response) => (response.status(), response.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(status, response)) => (status, response.into_string().unwrap_or_default()),
            Err(ureq::Error::Transport(e)) => {
                return Err(format!("cannot get a token from {}: {}", self.url, transport(&e)));
            }
        };
        let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        let field = |name: &str| json.as_ref().and_then(|j| j.get(name)).and_then(|v| v.as_str()).map(str::to_string);
        if !(200..300).contains(&status) {
            let said = match (field("error"), field("error_description")) {
                (Some(error), Some(description)) => format!("{error}: {description}"),
                (Some(error), None) => error,
                _ => format!("HTTP {status}"),
            };
            return Err(format!("the identity provider at {} refused the token request: {said}", self.url));
        }
        let Some(value) = field("access_token").filter(|t| !t.is_empty()) else {
            return Err(format!("the identity provider at {} answered without an access_token", self.url));
        };
        let life = json.as_ref().and_then(|j| j.get("expires_in")).and_then(|v| v.as_u64()).unwrap_or(3600);
        Ok(AccessToken { value, expires: asked + Duration::from_secs(life) })
    }
}

/// A transport failure in a line (ureq's own message quotes the whole URL with its kind).
fn transport(e: &ureq::Transport) -> String {
    let mut said = e.kind().to_string();
    if let Some(message) = e.message() {
        said = format!("{said}: {message}");
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !said.contains(&text) {
            said = format!("{said}: {text}");
        }
        source = cause.source();
    }
    said
}

/// `application/x-www-form-urlencoded` for a value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(form_encode("kafka offsets:read"), "kafka+offsets%3Aread");
        assert_eq!(form_encode("a/b=c&d"), "a%2Fb%3Dc%26d");
    }
}
