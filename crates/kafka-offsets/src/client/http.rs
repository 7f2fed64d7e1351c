//! HTTP requests of logins (an identity provider's token endpoint, AWS's credential services) through ureq over
//! our own OpenSSL TLS, so that the CAs and client certificate of the settings apply as on brokers' connections.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{SslConnector, SslStream};

use crate::client::tls::TlsSettings;

/// An HTTP client with these time limits, never following a redirect; `tls` for `https` URLs.
pub fn agent(tls: Option<&TlsSettings>, connect: Duration, read: Duration, whole: Duration) -> ureq::Agent {
    let mut agent = ureq::AgentBuilder::new().timeout_connect(connect).timeout_read(read).timeout(whole).redirects(0);
    if let Some(tls) = tls {
        let (connector, verify_hostname) = tls.connector();
        agent = agent.tls_connector(Arc::new(OpensslTls(connector.clone(), verify_hostname)));
    }
    agent.build()
}

/// A transport failure in a line (ureq's own message quotes the whole URL with its kind).
pub fn transport(e: &ureq::Transport) -> String {
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
