//! A loopback HTTP/1.1 server for the tests' stand-ins of web services (an identity provider, AWS's STS and
//! metadata services): each request is read whole, kept, and answered by the test's handler, one per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

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

type Handler = dyn Fn(&HttpRequest) -> (u16, String) + Send + Sync;

/// The running server (it serves until the test process ends).
pub struct HttpStub {
    pub port: u16,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
}

impl HttpStub {
    pub fn start(handler: impl Fn(&HttpRequest) -> (u16, String) + Send + Sync + 'static) -> HttpStub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback HTTP server");
        let port = listener.local_addr().expect("its address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (kept, handler): (_, Arc<Handler>) = (Arc::clone(&requests), Arc::new(handler));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (kept, handler) = (Arc::clone(&kept), Arc::clone(&handler));
                std::thread::spawn(move || {
                    let _ = serve(stream, &kept, handler.as_ref());
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

fn serve(stream: TcpStream, kept: &Mutex<Vec<HttpRequest>>, handler: &Handler) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
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
    let (status, answer) = handler(&request);
    kept.lock().expect("requests").push(request);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        if answer.starts_with('<') { "text/xml" } else { "application/json" },
        answer.len()
    )?;
    stream.flush()
}
