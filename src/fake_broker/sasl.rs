//! The fake broker's side of SASL: PLAIN, SCRAM-SHA-256/512 (the client's proof checked against the password the
//! script knows) and OAUTHBEARER (a JWT's subject, or an MSK IAM token's presigned URL, kept as the login's name).

use bytes::Bytes;
use kafka_protocol::messages::SaslAuthenticateResponse;
use openssl::base64;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::{str_bytes, Connection, Login};

impl Connection {
    pub(super) fn authenticate(&mut self, token: &[u8]) -> SaslAuthenticateResponse {
        let password = self.state.lock().expect("state").script.password.clone();
        let failed = |this: &mut Connection, message: &str| {
            this.mechanism = "failed".into();
            SaslAuthenticateResponse::default().with_error_code(58).with_error_message(Some(str_bytes(message)))
        };
        let ok = |this: &mut Connection, login: Option<Login>, out: &[u8]| {
            if let Some(login) = login {
                this.state.lock().expect("state").logins.push(login);
                this.authenticated = true;
            }
            SaslAuthenticateResponse::default().with_auth_bytes(Bytes::copy_from_slice(out))
        };
        match self.mechanism.as_str() {
            "PLAIN" => {
                let parts: Vec<&[u8]> = token.split(|b| *b == 0).collect();
                let text = |i: usize| String::from_utf8_lossy(parts.get(i).copied().unwrap_or_default()).into_owned();
                let login =
                    Login { mechanism: "PLAIN".into(), username: text(1), password: Some(text(2)), proof_ok: None };
                if text(2) != password {
                    self.state.lock().expect("state").logins.push(login);
                    return failed(self, "Authentication failed: Invalid username or password");
                }
                ok(self, Some(login), b"")
            }
            "OAUTHBEARER" => {
                let text = String::from_utf8_lossy(token).into_owned();
                let bearer = text.split('\u{1}').find_map(|kv| kv.strip_prefix("auth=Bearer ")).unwrap_or_default();
                // An MSK IAM token is a presigned URL in base64url, no JWT: its URL is kept as the login's name.
                let url = String::from_utf8(decode_base64url(bearer)).unwrap_or_default();
                if url.starts_with("https://") {
                    let login =
                        Login { mechanism: "AWS_MSK_IAM".into(), username: url, password: None, proof_ok: None };
                    return ok(self, Some(login), b"");
                }
                let payload = bearer.split('.').nth(1).unwrap_or_default();
                let claims: serde_json::Value = serde_json::from_slice(&decode_base64url(payload)).unwrap_or_default();
                let subject = claims["sub"].as_str().unwrap_or_default().to_string();
                ok(
                    self,
                    Some(Login { mechanism: "OAUTHBEARER".into(), username: subject, password: None, proof_ok: None }),
                    b"",
                )
            }
            m if m.starts_with("SCRAM-SHA-") => match self.scram.take() {
                None => {
                    let first = String::from_utf8_lossy(token).into_owned();
                    let bare = first.strip_prefix("n,,").unwrap_or(&first).to_string();
                    let username = attribute(&bare, "n").unwrap_or_default();
                    let nonce = attribute(&bare, "r").unwrap_or_default();
                    let server_first =
                        format!("r={nonce}fakebrokernonce,s={},i=4096", base64::encode_block(b"fake-salt"));
                    self.scram = Some((bare, server_first.clone(), username));
                    ok(self, None, server_first.as_bytes())
                }
                Some((client_first_bare, server_first, username)) => {
                    let last = String::from_utf8_lossy(token).into_owned();
                    let (without_proof, proof) = last.rsplit_once(",p=").unwrap_or((&last, ""));
                    let digest = if m == "SCRAM-SHA-512" { MessageDigest::sha512() } else { MessageDigest::sha256() };
                    let message = format!("{client_first_bare},{server_first},{without_proof}");
                    let (expected_proof, server_signature) = scram_proof(digest, &password, &message);
                    let proof_ok = base64::decode_block(proof).ok() == Some(expected_proof);
                    let login = Login {
                        mechanism: m.to_string(),
                        username,
                        password: proof_ok.then(|| password.clone()),
                        proof_ok: Some(proof_ok),
                    };
                    if !proof_ok {
                        self.state.lock().expect("state").logins.push(login);
                        return failed(self, &format!("Authentication failed during authentication due to invalid credentials with SASL mechanism {m}"));
                    }
                    let server_final = format!("v={}", base64::encode_block(&server_signature));
                    ok(self, Some(login), server_final.as_bytes())
                }
            },
            _ => failed(self, "no mechanism"),
        }
    }
}

fn attribute(message: &str, name: &str) -> Option<String> {
    message
        .split(',')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(|v| v.replace("=2C", ",").replace("=3D", "="))
}

fn decode_base64url(text: &str) -> Vec<u8> {
    let mut standard = text.replace('-', "+").replace('_', "/");
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    base64::decode_block(&standard).unwrap_or_default()
}

fn hmac(digest: MessageDigest, key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = PKey::hmac(key).expect("hmac key");
    let mut signer = Signer::new(digest, &key).expect("hmac");
    signer.update(data).expect("hmac update");
    signer.sign_to_vec().expect("hmac sign")
}

/// RFC 5802: the ClientProof a client knowing `password` sends, and the ServerSignature.
fn scram_proof(digest: MessageDigest, password: &str, auth_message: &str) -> (Vec<u8>, Vec<u8>) {
    let mut salted = vec![0u8; digest.size()];
    openssl::pkcs5::pbkdf2_hmac(password.as_bytes(), b"fake-salt", 4096, digest, &mut salted).expect("pbkdf2");
    let client_key = hmac(digest, &salted, b"Client Key");
    let stored_key = openssl::hash::hash(digest, &client_key).expect("hash").to_vec();
    let client_signature = hmac(digest, &stored_key, auth_message.as_bytes());
    let proof = client_key.iter().zip(&client_signature).map(|(a, b)| a ^ b).collect();
    let server_key = hmac(digest, &salted, b"Server Key");
    (proof, hmac(digest, &server_key, auth_message.as_bytes()))
}
