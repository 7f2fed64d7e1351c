//! Protocol and client: the Kafka wire protocol spoken directly to every broker a run needs.
//!
//! `connection` frames and pipelines requests on one TCP or TLS connection (`tls`, `sasl` set it up); `bootstrap`
//! makes the first connection and finds the broker's generation (`versions`); `session` holds one connection per
//! broker and runs rounds of requests for the operations in `metadata`, `offsets`, `groups`, `fetch` (records) and
//! `admin` (topic settings and creation). Error codes are typed in `codes`.

pub mod admin;
pub mod aws_credentials;
pub mod bootstrap;
pub mod codes;
pub mod connection;
pub mod fetch;
pub mod groups;
pub mod http;
pub mod messages;
pub mod metadata;
pub mod offsets;
pub mod oidc;
pub mod records;
pub mod sasl;
pub mod session;
pub mod sigv4;
pub mod tls;
pub mod versions;
pub mod wire;
