//! WebSocket servers that misbehave, scripted here on loopback: every one gets a clear error and a
//! defined exit code from rpub and rsub, never a hang (each run has a hang-detector bound).
//!
//! Exit codes (docs/exit-codes.md): 13 for a refused or invalid upgrade (what mosquitto 2.1.2 exits
//! with when the upgrade is refused), 7 when the server closes during the upgrade (a plain MQTT
//! port), 2 for a server that breaks the framing afterwards.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Broker, ClientRun, Output};

/// A server on a free loopback port that runs `script` on every connection.
fn server(script: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let script = Arc::new(script);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let script = Arc::clone(&script);
            thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                script(stream);
            });
        }
    });
    port
}

/// Reads the upgrade request; returns the accept key it asks for.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        request.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&request).into_owned();
    let key = text
        .lines()
        .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))?;
    Some(tungstenite::handshake::derive_accept_key(key.as_bytes()))
}

/// Answers the request with `reply` (raw bytes), then keeps the connection open a while.
fn answer_with(reply: &'static [u8]) -> impl Fn(TcpStream) + Send + Sync + 'static {
    move |mut stream| {
        if read_request(&mut stream).is_some() {
            let _ = stream.write_all(reply);
            thread::sleep(Duration::from_secs(2));
        }
    }
}

fn switching(accept: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"
    )
    .into_bytes()
}

/// Accepts the upgrade, then sends `frames` (and keeps the connection open a while).
fn upgrade_then(frames: &'static [u8]) -> impl Fn(TcpStream) + Send + Sync + 'static {
    move |mut stream| {
        if let Some(accept) = read_request(&mut stream) {
            let mut reply = switching(&accept);
            reply.extend_from_slice(frames);
            let _ = stream.write_all(&reply);
            thread::sleep(Duration::from_secs(2));
        }
    }
}

fn url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}/t")
}

fn rpub(port: u16) -> Output {
    ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(["-L", &url(port), "-m", "x"])
        .run()
}

fn rsub(port: u16) -> Output {
    ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
        .args(["-L", &url(port)])
        .run()
}

#[track_caller]
fn both_fail_with(port: u16, code: i32, stderr: &str) {
    for (tool, out) in [("rpub", rpub(port)), ("rsub", rsub(port))] {
        assert_eq!(out.code(), Some(code), "{tool}: {}", out.dump());
        assert_eq!(
            out.stderr_text(),
            format!("{stderr}\n"),
            "{tool}: {}",
            out.dump()
        );
        assert_eq!(out.stdout_text(), "", "{tool}");
    }
}

#[test]
fn http_refusals_name_the_status_line() {
    let cases: [(&'static [u8], &str); 4] = [
        (
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            "Error: the server refused the WebSocket upgrade: HTTP/1.1 404 Not Found (is --ws-path \
             right? libmosquitto and most brokers use /mqtt)",
        ),
        (
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n",
            "Error: the server refused the WebSocket upgrade: HTTP/1.1 401 Unauthorized (the server \
             wants HTTP authentication, which MQTT over WebSockets does not send)",
        ),
        (
            b"HTTP/1.1 403 Forbidden\r\n\r\n",
            "Error: the server refused the WebSocket upgrade: HTTP/1.1 403 Forbidden",
        ),
        // A web server that speaks no WebSocket.
        (
            b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>",
            "Error: the server refused the WebSocket upgrade: HTTP/1.0 200 OK",
        ),
    ];
    for (reply, text) in cases {
        both_fail_with(server(answer_with(reply)), 13, text);
    }
}

#[test]
fn a_plain_mqtt_port_is_not_a_websocket_listener() {
    let broker = Broker::start();
    both_fail_with(
        broker.port(),
        7,
        "Error: the server closed the connection without answering the WebSocket upgrade: is this \
         a WebSocket listener? Plain MQTT ports need mqtt:// (without --ws).",
    );
}

#[test]
fn a_server_that_answers_something_else_than_http() {
    both_fail_with(
        server(answer_with(b"SSH-2.0-OpenSSH_9.2\r\n")),
        13,
        "Error: the server did not answer the WebSocket upgrade with HTTP (it sent 53 53 48 2d 32 2e \
         30 2d): is this a WebSocket listener? Plain MQTT ports need mqtt:// (without --ws).",
    );
}

#[test]
fn a_wrong_accept_key_is_refused() {
    both_fail_with(
        server(answer_with(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
        )),
        13,
        "Error: the server's answer to the WebSocket upgrade is not valid (wrong Sec-WebSocket-Accept \
         key): HTTP/1.1 101 Switching Protocols",
    );
}

#[test]
fn text_frames_are_refused() {
    // A CONNACK in a text frame.
    both_fail_with(
        server(upgrade_then(&[0x81, 0x04, 0x20, 0x02, 0x00, 0x00])),
        2,
        "Error: the server sent a WebSocket text frame; MQTT over WebSockets uses binary frames only.",
    );
}

#[test]
fn an_oversized_frame_is_refused_before_it_is_read() {
    both_fail_with(
        server(upgrade_then(&[0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0])),
        2,
        "Error: the server sent a WebSocket frame of 4294967296 bytes, more than the largest MQTT \
         packet (268435455 bytes).",
    );
}

/// Reads frames until a close frame (or the end); returns the opcodes seen.
fn read_frames(stream: &mut TcpStream) -> Vec<u8> {
    let mut opcodes = Vec::new();
    loop {
        let mut head = [0u8; 2];
        if stream.read_exact(&mut head).is_err() {
            return opcodes;
        }
        let mut len = u64::from(head[1] & 0x7f);
        if len == 126 {
            let mut ext = [0u8; 2];
            let _ = stream.read_exact(&mut ext);
            len = u64::from(u16::from_be_bytes(ext));
        } else if len == 127 {
            let mut ext = [0u8; 8];
            let _ = stream.read_exact(&mut ext);
            len = u64::from_be_bytes(ext);
        }
        let mut rest = vec![0u8; 4 + len as usize];
        if stream.read_exact(&mut rest).is_err() {
            return opcodes;
        }
        opcodes.push(head[0] & 0x0f);
        if head[0] & 0x0f == 0x8 {
            return opcodes;
        }
    }
}

/// The server takes our DISCONNECT and close frame but never answers the close frame nor closes
/// the connection: we do not wait for it.
#[test]
fn a_server_that_never_completes_the_closing_handshake_does_not_hold_us() {
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let seen_tx = std::sync::Mutex::new(seen_tx);
    let port = server(move |mut stream| {
        if let Some(accept) = read_request(&mut stream) {
            let mut reply = switching(&accept);
            reply.extend_from_slice(&[0x82, 0x04, 0x20, 0x02, 0x00, 0x00]);
            let _ = stream.write_all(&reply);
            let opcodes = read_frames(&mut stream);
            let _ = seen_tx.lock().map(|tx| tx.send(opcodes));
            // Neither a close frame nor the end of the connection for a long while.
            thread::sleep(Duration::from_secs(30));
        }
    });
    let out = rpub(port);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stderr_text(), "");
    let opcodes = seen_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server saw our frames");
    // CONNECT, PUBLISH, DISCONNECT (binary frames, maybe fewer), then our close frame.
    assert_eq!(opcodes.last(), Some(&0x8), "{opcodes:?}");
    assert!(opcodes[..opcodes.len() - 1].iter().all(|&op| op == 0x2));
}

/// A server that accepts the TCP connection and never answers the upgrade: the CONNACK timer
/// (the keepalive, 5 s here) ends the attempt as it would over plain TCP.
#[test]
fn a_server_that_never_answers_the_upgrade_is_bounded_by_the_keepalive() {
    let port = server(|mut stream| {
        let _ = read_request(&mut stream);
        thread::sleep(Duration::from_secs(30));
    });
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(["-L", &url(port), "-m", "x", "-k", "5"])
        .timeout(Duration::from_secs(20))
        .run();
    assert!(out.code().is_some_and(|code| code != 0), "{}", out.dump());
    assert!(!out.stderr_text().is_empty(), "{}", out.dump());
}
