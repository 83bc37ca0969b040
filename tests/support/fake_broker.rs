//! A scriptable fake broker for the hostile-broker tests (`tests/hostile_broker.rs`): a loopback
//! listener whose every connection plays the same [`Step`] script: read packets, send arbitrary
//! bytes, answer the last packet with the wrong one, trickle, stall, read slowly, never read, close
//! half-way or reset. What each connection received is recorded ([`FakeBroker::connections`]).
//! Include with `#[path = "support/fake_broker.rs"] mod fake_broker;`.
//!
//! [`BlackHole`] is a port whose SYNs go unanswered (a full accept queue), for stalled connects.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, SockRef, Socket, Type};

/// One MQTT packet as the client sent it: the first byte and the body after the length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPacket {
    pub first: u8,
    pub body: Vec<u8>,
}

impl RawPacket {
    /// The packet type (the high nibble of the first byte): 1 CONNECT, 3 PUBLISH, 8 SUBSCRIBE...
    pub fn kind(&self) -> u8 {
        self.first >> 4
    }

    /// The packet identifier: of a PUBLISH with QoS 1 or 2 (after its topic), of a SUBSCRIBE,
    /// UNSUBSCRIBE or acknowledgement (first two bytes); `[0, 0]` for anything else.
    pub fn packet_id(&self) -> [u8; 2] {
        let at = match self.kind() {
            3 if self.first & 0x06 != 0 => {
                let topic_len = usize::from(u16::from_be_bytes([
                    self.body.first().copied().unwrap_or(0),
                    self.body.get(1).copied().unwrap_or(0),
                ]));
                2 + topic_len
            }
            4..=11 => 0,
            _ => return [0, 0],
        };
        [
            self.body.get(at).copied().unwrap_or(0),
            self.body.get(at + 1).copied().unwrap_or(0),
        ]
    }

    /// A PUBLISH's payload (MQTT 3.1.1 layout: no properties).
    pub fn publish_payload_v311(&self) -> &[u8] {
        let topic_len = usize::from(u16::from_be_bytes([self.body[0], self.body[1]]));
        let id_len = if self.first & 0x06 != 0 { 2 } else { 0 };
        &self.body[2 + topic_len + id_len..]
    }
}

/// What a connection of the fake broker does, in order.
#[derive(Clone)]
pub enum Step {
    /// Reads one packet (recorded); the connection ends if the client closes.
    Read,
    /// Reads packets until one of this type arrives (recorded, like the others).
    ReadUntil(u8),
    /// Sends these bytes.
    Send(Vec<u8>),
    /// Sends bytes made from the last packet read (an acknowledgement with its packet id, or the
    /// wrong one).
    Reply(fn(&RawPacket) -> Vec<u8>),
    /// Sends `bytes` `chunk` bytes at a time, one chunk every `every`.
    Trickle {
        bytes: Vec<u8>,
        chunk: usize,
        every: Duration,
    },
    /// Sends `bytes` again and again for `for_`.
    Flood { bytes: Vec<u8>, for_: Duration },
    /// Reads and records whatever comes, for this long (or until the client closes).
    Listen(Duration),
    /// Reads everything the client sends, at most `bytes_per_second`, until it closes (or
    /// `limit` passes).
    ReadSlowly {
        bytes_per_second: usize,
        limit: Duration,
    },
    /// Does nothing, not even reading, for this long (a broker that never reads).
    Stall(Duration),
    /// Closes the connection (FIN).
    Close,
    /// Resets the connection (RST: SO_LINGER 0, then close).
    Reset,
}

/// What one connection received.
#[derive(Debug, Default, Clone)]
pub struct Connection {
    /// The packets read by `Read`/`ReadUntil`, in order.
    pub packets: Vec<RawPacket>,
    /// Every byte read, in order (packets and `Listen`/`ReadSlowly` alike).
    pub bytes: Vec<u8>,
    /// The client closed the connection (end of stream seen).
    pub closed_by_client: bool,
}

/// The fake broker: its port, and what its connections received.
pub struct FakeBroker {
    port: u16,
    /// A unix socket broker's path.
    path: Option<PathBuf>,
    connections: Arc<Mutex<Vec<Connection>>>,
}

/// Plays `script` on a new connection, on its own thread.
fn serve(stream: Stream, script: &[Step], shared: &Arc<Mutex<Vec<Connection>>>) {
    let index = {
        let mut list = shared.lock().expect("connections lock");
        list.push(Connection::default());
        list.len() - 1
    };
    let script = script.to_vec();
    let shared = Arc::clone(shared);
    thread::spawn(move || play(stream, &script, &shared, index));
}

impl FakeBroker {
    /// A broker on a free loopback port playing `script` on every connection (each on its own
    /// thread; the threads end with their scripts, the listener with the test process).
    pub fn start(script: Vec<Step>) -> FakeBroker {
        FakeBroker::start_with_buffer(script, None)
    }

    /// [`FakeBroker::start`] with a small socket receive buffer (`SO_RCVBUF` on the listener, so the
    /// client's data waits in the client rather than in the kernel).
    pub fn start_with_buffer(script: Vec<Step>, receive_buffer: Option<usize>) -> FakeBroker {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        if let Some(size) = receive_buffer {
            socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
        }
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        socket.bind(&addr.into()).expect("bind fake broker");
        socket.listen(16).expect("listen");
        let listener: TcpListener = socket.into();
        let port = listener.local_addr().expect("local addr").port();
        let connections: Arc<Mutex<Vec<Connection>>> = Arc::default();
        let shared = Arc::clone(&connections);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(Stream::Tcp(stream), &script, &shared);
            }
        });
        FakeBroker {
            port,
            path: None,
            connections,
        }
    }

    /// A broker on the unix socket `path` (clients reach it with `-h <path> -p 0`).
    pub fn start_unix(script: Vec<Step>, path: &Path) -> FakeBroker {
        let listener = UnixListener::bind(path).expect("bind unix fake broker");
        let connections: Arc<Mutex<Vec<Connection>>> = Arc::default();
        let shared = Arc::clone(&connections);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(Stream::Unix(stream), &script, &shared);
            }
        });
        FakeBroker {
            port: 0,
            path: Some(path.to_path_buf()),
            connections,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `-h 127.0.0.1 -p <port>`, or `-h <path> -p 0` for a unix socket.
    pub fn args(&self) -> Vec<String> {
        let host = match &self.path {
            Some(path) => path.display().to_string(),
            None => "127.0.0.1".into(),
        };
        vec!["-h".into(), host, "-p".into(), self.port.to_string()]
    }

    /// What the connections so far received.
    pub fn connections(&self) -> Vec<Connection> {
        self.connections.lock().expect("connections lock").clone()
    }

    /// Waits (bounded) until `n` connections were accepted; false if they were not.
    pub fn wait_for_connections(&self, n: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.connections().len() >= n {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Waits (bounded) until connection `index` has received `bytes` bytes.
    pub fn wait_for_bytes(&self, index: usize, bytes: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self
                .connections()
                .get(index)
                .is_some_and(|c| c.bytes.len() >= bytes)
            {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

/// A connection of the fake broker: TCP, or a unix socket (whose small, fixed buffers keep the
/// client's data in the client rather than in the kernel).
enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn set_read_timeout(&self, timeout: Option<Duration>) {
        let _ = match self {
            Stream::Tcp(stream) => stream.set_read_timeout(timeout),
            Stream::Unix(stream) => stream.set_read_timeout(timeout),
        };
    }

    fn shutdown(&self) {
        let _ = match self {
            Stream::Tcp(stream) => stream.shutdown(std::net::Shutdown::Both),
            Stream::Unix(stream) => stream.shutdown(std::net::Shutdown::Both),
        };
    }

    /// Makes the close that follows a reset (TCP only; a unix socket just closes).
    fn reset(&self) {
        if let Stream::Tcp(stream) = self {
            let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.read(buf),
            Stream::Unix(stream) => stream.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.write(buf),
            Stream::Unix(stream) => stream.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where a connection's thread records what it received.
struct Recorder<'a> {
    log: &'a Mutex<Vec<Connection>>,
    index: usize,
}

impl Recorder<'_> {
    fn with(&self, f: impl FnOnce(&mut Connection)) {
        if let Ok(mut list) = self.log.lock()
            && let Some(connection) = list.get_mut(self.index)
        {
            f(connection);
        }
    }
}

fn play(mut stream: Stream, script: &[Step], log: &Mutex<Vec<Connection>>, index: usize) {
    let record = Recorder { log, index };
    let mut last = RawPacket {
        first: 0,
        body: Vec::new(),
    };
    for step in script {
        let ok = match step {
            Step::Read => match read_packet(&mut stream, &record) {
                Some(packet) => {
                    last = packet;
                    true
                }
                None => false,
            },
            Step::ReadUntil(kind) => loop {
                match read_packet(&mut stream, &record) {
                    Some(packet) if packet.kind() == *kind => {
                        last = packet;
                        break true;
                    }
                    Some(_) => {}
                    None => break false,
                }
            },
            Step::Send(bytes) => stream.write_all(bytes).is_ok(),
            Step::Reply(make) => stream.write_all(&make(&last)).is_ok(),
            Step::Trickle {
                bytes,
                chunk,
                every,
            } => bytes.chunks((*chunk).max(1)).all(|part| {
                let sent = stream.write_all(part).is_ok();
                thread::sleep(*every);
                sent
            }),
            Step::Flood { bytes, for_ } => {
                let end = Instant::now() + *for_;
                let mut ok = true;
                while ok && Instant::now() < end {
                    ok = stream.write_all(bytes).is_ok();
                }
                ok
            }
            Step::Listen(duration) => listen(&mut stream, *duration, None, &record),
            Step::ReadSlowly {
                bytes_per_second,
                limit,
            } => listen(&mut stream, *limit, Some(*bytes_per_second), &record),
            Step::Stall(duration) => {
                thread::sleep(*duration);
                true
            }
            Step::Close => {
                stream.shutdown();
                return;
            }
            Step::Reset => {
                stream.reset();
                return;
            }
        };
        if !ok {
            return;
        }
    }
}

/// Reads one MQTT packet, recording its bytes; `None` at the end of the stream.
fn read_packet(stream: &mut Stream, record: &Recorder<'_>) -> Option<RawPacket> {
    stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut first = [0u8; 1];
    if stream.read_exact(&mut first).is_err() {
        record.with(|c| c.closed_by_client = true);
        return None;
    }
    let mut raw = vec![first[0]];
    let mut length = 0usize;
    let mut shift = 0;
    loop {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).ok()?;
        raw.push(byte[0]);
        length |= usize::from(byte[0] & 0x7f) << shift;
        shift += 7;
        if byte[0] & 0x80 == 0 || shift > 21 {
            break;
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    raw.extend_from_slice(&body);
    let packet = RawPacket {
        first: first[0],
        body,
    };
    let recorded = packet.clone();
    record.with(|c| {
        c.bytes.extend_from_slice(&raw);
        c.packets.push(recorded);
    });
    Some(packet)
}

/// Reads and records for `duration` (at most `rate` bytes per second); false once the client
/// closed.
fn listen(
    stream: &mut Stream,
    duration: Duration,
    rate: Option<usize>,
    record: &Recorder<'_>,
) -> bool {
    let end = Instant::now() + duration;
    let started = Instant::now();
    let mut total = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let now = Instant::now();
        if now >= end {
            return true;
        }
        let want = match rate {
            // Never ahead of the rate: read only what the elapsed time allows (at least a little).
            Some(rate) => {
                let allowed = (started.elapsed().as_secs_f64() * rate as f64) as usize;
                if allowed <= total {
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
                (allowed - total).min(buf.len())
            }
            None => buf.len(),
        };
        stream.set_read_timeout(Some((end - now).min(Duration::from_millis(100))));
        match stream.read(&mut buf[..want]) {
            Ok(0) => {
                record.with(|c| c.closed_by_client = true);
                return false;
            }
            Ok(n) => {
                total += n;
                let chunk = &buf[..n];
                record.with(|c| c.bytes.extend_from_slice(chunk));
            }
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                record.with(|c| c.closed_by_client = true);
                return false;
            }
        }
    }
}

/// A loopback port where connect(2) stalls: its listener's accept queue is full and never
/// accepted from, so the kernel drops further SYNs (the client retries them for minutes).
pub struct BlackHole {
    port: u16,
    _listener: Socket,
    _fillers: Vec<Socket>,
}

impl BlackHole {
    pub fn new() -> BlackHole {
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        listener.bind(&addr.into()).expect("bind");
        listener.listen(0).expect("listen");
        let port = listener
            .local_addr()
            .expect("local addr")
            .as_socket()
            .expect("inet")
            .port();
        let target: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
        let fillers = (0..3)
            .map(|_| {
                let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
                socket.set_nonblocking(true).expect("non-blocking");
                let _ = socket.connect(&target.into());
                socket
            })
            .collect();
        // Let the handshakes of the fillers settle, so the queue is full when the client comes.
        thread::sleep(Duration::from_millis(100));
        BlackHole {
            port,
            _listener: listener,
            _fillers: fillers,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

// ---- packets a broker sends ----

/// CONNACK 0 (MQTT 3.1.1).
pub const CONNACK: [u8; 4] = [0x20, 0x02, 0x00, 0x00];
/// CONNACK 0 (MQTT 5, no properties).
pub const CONNACK_V5: [u8; 5] = [0x20, 0x03, 0x00, 0x00, 0x00];

/// SUBACK granting QoS 0 to the SUBSCRIBE just read (one filter, MQTT 3.1.1).
pub fn suback(subscribe: &RawPacket) -> Vec<u8> {
    let id = subscribe.packet_id();
    vec![0x90, 0x03, id[0], id[1], 0x00]
}

/// SUBACK granting QoS 0 to the SUBSCRIBE just read (one filter, MQTT 5).
pub fn suback_v5(subscribe: &RawPacket) -> Vec<u8> {
    let id = subscribe.packet_id();
    vec![0x90, 0x04, id[0], id[1], 0x00, 0x00]
}

/// A QoS 0 PUBLISH (MQTT 3.1.1).
pub fn publish(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    body.extend_from_slice(topic.as_bytes());
    body.extend_from_slice(payload);
    let mut packet = vec![0x30];
    encode_length(body.len(), &mut packet);
    packet.extend_from_slice(&body);
    packet
}

/// The MQTT variable byte integer for `length`.
pub fn encode_length(mut length: usize, out: &mut Vec<u8>) {
    loop {
        let mut byte = (length % 128) as u8;
        length /= 128;
        if length > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if length == 0 {
            break;
        }
    }
}

/// The usual opening: CONNECT read, CONNACK 0, SUBSCRIBE read, SUBACK (MQTT 3.1.1).
pub fn subscribed() -> Vec<Step> {
    vec![
        Step::Read,
        Step::Send(CONNACK.to_vec()),
        Step::ReadUntil(8),
        Step::Reply(suback),
    ]
}

/// The usual opening for MQTT 5.
pub fn subscribed_v5() -> Vec<Step> {
    vec![
        Step::Read,
        Step::Send(CONNACK_V5.to_vec()),
        Step::ReadUntil(8),
        Step::Reply(suback_v5),
    ]
}
