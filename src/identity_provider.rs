//! A small OpenID Connect identity provider for the tests, on loopback: a token endpoint (the client credentials
//! grant, HTTP Basic client authentication) that issues RS256 JWTs, and the JWKS of its key, which a Kafka broker
//! with `OAuthBearerValidatorCallbackHandler` reads to check them. Clients: `app` / `hush` gets tokens valid for five
//! minutes; `stale` / `hush` gets tokens that expired ten minutes ago; any other is refused with `invalid_client`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use openssl::base64;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;

use crate::http_stub::{Handler, HttpRequest, HttpStub};

const KID: &str = "offset-tools-test-key";
pub const CLIENT_ID: &str = "app";
pub const EXPIRED_CLIENT_ID: &str = "stale";
pub const CLIENT_SECRET: &str = "hush-3e7b9d";
/// The `aud` and `iss` claims of every token (the broker expects them).
pub const AUDIENCE: &str = "kafka-cluster";
pub const ISSUER: &str = "offset-tools-test";

fn base64url(bytes: &[u8]) -> String {
    base64::encode_block(bytes).replace('+', "-").replace('/', "_").trim_end_matches('=').to_string()
}

/// The running provider (it serves until the test process ends).
pub struct IdentityProvider {
    pub port: u16,
    /// The same provider over HTTPS.
    pub https_port: u16,
    /// The only CA of the HTTPS endpoint's certificate (PEM).
    pub ca_pem: std::path::PathBuf,
    /// Tokens issued to [`CLIENT_ID`] so far over plain HTTP.
    pub issued: Arc<AtomicUsize>,
}

impl IdentityProvider {
    pub fn start() -> IdentityProvider {
        let key = PKey::from_rsa(Rsa::generate(2048).expect("an RSA key")).expect("a key");
        let issued = Arc::new(AtomicUsize::new(0));
        let ca_pem = crate::scratch_dir("idp-https").join("idp-ca.pem");
        // The HTTPS endpoint's tokens are counted apart: the plain one's count is per run.
        let https = HttpStub::start_https(endpoints(key.clone(), Arc::new(AtomicUsize::new(0))), &ca_pem);
        let server = HttpStub::serving_shared(endpoints(key, Arc::clone(&issued)));
        IdentityProvider { port: server.port, https_port: https.port, ca_pem, issued }
    }

    /// The token endpoint over HTTPS, its certificate signed by [`IdentityProvider::ca_pem`] alone.
    pub fn https_token_url(&self) -> String {
        format!("https://localhost:{}/token", self.https_port)
    }

    pub fn token_url(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    pub fn jwks_url(&self) -> String {
        format!("http://127.0.0.1:{}/jwks", self.port)
    }
}

/// The JWKS and the token endpoint, counting tokens issued in `issued`.
fn endpoints(key: PKey<Private>, issued: Arc<AtomicUsize>) -> Arc<Handler> {
    Arc::new(move |request: &HttpRequest| match (request.method.as_str(), request.target.as_str()) {
        ("GET", "/jwks") => (200, jwks(&key)),
        ("POST", "/token") => token(&key, request.header("authorization").unwrap_or_default(), &request.body, &issued),
        _ => (404, r#"{"error":"not_found"}"#.to_string()),
    })
}

fn jwks(key: &PKey<Private>) -> String {
    let rsa = key.rsa().expect("an RSA key");
    serde_json::json!({ "keys": [{
        "kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig",
        "n": base64url(&rsa.n().to_vec()), "e": base64url(&rsa.e().to_vec()),
    }]})
    .to_string()
}

/// The token endpoint: checks the client's Basic credentials and the grant type, issues a signed JWT.
fn token(key: &PKey<Private>, authorization: &str, form: &str, issued: &AtomicUsize) -> (u16, String) {
    let refused = |error: &str, description: &str| {
        (401, serde_json::json!({ "error": error, "error_description": description }).to_string())
    };
    if !form.split('&').any(|pair| pair == "grant_type=client_credentials") {
        return (400, r#"{"error":"unsupported_grant_type"}"#.to_string());
    }
    let decoded = authorization
        .strip_prefix("Basic ")
        .and_then(|b| base64::decode_block(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let Some((client, secret)) = decoded.split_once(':') else {
        return refused("invalid_client", "no client credentials");
    };
    if secret != CLIENT_SECRET || (client != CLIENT_ID && client != EXPIRED_CLIENT_ID) {
        return refused("invalid_client", "client authentication failed");
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let (iat, exp) = if client == EXPIRED_CLIENT_ID { (now - 1200, now - 600) } else { (now, now + 300) };
    if client == CLIENT_ID {
        issued.fetch_add(1, Ordering::SeqCst);
    }
    let scope = form.split('&').find_map(|pair| pair.strip_prefix("scope=")).unwrap_or("").replace('+', " ");
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "kid": KID });
    let claims =
        serde_json::json!({ "sub": client, "iat": iat, "exp": exp, "scope": scope, "iss": ISSUER, "aud": AUDIENCE });
    let signing_input =
        format!("{}.{}", base64url(header.to_string().as_bytes()), base64url(claims.to_string().as_bytes()));
    let mut signer = Signer::new(MessageDigest::sha256(), key).expect("a signer");
    signer.update(signing_input.as_bytes()).expect("sign");
    let signature = signer.sign_to_vec().expect("sign");
    let jwt = format!("{signing_input}.{}", base64url(&signature));
    (200, serde_json::json!({ "access_token": jwt, "token_type": "Bearer", "expires_in": exp - now }).to_string())
}
