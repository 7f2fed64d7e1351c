//! The two clusters of a migration tool (migrate-groups, copy-topics): one session each, connected and worked on
//! at once, and named in messages. Nothing is ever written to the old one.

use crate::client::session::Session;
use crate::error::Result;
use crate::formats::settings::ClientSettings;

pub const OLD: &str = "old cluster";
pub const NEW: &str = "new cluster";

/// Runs `a` here and `b` on another thread: the two clusters' work of a phase, at once.
pub(crate) fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let here = a();
        (here, other.join().expect("the other cluster's worker panicked"))
    })
}

/// Connects to both clusters at once; an error names its cluster.
pub(crate) fn connect(from: &ClientSettings, to: &ClientSettings) -> Result<(Session, Session)> {
    let (old, new) = both(|| Session::connect(from.clone()), || Session::connect(to.clone()));
    Ok((old.map_err(|e| e.on(OLD))?, new.map_err(|e| e.on(NEW))?))
}
