//! Hostile and broken peers at a bootstrap address: each gets one error line and exit 1 within --timeout, never a
//! hang, an abort or a panic. The peers here are raw loopback listeners: what no real broker can be made to do.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::run::{get_offset, Output};
use offset_tools_tests::scratch_dir;

/// A listener that serves every connection with `serve` on its own thread.
fn peer(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    address
}

/// Reads one request frame; its correlation id.
fn read_request(stream: &mut TcpStream) -> Option<[u8; 4]> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).ok()?;
    let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
    stream.read_exact(&mut body).ok()?;
    body.get(4..8).map(|c| c.try_into().expect("4 bytes"))
}

/// Bytes one at a time, 100 ms apart, for as long as the client reads.
fn trickle(stream: &mut TcpStream, bytes: &[u8]) {
    for byte in bytes.iter().cycle().take(600) {
        if stream.write_all(&[*byte]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ended by `--timeout`, not by the peer (which keeps a connection going for a minute); the margin is for a busy
/// machine.
fn within_timeout(out: &Output, timeout_ms: u64) {
    assert!(
        out.elapsed < Duration::from_millis(timeout_ms + 10_000),
        "took {:?} with --timeout {timeout_ms}: {out:?}",
        out.elapsed
    );
}

#[test]
fn an_answer_trickled_byte_by_byte_ends_at_the_deadline() {
    // A frame announced as 1,000 bytes, then its bytes slowly: each read gets a byte in time, the whole never comes.
    let address = peer(|mut stream| {
        if let Some(correlation) = read_request(&mut stream) {
            let mut frame = 1000i32.to_be_bytes().to_vec();
            frame.extend_from_slice(&correlation);
            trickle(&mut stream, &frame);
        }
    });
    let out = get_offset(&["--bootstrap-server", &address, "--timeout", "1500"]);
    assert_output(
        &out,
        "",
        &format!("Error: cannot connect to any bootstrap server ({address}: no answer in time)\n"),
        1,
    );
    within_timeout(&out, 1500);
}

#[test]
fn a_tls_handshake_trickled_byte_by_byte_ends_at_the_deadline() {
    // The start of a TLS record, then a byte now and then: the handshake must not outlive the deadline.
    let address = peer(|mut stream| {
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello);
        trickle(&mut stream, &[0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc, 0x03, 0x03]);
    });
    let dir = scratch_dir("trickle-tls");
    let config = dir.join("ssl.properties");
    std::fs::write(&config, "security.protocol=SSL\nenable.ssl.certificate.verification=false\n").expect("write");
    let out = get_offset(&[
        "--bootstrap-server",
        &address,
        "--command-config",
        config.to_str().unwrap(),
        "--timeout",
        "1500",
    ]);
    assert_output(
        &out,
        "",
        &format!("Error: cannot connect to any bootstrap server ({address}: no answer in time)\n"),
        1,
    );
    within_timeout(&out, 1500);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_api_versions_answer_claiming_two_billion_keys_is_one_error_line() {
    // 14 bytes: size, correlation id, no error, 2^31-1 API keys (the landed code aborted: 64 GiB asked for).
    let address = peer(|mut stream| {
        while let Some(correlation) = read_request(&mut stream) {
            let mut frame = 10i32.to_be_bytes().to_vec();
            frame.extend_from_slice(&correlation);
            frame.extend_from_slice(&[0, 0, 0x7f, 0xff, 0xff, 0xff]);
            if stream.write_all(&frame).is_err() {
                return;
            }
        }
    });
    for tool in ["get-offset", "reset-offsets"] {
        let args: &[&str] = if tool == "get-offset" {
            &["--bootstrap-server", &address, "--timeout", "3000"]
        } else {
            &["--bootstrap-server", &address, "--timeout", "3000", "--group", "g", "--topic", "t", "--to-latest"]
        };
        let out = offset_tools_tests::run::tool(tool, args, None);
        let error = format!(
            "Error: {address}: malformed ApiVersions v0 answer: an array of 2147483647 elements where 0 bytes are left\n"
        );
        let notes = if tool == "reset-offsets" { offset_tools_tests::compare::NO_ACTION_WARNING } else { "" };
        assert_output(&out, "", &format!("{notes}{error}"), 1);
        within_timeout(&out, 3000);
    }
}
