//! A loopback proxy in front of one real broker (advertised as the broker's address, so every connection of a client
//! goes through it) that forwards every request and answer, and, once told to, cuts each OffsetCommit: the request
//! is forwarded whole, the client's connection is closed before the broker's answer can reach it. The broker applies
//! the commit; the client cannot know: the one case where only "may or may not have been applied" is true.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const OFFSET_COMMIT: i16 = 8;

#[derive(Debug, Default)]
struct Shared {
    upstream: u16,
    cut: AtomicBool,
    cuts: AtomicUsize,
}

/// The proxy; its threads end with the test process.
#[derive(Debug)]
pub struct CutProxy {
    pub port: u16,
    shared: Arc<Shared>,
}

impl CutProxy {
    /// Listens on a reserved loopback port and forwards to the broker's own `upstream` port, which is known before
    /// the broker starts: a client that learns the proxy's address while the broker starts is served at once.
    pub fn start(upstream: u16) -> CutProxy {
        let port = crate::free_port();
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the proxy's port");
        let shared = Arc::new(Shared { upstream, ..Shared::default() });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || serve(client, &shared));
            }
        });
        CutProxy { port, shared }
    }

    /// From now on, every OffsetCommit is forwarded and its client's connection closed.
    pub fn cut_commits(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
    }

    /// How many commits were cut.
    pub fn cuts(&self) -> usize {
        self.shared.cuts.load(Ordering::SeqCst)
    }
}

fn serve(mut client: TcpStream, shared: &Shared) {
    // Before the broker listens, the client's connection is closed; it connects again.
    let Ok(mut broker) = TcpStream::connect(("127.0.0.1", shared.upstream)) else { return };
    let (Ok(mut answers_from), Ok(mut answers_to)) = (broker.try_clone(), client.try_clone()) else { return };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut answers_from, &mut answers_to);
        let _ = answers_to.shutdown(Shutdown::Both);
    });
    loop {
        let mut size = [0u8; 4];
        if client.read_exact(&mut size).is_err() {
            break;
        }
        let mut body = vec![0u8; i32::from_be_bytes(size).max(0) as usize];
        if client.read_exact(&mut body).is_err() {
            break;
        }
        let api_key = body.get(..2).map(|k| i16::from_be_bytes([k[0], k[1]]));
        let cut = api_key == Some(OFFSET_COMMIT) && shared.cut.load(Ordering::SeqCst);
        if cut {
            // The client's side first, so that no byte of the answer reaches it; then the whole request.
            let _ = client.shutdown(Shutdown::Both);
        }
        if broker.write_all(&size).and_then(|_| broker.write_all(&body)).is_err() {
            break;
        }
        if cut {
            shared.cuts.fetch_add(1, Ordering::SeqCst);
            // Time for the broker to read and apply it before its connection closes too.
            std::thread::sleep(Duration::from_secs(1));
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = broker.shutdown(Shutdown::Both);
}
