//! A loopback HTTP/1.1 server for the tests' stand-ins of web services (an identity provider, AWS's STS and
//! metadata services): each request is read whole, kept, and answered by the test's handler, one per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509NameBuilder, X509};

/// One request as it came.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// The path and query.
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

pub type Handler = dyn Fn(&HttpRequest) -> (u16, String) + Send + Sync;

/// The running server (it serves until the test process ends).
pub struct HttpStub {
    pub port: u16,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
}

impl HttpStub {
    pub fn start(handler: impl Fn(&HttpRequest) -> (u16, String) + Send + Sync + 'static) -> HttpStub {
        HttpStub::serving(Arc::new(handler), None)
    }

    /// Over HTTPS, with a self-signed certificate for 127.0.0.1 and localhost written to `ca_pem` (the client's
    /// only trusted CA).
    pub fn start_https(handler: Arc<Handler>, ca_pem: &Path) -> HttpStub {
        let key = PKey::from_rsa(Rsa::generate(2048).expect("an RSA key")).expect("a key");
        let mut name = X509NameBuilder::new().expect("a name");
        name.append_entry_by_text("CN", "offset-tools-test-https").expect("a CN");
        let name = name.build();
        let mut builder = X509::builder().expect("a certificate");
        builder.set_version(2).expect("v3");
        builder.set_subject_name(&name).expect("subject");
        builder.set_issuer_name(&name).expect("issuer");
        builder.set_pubkey(&key).expect("key");
        builder.set_not_before(&Asn1Time::days_from_now(0).expect("now")).expect("not before");
        builder.set_not_after(&Asn1Time::days_from_now(2).expect("later")).expect("not after");
        builder.append_extension(BasicConstraints::new().critical().ca().build().expect("CA")).expect("CA");
        let san = SubjectAlternativeName::new()
            .ip("127.0.0.1")
            .dns("localhost")
            .build(&builder.x509v3_context(None, None))
            .expect("SAN");
        builder.append_extension(san).expect("SAN");
        builder.sign(&key, MessageDigest::sha256()).expect("sign");
        let certificate = builder.build();
        std::fs::write(ca_pem, certificate.to_pem().expect("PEM")).expect("write the CA");
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("an acceptor");
        acceptor.set_private_key(&key).expect("the key");
        acceptor.set_certificate(&certificate).expect("the certificate");
        HttpStub::serving(handler, Some(Arc::new(acceptor.build())))
    }

    /// Plain HTTP with a handler another server shares.
    pub fn serving_shared(handler: Arc<Handler>) -> HttpStub {
        HttpStub::serving(handler, None)
    }

    fn serving(handler: Arc<Handler>, tls: Option<Arc<SslAcceptor>>) -> HttpStub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback HTTP server");
        let port = listener.local_addr().expect("its address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (kept, handler, tls) = (Arc::clone(&kept), Arc::clone(&handler), tls.clone());
                std::thread::spawn(move || {
                    let _ = match tls {
                        // A client that refuses the certificate ends here.
                        Some(tls) => tls
                            .accept(stream)
                            .map_err(std::io::Error::other)
                            .and_then(|mut s| serve(&mut s, &kept, handler.as_ref())),
                        None => serve(&mut { stream }, &kept, handler.as_ref()),
                    };
                });
            }
        });
        HttpStub { port, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().expect("requests").clone()
    }
}

fn serve(stream: &mut (impl Read + Write), kept: &Mutex<Vec<HttpRequest>>, handler: &Handler) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut *stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or_default().to_string(), words.next().unwrap_or_default().to_string());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let request = HttpRequest { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() };
    drop(reader);
    let (status, answer) = handler(&request);
    kept.lock().expect("requests").push(request);
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        if answer.starts_with('<') { "text/xml" } else { "application/json" },
        answer.len()
    )?;
    stream.flush()
}
