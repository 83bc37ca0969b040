//! Hostile brokers, stalled links and stdout nobody reads (issue 13): a scriptable fake broker
//! (`support/fake_broker.rs`) misbehaves on purpose, and every case asserts the exit code, the
//! message, that the run ends (the clients' hard timeouts are generous hang detectors, never timing
//! assertions) and, where data was sent, that nothing was lost or that the loss was reported.
//! Where mosquitto's clients behave the same, they run the same case at the same time against
//! their own fake broker and the results are compared; where we differ on purpose
//! (docs/decisions.md, "Hostile brokers") only ours runs.

mod common;
#[path = "support/fake_broker.rs"]
mod fake_broker;
#[path = "support/pki.rs"]
mod pki;

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{ClientRun, Output, TempDir, Tool};
use fake_broker::{
    BlackHole, CONNACK, FakeBroker, RawPacket, Step, publish, subscribed, subscribed_v5,
};

/// The protocol error both tools end with (mosquitto's text for MOSQ_ERR_PROTOCOL).
const PROTOCOL_ERROR: &str =
    "Error: A network protocol error occurred when communicating with the broker.\n";

/// The hang detector of runs that should end within a second or two.
const QUICK: Duration = Duration::from_secs(10);

fn rpub(tool: Tool) -> ClientRun {
    ClientRun::new(tool.pub_program())
}

fn rsub(tool: Tool) -> ClientRun {
    ClientRun::new(tool.sub_program())
}

fn ours_pub() -> ClientRun {
    rpub(Tool::Ours)
}

fn ours_sub() -> ClientRun {
    rsub(Tool::Ours)
}

/// Runs `case` for mosquitto's client and ours at the same time (each makes its own fake broker).
fn both<F>(case: F) -> (Output, Output)
where
    F: Fn(Tool) -> Output + Sync,
{
    thread::scope(|s| {
        let reference = s.spawn(|| case(Tool::Mosquitto));
        let ours = s.spawn(|| case(Tool::Ours));
        (
            reference.join().expect("mosquitto's run"),
            ours.join().expect("our run"),
        )
    })
}

/// Exit code and stderr the same as mosquitto's.
fn assert_same_end(reference: &Output, ours: &Output) {
    assert!(reference.exit.timed_out.is_none(), "{}", reference.dump());
    assert_eq!(
        (ours.code(), ours.stderr_text()),
        (reference.code(), reference.stderr_text()),
        "\nmosquitto: {}\nours: {}",
        reference.dump(),
        ours.dump()
    );
}

fn assert_exit(out: &Output, code: i32, stderr: &str) {
    assert_eq!(out.code(), Some(code), "{}", out.dump());
    assert_eq!(out.stderr_text(), stderr, "{}", out.dump());
}

/// The high-water mark of a running process's resident memory, in kB (`VmHWM`).
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn file_of(dir: &TempDir, len: usize) -> std::path::PathBuf {
    let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    dir.write("payload.bin", bytes)
}

// -------------------------------------------------------------------------------------------------
// Defect 1: the final write waits for a slow link; a dead one is reported, never silently cut
// -------------------------------------------------------------------------------------------------

/// The broker reads 400 kB/s on a unix socket (whose buffers hold a few hundred kB, where TCP's
/// grow to megabytes): the 2.5 MB QoS 0 message takes over 6 s to go through, more than the 5 s
/// the final write used to be allowed. Every byte arrives, and the DISCONNECT after them.
#[test]
fn a_slow_broker_gets_every_byte_of_a_large_qos0_message() {
    let dir = TempDir::new("slow-link");
    let len = 2_500_000;
    let file = file_of(&dir, len);
    let broker = FakeBroker::start_unix(
        vec![
            Step::Read,
            Step::Send(CONNACK.to_vec()),
            Step::ReadSlowly {
                bytes_per_second: 400_000,
                limit: Duration::from_secs(30),
            },
        ],
        &dir.join("broker.sock"),
    );
    let out = ours_pub()
        .args(broker.args())
        .args(["-t", "big", "-f"])
        .arg(&file)
        .timeout(Duration::from_secs(40))
        .run();
    assert_exit(&out, 0, "");
    // CONNECT (read as a packet) + PUBLISH (1 + 4 length bytes + 2 + 3 topic + payload) + DISCONNECT.
    let expected = 14 + 1 + 4 + 2 + 3 + len + 2;
    // What rpub handed to the kernel last may still be on its way to the slow reader.
    assert!(broker.wait_for_bytes(0, expected, Duration::from_secs(10)));
    let connection = &broker.connections()[0];
    assert_eq!(connection.bytes.len(), expected, "bytes the broker got");
    assert_eq!(&connection.bytes[expected - 2..], &[0xE0, 0x00]);
    assert_eq!(
        &connection.bytes[expected - 2 - 16..expected - 2],
        &std::fs::read(&file).expect("payload")[len - 16..]
    );
}

/// A broker that takes the CONNECT and then never reads: mosquitto_pub's keepalive says the link
/// is dead (`Error: Unknown error.`, exit 19); so does ours, instead of exiting 0 after 5 s with
/// the message cut short.
#[test]
fn a_broker_that_never_reads_ends_with_the_keepalive_error() {
    let (reference, ours) = both(|tool| {
        let dir = TempDir::new("never-reads");
        let file = file_of(&dir, 12_000_000);
        let broker = FakeBroker::start_with_buffer(
            vec![
                Step::Read,
                Step::Send(CONNACK.to_vec()),
                Step::Stall(Duration::from_secs(40)),
            ],
            Some(16 * 1024),
        );
        rpub(tool)
            .args(broker.args())
            .args(["-k", "5", "-t", "big", "-f"])
            .arg(&file)
            .timeout(Duration::from_secs(30))
            .run()
    });
    assert_same_end(&reference, &ours);
    assert_exit(&ours, 19, "Error: Unknown error.\n");
}

/// The broker closes or resets the connection half-way through a large QoS 0 message: the loss is
/// reported (`Error: The connection was lost.`, exit 7), as by mosquitto_pub, not an exit 0.
#[test]
fn a_broker_that_goes_away_half_way_through_a_message_is_a_lost_connection() {
    for end in [Step::Close, Step::Reset] {
        let (reference, ours) = both(|tool| {
            let dir = TempDir::new("half-way");
            let file = file_of(&dir, 12_000_000);
            let broker = FakeBroker::start_with_buffer(
                vec![
                    Step::Read,
                    Step::Send(CONNACK.to_vec()),
                    Step::ReadSlowly {
                        bytes_per_second: 2_000_000,
                        limit: Duration::from_millis(500),
                    },
                    end.clone(),
                ],
                Some(16 * 1024),
            );
            rpub(tool)
                .args(broker.args())
                .args(["-t", "big", "-f"])
                .arg(&file)
                .timeout(QUICK)
                .run()
        });
        assert_same_end(&reference, &ours);
        assert_exit(&ours, 7, "Error: The connection was lost.\n");
    }
}

/// With `-d`, our addition says why the run failed.
#[test]
fn with_d_a_line_says_how_much_was_not_sent() {
    let dir = TempDir::new("never-reads-d");
    let file = file_of(&dir, 12_000_000);
    let broker = FakeBroker::start_with_buffer(
        vec![
            Step::Read,
            Step::Send(CONNACK.to_vec()),
            Step::ReadSlowly {
                bytes_per_second: 2_000_000,
                limit: Duration::from_millis(300),
            },
            Step::Close,
        ],
        Some(16 * 1024),
    );
    let out = ours_pub()
        .args(broker.args())
        .args(["-d", "-t", "big", "-f"])
        .arg(&file)
        .timeout(QUICK)
        .run();
    assert_exit(&out, 7, "Error: The connection was lost.\n");
    let last = out
        .stdout_text()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.starts_with("Client (null) connection lost with ")
            && last.ends_with(" bytes not sent"),
        "{}",
        out.dump()
    );
}

// -------------------------------------------------------------------------------------------------
// Defect 2: nothing blocks while connecting
// -------------------------------------------------------------------------------------------------

/// Sockets of this machine in SYN-SENT towards 127.0.0.1:`port` (from /proc/net/tcp).
fn syn_sent_count(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let remote = format!("0100007F:{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(2) == Some(&remote.as_str()) && fields.get(3) == Some(&"02")
        })
        .count()
}

/// Waits (bounded) until one more socket than `before` is stuck in SYN-SENT towards `port`: the
/// client's connect is stalled.
fn wait_for_stalled_connect(port: u16, before: usize) -> bool {
    let deadline = Instant::now() + QUICK;
    while Instant::now() < deadline {
        if syn_sent_count(port) > before {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

fn black_hole_args(hole: &BlackHole) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        hole.port().to_string(),
    ]
}

/// A SYN nobody answers: SIGINT and SIGTERM end rsub at once (exit 255, as any signal before the
/// first CONNACK), where a blocking connect(2) held it for minutes. (mosquitto_sub dies at once
/// too, with exit 1 and an `Error: Connection refused` that is an artefact of its errno.)
#[test]
fn signals_end_a_stalled_connect_at_once() {
    let hole = BlackHole::new();
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let before = syn_sent_count(hole.port());
        let mut sub = ours_sub()
            .args(black_hole_args(&hole))
            .args(["-t", "x"])
            .timeout(QUICK)
            .spawn();
        assert!(wait_for_stalled_connect(hole.port(), before));
        assert!(!sub.has_exited(), "the connect is not stalled");
        sub.signal(signal);
        let out = sub.wait();
        assert_exit(&out, 255, "");
    }
}

/// `-W` bounds a stalled connect too (exit 255: no CONNACK came).
#[test]
fn w_ends_a_stalled_connect() {
    let hole = BlackHole::new();
    let out = ours_sub()
        .args(black_hole_args(&hole))
        .args(["-t", "x", "-W", "1"])
        .timeout(QUICK)
        .run();
    assert_exit(&out, 255, "");
}

/// The same on the reconnect path: the broker goes away after the first connection and its port
/// stops answering; SIGTERM during the stalled reconnect ends rsub at once (exit 0: it had been
/// connected, as after any signal after CONNACK).
#[test]
fn a_signal_ends_a_stalled_reconnect_at_once() {
    use socket2::{Domain, Socket, Type};
    use std::io::Write;
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("address");
    listener.bind(&any.into()).expect("bind");
    listener.listen(0).expect("listen");
    let port = listener
        .local_addr()
        .expect("addr")
        .as_socket()
        .expect("inet")
        .port();
    let mut sub = ours_sub()
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "x", "-d"])
        .timeout(QUICK)
        .spawn();
    let (first, _) = listener.accept().expect("first connection");
    let mut first: std::net::TcpStream = first.into();
    let mut buf = [0u8; 64];
    let _ = first.read(&mut buf);
    first.write_all(&CONNACK).expect("CONNACK");
    // Fill the accept queue: from now on SYNs to the port go unanswered.
    let target: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    let fillers: Vec<Socket> = (0..3)
        .map(|_| {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
            socket.set_nonblocking(true).expect("non-blocking");
            let _ = socket.connect(&target.into());
            socket
        })
        .collect();
    thread::sleep(Duration::from_millis(200));
    let before = syn_sent_count(port);
    drop(first);
    // rsub reconnects after 1 s, and its connect stalls.
    assert!(wait_for_stalled_connect(port, before), "no reconnect");
    assert!(!sub.has_exited(), "rsub ended instead of reconnecting");
    sub.terminate();
    let out = sub.wait();
    assert_exit(&out, 0, "");
    assert_eq!(
        out.stdout_text().matches("sending CONNECT").count(),
        1,
        "the reconnect never got as far as CONNECT: {}",
        out.dump()
    );
    drop(fillers);
}

/// A closed port: `Error: Connection refused`, exit 1, at once, as mosquitto's clients.
#[test]
fn a_refused_connection_is_reported_at_once() {
    let port = common::free_port().to_string();
    let (reference, ours) = both(|tool| {
        rpub(tool)
            .args(["-h", "127.0.0.1", "-p", &port, "-t", "x", "-m", "y"])
            .timeout(QUICK)
            .run()
    });
    assert_same_end(&reference, &ours);
    assert_exit(&ours, 1, "Error: Connection refused\n");
    let (reference, ours) = both(|tool| {
        rsub(tool)
            .args(["-h", "127.0.0.1", "-p", &port, "-t", "x"])
            .timeout(QUICK)
            .run()
    });
    assert_same_end(&reference, &ours);
}

/// A SOCKS5 proxy that accepts the connection and never answers the greeting: SIGTERM ends rsub at
/// once (the handshake used to block for up to 30 s).
#[test]
fn a_silent_proxy_does_not_hold_up_signals() {
    let proxy = FakeBroker::start(vec![Step::Stall(Duration::from_secs(40))]);
    let mut sub = ours_sub()
        .args(["-t", "x", "-h", "broker.example", "--proxy"])
        .arg(format!("socks5h://127.0.0.1:{}", proxy.port()))
        .timeout(QUICK)
        .spawn();
    assert!(proxy.wait_for_connections(1, QUICK));
    thread::sleep(Duration::from_millis(300));
    sub.terminate();
    assert_exit(&sub.wait(), 255, "");
}

/// A server that accepts TLS connections and never answers the ClientHello: SIGTERM ends rsub at
/// once; rpub's handshake is bounded by the keepalive (`-k 5`: exit 19, as no CONNACK came).
#[test]
fn a_silent_tls_server_does_not_hold_up_signals_or_the_keepalive() {
    let dir = TempDir::new("silent-tls");
    let ca = dir.write("ca.crt", pki::make_ca("hostile broker test CA").pem());
    let server = FakeBroker::start(vec![Step::Stall(Duration::from_secs(40))]);
    let mut sub = ours_sub()
        .args(server.args())
        .args(["-t", "x", "--cafile"])
        .arg(&ca)
        .timeout(QUICK)
        .spawn();
    assert!(server.wait_for_connections(1, QUICK));
    thread::sleep(Duration::from_millis(300));
    sub.terminate();
    assert_exit(&sub.wait(), 255, "");
    let out = ours_pub()
        .args(server.args())
        .args(["-t", "x", "-m", "y", "-k", "5", "--cafile"])
        .arg(&ca)
        .timeout(Duration::from_secs(20))
        .run();
    assert_exit(&out, 19, "Error: Unknown error.\n");
}

// -------------------------------------------------------------------------------------------------
// Defect 4: a stdout nobody reads does not hold up -W or signals
// -------------------------------------------------------------------------------------------------

/// A broker flooding the subscription with 1 kB messages for `for_`.
fn flooding_broker(for_: Duration) -> FakeBroker {
    let mut script = subscribed();
    script.push(Step::Flood {
        bytes: publish("x", &[b'm'; 1000]),
        for_,
    });
    FakeBroker::start(script)
}

/// Runs a subscriber whose stdout is a pipe nobody reads until it has exited; `during` acts on
/// the running process. Returns the exit code, stderr, and how long it ran.
fn run_with_unread_stdout(
    program: std::path::PathBuf,
    args: &[String],
    during: impl FnOnce(u32),
) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn subscriber");
    during(child.id());
    let (code, stderr) = end_within_quick(&mut child);
    (code, stderr, started.elapsed())
}

/// Waits for `child` to end, killing it after [`QUICK`] (the hang detector); its exit code (`None`:
/// killed) and stderr.
fn end_within_quick(child: &mut std::process::Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + QUICK;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    (status.and_then(|s| s.code()), stderr)
}

/// `rsub -W 2 -t x | sleep 60` with a busy topic: mosquitto_sub ends at 2 s with `Timed out`,
/// exit 27, and so does rsub (saying how many bytes stdout did not take).
#[test]
fn w_is_honoured_while_stdout_is_not_read() {
    let run = |tool: Tool| {
        let broker = flooding_broker(Duration::from_secs(15));
        let mut args = broker.args();
        args.extend(["-t", "x", "-W", "2"].map(String::from));
        run_with_unread_stdout(tool.sub_program(), &args, |_| {})
    };
    let ((ref_code, ref_err, _), (code, err, elapsed)) = thread::scope(|s| {
        let reference = s.spawn(|| run(Tool::Mosquitto));
        let ours = s.spawn(|| run(Tool::Ours));
        (
            reference.join().expect("mosquitto"),
            ours.join().expect("ours"),
        )
    });
    assert_eq!((ref_code, ref_err.as_str()), (Some(27), "Timed out\n"));
    assert_eq!(code, Some(27), "{err}");
    assert!(err.ends_with("Timed out\n"), "{err}");
    assert!(
        err.is_empty() || err.lines().count() == 1 || err.starts_with("Warning: "),
        "{err}"
    );
    assert!(elapsed < QUICK, "ran {elapsed:?}");
}

/// SIGTERM while stdout is not read: rsub ends at once, exit 0, as mosquitto_sub does.
#[test]
fn sigterm_is_honoured_while_stdout_is_not_read() {
    let run = |tool: Tool| {
        let broker = flooding_broker(Duration::from_secs(15));
        let mut args = broker.args();
        args.extend(["-t", "x"].map(String::from));
        run_with_unread_stdout(tool.sub_program(), &args, |pid| {
            thread::sleep(Duration::from_millis(1500));
            // SAFETY: the child is ours and has not been reaped.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
        })
    };
    let ((ref_code, _, _), (code, err, elapsed)) = thread::scope(|s| {
        let reference = s.spawn(|| run(Tool::Mosquitto));
        let ours = s.spawn(|| run(Tool::Ours));
        (
            reference.join().expect("mosquitto"),
            ours.join().expect("ours"),
        )
    });
    assert_eq!(ref_code, Some(0));
    assert_eq!(code, Some(0), "{err}");
    assert!(elapsed < QUICK, "ran {elapsed:?}");
}

/// A reader that is only slow: at a normal end (`-C`) every message is written, however long the
/// reader takes.
#[test]
fn a_slow_reader_gets_everything_at_a_normal_end() {
    let broker = flooding_broker(Duration::from_secs(15));
    let mut child = Command::new(Tool::Ours.sub_program())
        .args(broker.args())
        .args(["-t", "x", "-C", "3000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rsub");
    // Nobody reads for a second: the pipe fills, rsub waits.
    thread::sleep(Duration::from_secs(1));
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut stdout)
        .expect("read stdout");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let expected: Vec<u8> = [vec![b'm'; 1000], vec![b'\n']].concat().repeat(3000);
    assert!(
        stdout == expected,
        "{} bytes of {}",
        stdout.len(),
        expected.len()
    );
}

/// rsub printing one message with a `-F` width of `width` to a pipe nobody reads yet: returns the
/// child once the first 4 MiB have been read and the process sleeps (waiting for the pipe).
fn huge_width_to_a_stalled_pipe(width: usize) -> (std::process::Child, FakeBroker) {
    let mut script = subscribed();
    script.push(Step::Send(publish("x", b"p")));
    script.push(Step::Listen(Duration::from_secs(60)));
    let broker = FakeBroker::start(script);
    let mut child = Command::new(Tool::Ours.sub_program())
        .args(broker.args())
        .args(["-t", "x", "-C", "1", "-F", &format!("%{width}t")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rsub");
    let mut first = vec![0u8; 4 << 20];
    child
        .stdout
        .as_mut()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the message starts");
    assert!(first.iter().all(|&b| b == b' '));
    // The formatter is done or waits for the pipe once the process has been asleep for a while.
    let deadline = Instant::now() + QUICK;
    let mut asleep = 0;
    while asleep < 5 && Instant::now() < deadline {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
        let state = stat
            .rsplit(") ")
            .next()
            .and_then(|rest| rest.chars().next());
        asleep = if state == Some('S') { asleep + 1 } else { 0 };
        thread::sleep(Duration::from_millis(50));
    }
    (child, broker)
}

/// A 50 MB `-F` width to a pipe whose reader is slower than the formatter: rsub waits for the pipe
/// inside the message rather than holding what the pipe did not take (its stdout is non-blocking
/// so that signals and `-W` are honoured), so its memory stays bounded while 46 MB are still to
/// be written; at the end every byte has arrived.
#[test]
fn a_huge_width_to_a_slow_pipe_stays_bounded_and_arrives_whole() {
    let width = 50_000_000;
    let (mut child, _broker) = huge_width_to_a_stalled_pipe(width);
    let peak_kb = peak_rss_kb(child.id());
    let mut rest = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut rest)
        .expect("read stdout");
    let status = child.wait().expect("wait");
    assert!(
        peak_kb > 0 && peak_kb < 24_000,
        "peak RSS {peak_kb} kB while the pipe was full"
    );
    assert_eq!(status.code(), Some(0));
    assert_eq!(rest.len() + (4 << 20), width + 1);
    assert_eq!(&rest[rest.len() - 2..], b"x\n");
    assert!(rest[..rest.len() - 2].iter().all(|&b| b == b' '));
}

/// SIGTERM while rsub waits for the pipe inside such a message: it ends at once, exit 0 (as on any
/// SIGTERM), and says how much of the output was not written.
#[test]
fn sigterm_ends_the_wait_for_the_pipe_inside_a_message() {
    let (mut child, _broker) = huge_width_to_a_stalled_pipe(50_000_000);
    // SAFETY: the child is ours and has not been reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let (code, stderr) = end_within_quick(&mut child);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.starts_with("Warning: ") && stderr.contains("bytes of output were not written"),
        "{stderr}"
    );
}

// -------------------------------------------------------------------------------------------------
// Defect 6: a protocol violation ends rsub (exit 2) instead of a silent reconnect
// -------------------------------------------------------------------------------------------------

/// SUBACK without return codes, for the SUBSCRIBE just read.
fn suback_without_codes(subscribe: &RawPacket) -> Vec<u8> {
    let id = subscribe.packet_id();
    vec![0x90, 0x02, id[0], id[1]]
}

/// A protocol violation case: its name, whether the client speaks MQTT 5, the broker's script.
type Violation = (&'static str, bool, Vec<Step>);

/// The cases of issue 13, each a script for the fake broker; `v5`: the client speaks MQTT 5.
/// mosquitto_sub 2.0.11 ends all of them with exit 2 and the protocol error, except the bad
/// property length, which crashes it (an assertion in its logging).
fn violations() -> Vec<Violation> {
    let after = |bytes: &[u8]| {
        let mut script = subscribed();
        script.push(Step::Send(bytes.to_vec()));
        script.push(Step::Listen(Duration::from_secs(20)));
        script
    };
    let after_v5 = |bytes: &[u8]| {
        let mut script = subscribed_v5();
        script.push(Step::Send(bytes.to_vec()));
        script.push(Step::Listen(Duration::from_secs(20)));
        script
    };
    vec![
        (
            "remaining length of 5 bytes",
            false,
            after(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        ),
        (
            "zero-length topic",
            false,
            after(&[0x30, 0x03, 0x00, 0x00, b'A']),
        ),
        (
            "QoS 3",
            false,
            after(&[0x36, 0x07, 0x00, 0x01, b'a', 0x00, 0x01, b'h', b'i']),
        ),
        (
            "SUBACK without return codes",
            false,
            vec![
                Step::Read,
                Step::Send(CONNACK.to_vec()),
                Step::ReadUntil(8),
                Step::Reply(suback_without_codes),
                Step::Listen(Duration::from_secs(20)),
            ],
        ),
        (
            "MQTT 5 property length past the end",
            true,
            after_v5(&[0x30, 0x07, 0x00, 0x01, b'a', 0x10, b'h', b'i', 0x00]),
        ),
        (
            "MQTT 5 receive maximum 0",
            true,
            vec![
                Step::Read,
                Step::Send(vec![0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00]),
                Step::Listen(Duration::from_secs(20)),
            ],
        ),
        (
            "MQTT 5 unknown topic alias",
            true,
            after_v5(&[0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x05, b'h', b'i']),
        ),
    ]
}

#[test]
fn a_protocol_violation_ends_rsub_with_exit_2_as_mosquitto_sub() {
    for (name, v5, script) in violations() {
        let (reference, ours) = both(|tool| {
            let broker = FakeBroker::start(script.clone());
            let mut sub = rsub(tool).args(broker.args()).args(["-t", "x"]);
            if v5 {
                sub = sub.args(["-V", "5"]);
            }
            sub.timeout(QUICK).run()
        });
        if name.contains("property length") {
            // mosquitto_sub 2.0.11 aborts here (SIGABRT in log__printf).
            assert_eq!(reference.exit.signal, Some(libc::SIGABRT), "{name}");
        } else {
            assert_same_end(&reference, &ours);
            assert_eq!(ours.stdout_text(), reference.stdout_text(), "{name}");
        }
        assert_exit(&ours, 2, PROTOCOL_ERROR);
    }
}

/// With `-d` one line of ours says what was wrong (mosquitto prints none).
#[test]
fn with_d_a_line_says_what_the_broker_did_wrong() {
    for (name, v5, script) in violations() {
        let broker = FakeBroker::start(script);
        let mut sub = ours_sub().args(broker.args()).args(["-t", "x", "-d"]);
        if v5 {
            sub = sub.args(["-V", "5"]);
        }
        let out = sub.timeout(QUICK).run();
        assert_exit(&out, 2, PROTOCOL_ERROR);
        let lines: Vec<String> = out.stdout_text().lines().map(String::from).collect();
        let explained: Vec<&String> = lines
            .iter()
            .filter(|line| line.starts_with("Client (null) protocol violation by the broker: "))
            .collect();
        assert_eq!(explained.len(), 1, "{name}: {}", out.dump());
        assert_eq!(lines.last(), explained.first().copied(), "{name}");
        assert_eq!(broker.connections().len(), 1, "{name}: no reconnect");
    }
}

// -------------------------------------------------------------------------------------------------
// Defect 7: an acknowledgement of the wrong type ends rpub at once
// -------------------------------------------------------------------------------------------------

/// How the fake broker answers the PUBLISH it read.
type Answer = fn(&RawPacket) -> Vec<u8>;

fn pubrec_for(publish: &RawPacket) -> Vec<u8> {
    let id = publish.packet_id();
    vec![0x50, 0x02, id[0], id[1]]
}

fn pubcomp_for(publish: &RawPacket) -> Vec<u8> {
    let id = publish.packet_id();
    vec![0x70, 0x02, id[0], id[1]]
}

fn puback_for(publish: &RawPacket) -> Vec<u8> {
    let id = publish.packet_id();
    vec![0x40, 0x02, id[0], id[1]]
}

#[test]
fn an_acknowledgement_of_the_wrong_type_ends_rpub_with_exit_2_as_mosquitto_pub() {
    let cases: [(&str, Answer); 3] = [("1", pubrec_for), ("1", pubcomp_for), ("2", puback_for)];
    for (qos, answer) in cases {
        let script = vec![
            Step::Read,
            Step::Send(CONNACK.to_vec()),
            Step::ReadUntil(3),
            Step::Reply(answer),
            Step::Listen(Duration::from_secs(20)),
        ];
        let (reference, ours) = both(|tool| {
            let broker = FakeBroker::start(script.clone());
            rpub(tool)
                .args(broker.args())
                .args(["-t", "x", "-m", "hello", "-d", "-q", qos])
                .timeout(QUICK)
                .run()
        });
        assert_same_end(&reference, &ours);
        assert_exit(&ours, 2, PROTOCOL_ERROR);
        let stdout = ours.stdout_text();
        assert!(!stdout.contains("unknown packet identifier"), "{stdout}");
        assert!(!stdout.contains("sending PUBREL"), "{stdout}");
        // mosquitto's lines, then ours saying what was wrong.
        assert_eq!(
            stdout.lines().count(),
            reference.stdout_text().lines().count() + 1,
            "{}\n{}",
            reference.dump(),
            ours.dump()
        );
        assert!(
            stdout.starts_with(reference.stdout_text().as_str()),
            "{stdout}"
        );
    }
}

// -------------------------------------------------------------------------------------------------
// Brokers that are not brokers, or misbehave in other ways
// -------------------------------------------------------------------------------------------------

/// Bytes that are not MQTT where CONNACK should be (an HTTP answer, a truncated or unfinished
/// one): exit 2 with the protocol error, at once, for both tools. (mosquitto's clients wait for
/// the rest of the "packet" these bytes announce, then time out or reconnect.)
#[test]
fn garbage_instead_of_connack_is_a_protocol_error() {
    let http = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n".to_vec();
    let scripts = [
        vec![
            Step::Read,
            Step::Send(http.clone()),
            Step::Listen(Duration::from_secs(20)),
        ],
        // An HTTP server answering and closing.
        vec![Step::Read, Step::Send(http), Step::Close],
        // An SSH server: it speaks first.
        vec![
            Step::Send(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n".to_vec()),
            Step::Listen(Duration::from_secs(20)),
        ],
    ];
    for script in scripts {
        let broker = FakeBroker::start(script);
        let out = ours_pub()
            .args(broker.args())
            .args(["-t", "x", "-m", "y"])
            .timeout(QUICK)
            .run();
        assert_exit(&out, 2, PROTOCOL_ERROR);
        let out = ours_sub()
            .args(broker.args())
            .args(["-t", "x"])
            .timeout(QUICK)
            .run();
        assert_exit(&out, 2, PROTOCOL_ERROR);
    }
}

/// A CONNACK cut short, then the end of the connection: rpub reports the lost connection (exit 7;
/// mosquitto_pub says `Error: Success`, exit 14, an artefact of its errno); rsub reconnects as
/// after any lost connection, until SIGTERM (exit 255: no CONNACK ever came).
#[test]
fn a_truncated_connack_then_close_is_a_lost_connection() {
    let script = vec![
        Step::Read,
        Step::Send(vec![0x20, 0x02, 0x00]),
        Step::Stall(Duration::from_millis(100)),
        Step::Close,
    ];
    let broker = FakeBroker::start(script);
    let out = ours_pub()
        .args(broker.args())
        .args(["-t", "x", "-m", "y"])
        .timeout(QUICK)
        .run();
    assert_exit(&out, 7, "Error: The connection was lost.\n");
    let broker = FakeBroker::start(vec![
        Step::Read,
        Step::Send(vec![0x20, 0x02, 0x00]),
        Step::Close,
    ]);
    let mut sub = ours_sub()
        .args(broker.args())
        .args(["-t", "x"])
        .timeout(QUICK)
        .spawn();
    assert!(
        broker.wait_for_connections(2, QUICK),
        "rsub did not reconnect"
    );
    sub.terminate();
    assert_exit(&sub.wait(), 255, "");
}

/// CONNACK, then a reset while rpub waits for its PUBACK: `Error: The connection was lost.`,
/// exit 7, as mosquitto_pub.
#[test]
fn connack_then_reset_is_a_lost_connection() {
    let (reference, ours) = both(|tool| {
        let broker = FakeBroker::start(vec![
            Step::Read,
            Step::Send(CONNACK.to_vec()),
            Step::Stall(Duration::from_millis(200)),
            Step::Reset,
        ]);
        rpub(tool)
            .args(broker.args())
            .args(["-t", "x", "-m", "y", "-q", "1"])
            .timeout(QUICK)
            .run()
    });
    assert_same_end(&reference, &ours);
    assert_exit(&ours, 7, "Error: The connection was lost.\n");
}

/// A second CONNACK is a protocol error for both tools (mosquitto_sub takes it as a new
/// connection and subscribes again; mosquitto_pub ignores it).
#[test]
fn a_second_connack_is_a_protocol_error() {
    let mut script = subscribed();
    script.push(Step::Send(CONNACK.to_vec()));
    script.push(Step::Listen(Duration::from_secs(20)));
    let broker = FakeBroker::start(script);
    let out = ours_sub()
        .args(broker.args())
        .args(["-t", "x"])
        .timeout(QUICK)
        .run();
    assert_exit(&out, 2, PROTOCOL_ERROR);
    let broker = FakeBroker::start(vec![
        Step::Read,
        Step::Send(CONNACK.to_vec()),
        Step::ReadUntil(3),
        Step::Send(CONNACK.to_vec()),
        Step::Listen(Duration::from_secs(20)),
    ]);
    let out = ours_pub()
        .args(broker.args())
        .args(["-t", "x", "-m", "y", "-q", "1"])
        .timeout(QUICK)
        .run();
    assert_exit(&out, 2, PROTOCOL_ERROR);
}

/// Acknowledgements of nothing we sent: ignored, as mosquitto_sub does (PUBREC is answered with
/// PUBREL and warned about, PUBREL with PUBCOMP); the message after them is printed. The `-d`
/// output is mosquitto_sub's, line for line, but for one deliberate difference: a SUBACK for an id
/// we never used is not taken as a subscription (mosquitto_sub prints `Subscribed (mid: 7): 0` for
/// it, and would count it for `-E` and for "All subscription requests were denied").
#[test]
fn unsolicited_acknowledgements_are_harmless_as_for_mosquitto_sub() {
    let unsolicited: [&[u8]; 6] = [
        &[0x40, 0x02, 0x00, 0x07],
        &[0x50, 0x02, 0x00, 0x07],
        &[0x62, 0x02, 0x00, 0x07],
        &[0x70, 0x02, 0x00, 0x07],
        &[0x90, 0x03, 0x00, 0x07, 0x00],
        &[0xB0, 0x02, 0x00, 0x07],
    ];
    for packet in unsolicited {
        let mut script = subscribed();
        script.push(Step::Send(packet.to_vec()));
        script.push(Step::Stall(Duration::from_millis(100)));
        script.push(Step::Send(publish("x", b"after")));
        script.push(Step::Listen(Duration::from_secs(20)));
        let (reference, ours) = both(|tool| {
            let broker = FakeBroker::start(script.clone());
            rsub(tool)
                .args(broker.args())
                .args(["-t", "x", "-C", "1", "-d"])
                .timeout(QUICK)
                .run()
        });
        assert_same_end(&reference, &ours);
        assert_eq!(ours.code(), Some(0), "{}", ours.dump());
        let expected = reference
            .stdout_text()
            .replace("Subscribed (mid: 7): 0\n", "");
        assert_eq!(ours.stdout_text(), expected, "after {packet:02X?}");
        assert!(ours.stdout_text().contains("\nafter\n"));
    }
}

/// A PUBLISH that announces 200 MB and trickles: memory grows with what arrived, not with what
/// was announced; SIGTERM still ends rsub at once.
#[test]
fn a_huge_announced_publish_costs_only_what_arrived() {
    let len = 200 * 1024 * 1024;
    let mut head = vec![0x30];
    fake_broker::encode_length(len, &mut head);
    head.extend_from_slice(&[0x00, 0x01, b'x']);
    let mut script = subscribed();
    script.push(Step::Send(head));
    script.push(Step::Trickle {
        bytes: vec![b'z'; 2 * 1024 * 1024],
        chunk: 64 * 1024,
        every: Duration::from_millis(20),
    });
    script.push(Step::Listen(Duration::from_secs(20)));
    let broker = FakeBroker::start(script);
    let mut sub = ours_sub()
        .args(broker.args())
        .args(["-t", "x"])
        .timeout(QUICK)
        .spawn();
    // 32 chunks, 20 ms apart.
    thread::sleep(Duration::from_millis(1500));
    let peak = peak_rss_kb(sub.pid());
    assert!(
        peak > 0 && peak < 48 * 1024,
        "peak resident memory {peak} kB"
    );
    sub.terminate();
    assert_exit(&sub.wait(), 0, "");
}

/// A broker flooding PINGRESP: rsub reads past them (bounded memory) and still prints the message
/// that follows.
#[test]
fn a_pingresp_flood_is_read_past() {
    let mut script = subscribed();
    script.push(Step::Flood {
        bytes: [0xD0, 0x00].repeat(4096),
        for_: Duration::from_millis(1500),
    });
    script.push(Step::Send(publish("x", b"after the flood")));
    script.push(Step::Listen(Duration::from_secs(20)));
    let broker = FakeBroker::start(script);
    let sub = ours_sub()
        .args(broker.args())
        .args(["-t", "x", "-C", "1"])
        .timeout(QUICK)
        .spawn();
    thread::sleep(Duration::from_millis(1000));
    let peak = peak_rss_kb(sub.pid());
    let out = sub.wait();
    assert_exit(&out, 0, "");
    assert_eq!(out.stdout_text(), "after the flood\n");
    assert!(peak < 48 * 1024, "peak resident memory {peak} kB");
}
