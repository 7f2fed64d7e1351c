//! A loopback listener that speaks just enough of the Kafka protocol to take a client through SASL authentication
//! (ApiVersions, SaslHandshake, SaslAuthenticate), and records what the client sent: the mechanism and the
//! credentials (PLAIN), the verified SCRAM exchange, or the OAUTHBEARER token's subject. Nothing else is answered:
//! after authenticating, the client's requests go unanswered until it gives up.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openssl::base64;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

const API_VERSIONS: i16 = 18;
const SASL_HANDSHAKE: i16 = 17;
const SASL_AUTHENTICATE: i16 = 36;

/// What one client connection authenticated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub mechanism: String,
    pub username: String,
    /// PLAIN: the password sent; SCRAM: the password the client proved it knows (checked against `expected`).
    pub password: Option<String>,
    /// SCRAM: whether the client's proof matched the expected password.
    pub proof_ok: Option<bool>,
}

#[derive(Debug)]
pub struct FakeSaslBroker {
    pub address: String,
    logins: Arc<Mutex<Vec<Login>>>,
}

impl FakeSaslBroker {
    /// Starts listening on a free loopback port; `scram_password` is what SCRAM proofs are checked against.
    pub fn start(scram_password: &str) -> FakeSaslBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake broker");
        let address = listener.local_addr().expect("address").to_string();
        let logins = Arc::new(Mutex::new(Vec::new()));
        let (shared, password) = (Arc::clone(&logins), scram_password.to_string());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, password) = (Arc::clone(&shared), password.clone());
                std::thread::spawn(move || {
                    if let Some(login) = serve(stream, &password) {
                        shared.lock().expect("logins").push(login);
                    }
                });
            }
        });
        FakeSaslBroker { address, logins }
    }

    pub fn logins(&self) -> Vec<Login> {
        self.logins.lock().expect("logins").clone()
    }
}

fn read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).ok()?;
    let mut body = vec![0u8; i32::from_be_bytes(size).max(0) as usize];
    stream.read_exact(&mut body).ok()?;
    Some(body)
}

fn write_frame(stream: &mut TcpStream, correlation_id: i32, body: &[u8]) -> Option<()> {
    let mut frame = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&correlation_id.to_be_bytes());
    frame.extend_from_slice(body);
    stream.write_all(&frame).ok()
}

fn string(buf: &[u8], at: &mut usize) -> String {
    let len = i16::from_be_bytes([buf[*at], buf[*at + 1]]);
    *at += 2;
    if len < 0 {
        return String::new();
    }
    let s = String::from_utf8_lossy(&buf[*at..*at + len as usize]).into_owned();
    *at += len as usize;
    s
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as i16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
    out.extend_from_slice(b);
}

/// Runs one connection; returns the login it saw, if any.
fn serve(mut stream: TcpStream, scram_password: &str) -> Option<Login> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut mechanism = String::new();
    let mut scram: Option<(String, String, String)> = None; // (client-first-bare, server-first, username)
    loop {
        let request = read_frame(&mut stream)?;
        let api_key = i16::from_be_bytes([request[0], request[1]]);
        let api_version = i16::from_be_bytes([request[2], request[3]]);
        let correlation_id = i32::from_be_bytes([request[4], request[5], request[6], request[7]]);
        let mut at = 8;
        let _client_id = string(&request, &mut at);
        match api_key {
            API_VERSIONS => {
                // v0 layout; a version above 0 gets UNSUPPORTED_VERSION, as brokers answer, and the client retries v0.
                let error: i16 = if api_version > 0 { 35 } else { 0 };
                let apis: [(i16, i16, i16); 5] =
                    [(API_VERSIONS, 0, 0), (SASL_HANDSHAKE, 0, 1), (SASL_AUTHENTICATE, 0, 0), (3, 0, 1), (2, 0, 1)];
                let mut body = error.to_be_bytes().to_vec();
                body.extend_from_slice(&(apis.len() as i32).to_be_bytes());
                for (key, min, max) in apis {
                    for v in [key, min, max] {
                        body.extend_from_slice(&v.to_be_bytes());
                    }
                }
                write_frame(&mut stream, correlation_id, &body)?;
            }
            SASL_HANDSHAKE => {
                mechanism = string(&request, &mut at);
                let mut body = 0i16.to_be_bytes().to_vec();
                body.extend_from_slice(&1i32.to_be_bytes());
                put_string(&mut body, &mechanism);
                write_frame(&mut stream, correlation_id, &body)?;
            }
            SASL_AUTHENTICATE => {
                let len = i32::from_be_bytes([request[at], request[at + 1], request[at + 2], request[at + 3]]) as usize;
                let auth = request[at + 4..at + 4 + len].to_vec();
                let ok = |out: &[u8]| {
                    let mut body = 0i16.to_be_bytes().to_vec();
                    body.extend_from_slice(&(-1i16).to_be_bytes());
                    put_bytes(&mut body, out);
                    body
                };
                match mechanism.as_str() {
                    "PLAIN" => {
                        let parts: Vec<&[u8]> = auth.split(|b| *b == 0).collect();
                        let text =
                            |i: usize| String::from_utf8_lossy(parts.get(i).copied().unwrap_or_default()).into_owned();
                        write_frame(&mut stream, correlation_id, &ok(b""))?;
                        return Some(Login { mechanism, username: text(1), password: Some(text(2)), proof_ok: None });
                    }
                    "OAUTHBEARER" => {
                        let text = String::from_utf8_lossy(&auth).into_owned();
                        let token =
                            text.split('\u{1}').find_map(|kv| kv.strip_prefix("auth=Bearer ")).unwrap_or_default();
                        let payload = token.split('.').nth(1).unwrap_or_default();
                        let json = decode_base64url(payload);
                        let claims: serde_json::Value = serde_json::from_slice(&json).unwrap_or_default();
                        let subject = claims["sub"].as_str().unwrap_or_default().to_string();
                        write_frame(&mut stream, correlation_id, &ok(b""))?;
                        return Some(Login { mechanism, username: subject, password: None, proof_ok: None });
                    }
                    m if m.starts_with("SCRAM-SHA-") => match scram.take() {
                        None => {
                            let first = String::from_utf8_lossy(&auth).into_owned();
                            let bare = first.strip_prefix("n,,").unwrap_or(&first).to_string();
                            let username = attribute(&bare, "n").unwrap_or_default();
                            let nonce = attribute(&bare, "r").unwrap_or_default();
                            let server_first =
                                format!("r={nonce}fakebrokernonce,s={},i=4096", base64::encode_block(b"fake-salt"));
                            write_frame(&mut stream, correlation_id, &ok(server_first.as_bytes()))?;
                            scram = Some((bare, server_first, username));
                        }
                        Some((client_first_bare, server_first, username)) => {
                            let last = String::from_utf8_lossy(&auth).into_owned();
                            let (without_proof, proof) = last.rsplit_once(",p=").unwrap_or((&last, ""));
                            let digest =
                                if m == "SCRAM-SHA-512" { MessageDigest::sha512() } else { MessageDigest::sha256() };
                            let message = format!("{client_first_bare},{server_first},{without_proof}");
                            let (expected_proof, server_signature) = scram_proof(digest, scram_password, &message);
                            let proof_ok = base64::decode_block(proof).ok() == Some(expected_proof);
                            let server_final = format!("v={}", base64::encode_block(&server_signature));
                            write_frame(&mut stream, correlation_id, &ok(server_final.as_bytes()))?;
                            let password = proof_ok.then(|| scram_password.to_string());
                            return Some(Login { mechanism, username, password, proof_ok: Some(proof_ok) });
                        }
                    },
                    _ => return None,
                }
            }
            // The probe's Metadata request, or anything after authentication: not answered.
            _ => return None,
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
