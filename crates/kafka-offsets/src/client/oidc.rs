//! OAUTHBEARER tokens from an OpenID Connect identity provider (KIP-768: the client credentials grant of RFC 6749
//! §4.4), as Kafka's `OAuthBearerLoginCallbackHandler` gets them: a POST of `grant_type=client_credentials` (and
//! the scope) to the token endpoint, the client id and secret in HTTP Basic authentication, the `access_token` of the
//! JSON answer. HTTPS goes through the same TLS settings as the brokers' connections (`tls`: the CAs configured, else
//! the system's). The secret never appears in an error; the identity provider's `error_description` does.

use std::time::{Duration, Instant};

use openssl::base64;

use crate::client::http;
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

impl TokenEndpoint {
    /// A token, asked for now; the error is one line naming the endpoint, never the secret.
    pub fn fetch(&self, deadline: Instant) -> Result<AccessToken, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no time left to ask {} for a token", self.url));
        }
        let bounded = |t: Option<Duration>| t.map_or(left, |t| t.min(left));
        let agent = http::agent(self.tls.as_ref(), bounded(self.connect_timeout), bounded(self.read_timeout), left);
        let credentials = base64::encode_block(format!("{}:{}", self.client_id, self.client_secret).as_bytes());
        let mut body = "grant_type=client_credentials".to_string();
        if let Some(scope) = &self.scope {
            body.push_str("&scope=");
            body.push_str(&form_encode(scope));
        }
        let asked = Instant::now();
        let answer = agent
            .post(&self.url)
            .set("Authorization", &format!("Basic {credentials}"))
            .set("Accept", "application/json")
            .set("Content-Type", "application/x-www-form-urlencoded")
            .send_string(&body);
        let (status, text) = match answer {
            Ok(response) => (response.status(), response.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(status, response)) => (status, response.into_string().unwrap_or_default()),
            Err(ureq::Error::Transport(e)) => {
                return Err(format!("cannot get a token from {}: {}", self.url, http::transport(&e)));
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
