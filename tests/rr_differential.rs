//! rrr against mosquitto_rr 2.0.11: each scenario runs once with mosquitto_rr and once with rrr, each
//! against its own fresh broker, with the same responder (tests/support/responder.rs: a second client
//! that answers each request on its response topic with its correlation data). stdout, stderr, exit
//! code, what the responder saw of the request and what peers received must be identical after
//! normalising what truly varies (`auto-<UUID>` ids). Scenarios that need a broker mosquitto cannot be
//! made into (refused CONNACKs, a 3.1.1-only broker, refused subscriptions, a dropped connection) run
//! both clients against a scripted fake broker and compare what the fake received too.
//!
//! Where rrr deliberately differs (docs/decisions.md: the correlation-data check, `-R`, `-f`/`-s`,
//! `--latency`), the tests at the end check rrr alone.

mod common;
#[path = "support/responder.rs"]
mod responder;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::{ClientRun, Ctx, Observed, Output, TempDir, differential};
use responder::{Answer, Correlation, Responder, describe};
use rpubsub::proto::codec::{self, ConnAck, Packet, Properties, Property, QoS, SubAck, Version};

const V5: Version = Version::V5;
const V311: Version = Version::V311;

// ---------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------

/// Starts a responder on `rr/req/#` answering one request with `answers`, runs the client under test
/// with `args` after `-h 127.0.0.1 -p PORT`, then collects the responder: the client's output and
/// what the responder saw of the request.
fn rr_with_responder(ctx: &Ctx, version: Version, answers: Vec<Answer>, args: &[&str]) -> Observed {
    let responder = Responder::start(ctx.port(), "responder", version, "rr/req/#", 1, answers);
    let out = ctx.rr(args).run();
    let requests: Vec<String> = responder.requests().iter().map(describe).collect();
    Observed::client(&out).bytes(
        "request seen by the responder",
        requests.join("\n").as_bytes(),
    )
}

fn answer(payload: &str) -> Vec<Answer> {
    vec![Answer::echo(payload.as_bytes())]
}

// ---------------------------------------------------------------------------------------------------------
// With a broker and a responder
// ---------------------------------------------------------------------------------------------------------

// rr_basic_v5: MQTT 5 by default, the request carries the response topic, no DISCONNECT after the
// response.
#[test]
fn rr_basic_v5_debug() {
    differential("rr_basic_v5_debug", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            answer("the answer"),
            &[
                "-d",
                "-i",
                "rrc",
                "-t",
                "rr/req/a",
                "-e",
                "rr/resp",
                "-m",
                "the question",
            ],
        )
    });
}

#[test]
fn rr_basic_without_debug() {
    differential("rr_basic_without_debug", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            answer("the answer"),
            &["-i", "rrc", "-t", "rr/req/a", "-e", "rr/resp", "-m", "q"],
        )
    });
}

// rr_basic_v5_verbose_format: -q 1 is the QoS of the request and of the subscription.
#[test]
fn rr_qos1_verbose() {
    differential("rr_qos1_verbose", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            vec![Answer::echo(b"answer2").qos(QoS::AtLeastOnce)],
            &[
                "-d", "-i", "rrc", "-t", "rr/req/b", "-e", "rr/resp2", "-q", "1", "-m", "q2", "-v",
            ],
        )
    });
}

#[test]
fn rr_qos2_request_and_response() {
    differential("rr_qos2_request_and_response", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            vec![Answer::echo(b"answer3").qos(QoS::ExactlyOnce)],
            &[
                "-d", "-i", "rrc", "-t", "rr/req/c", "-e", "rr/resp3", "-q", "2", "-m", "q3",
            ],
        )
    });
}

#[test]
fn rr_qos2_subscription_qos1_response() {
    differential("rr_qos2_subscription_qos1_response", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            vec![Answer::echo(b"downgraded").qos(QoS::ExactlyOnce)],
            &[
                "-d", "-i", "rrc", "-t", "rr/req/c", "-e", "rr/resp3", "-q", "1", "-m", "q3",
            ],
        )
    });
}

// With the request's correlation data echoed, mosquitto_rr and rrr print the same response.
#[test]
fn rr_format_with_properties() {
    differential("rr_format_with_properties", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            vec![
                Answer::echo(b"formatted")
                    .property(Property::UserProperty("k".into(), "v".into()))
                    .property(Property::ContentType("text/plain".into())),
            ],
            &[
                "-i",
                "rrc",
                "-t",
                "rr/req/d",
                "-e",
                "rr/resp4",
                "-m",
                "q4",
                "-D",
                "publish",
                "correlation-data",
                "abc123",
                "-D",
                "publish",
                "user-property",
                "request",
                "one",
                "-F",
                "%t|%p|%q|%r|%l|%D|%P|%C|%R|%x",
            ],
        )
    });
}

#[test]
fn rr_no_eol_and_empty_response() {
    differential("rr_no_eol", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            answer("no end of line"),
            &["-i", "rrc", "-t", "rr/req/e", "-e", "rr/resp5", "-n", "-N"],
        )
    });
    // An empty payload prints nothing, not even the newline.
    differential("rr_empty_response", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            answer(""),
            &[
                "-d", "-i", "rrc", "-t", "rr/req/e", "-e", "rr/resp5", "-m", "",
            ],
        )
    });
}

#[test]
fn rr_json_pretty_response() {
    differential("rr_json_pretty_response", |ctx| {
        let responder = Responder::start(
            ctx.port(),
            "responder",
            V5,
            "rr/req/#",
            1,
            answer("{\"a\":[1,2]}"),
        );
        let out = ctx
            .rr([
                "-i", "rrc", "-t", "rr/req/f", "-e", "rr/resp6", "-m", "q", "-F", "%J", "--pretty",
            ])
            .run();
        responder.requests();
        // The receive time differs between the runs; its shape is checked.
        let masked = Output {
            stdout: mask_tst(&out.stdout),
            ..out
        };
        Observed::client(&masked)
    });
}

// rr_v311: no properties in 3.1.1; the responder must know where to answer.
#[test]
fn rr_v311() {
    differential("rr_v311", |ctx| {
        rr_with_responder(
            ctx,
            V311,
            vec![Answer::echo(b"answer6").to("rr/resp6")],
            &[
                "-d", "-V", "311", "-i", "rrc", "-t", "rr/req/g", "-e", "rr/resp6", "-m", "q6",
            ],
        )
    });
}

#[test]
fn rr_v31_with_id() {
    differential("rr_v31_with_id", |ctx| {
        rr_with_responder(
            ctx,
            V311,
            vec![Answer::echo(b"answer31").to("rr/resp31")],
            &[
                "-d",
                "-V",
                "mqttv31",
                "-i",
                "rrc",
                "-t",
                "rr/req/h",
                "-e",
                "rr/resp31",
                "-m",
                "q",
            ],
        )
    });
}

// rr_default_id: MQTT 5 without -i, the broker assigns the id shown from CONNACK on.
#[test]
fn rr_default_id() {
    differential("rr_default_id", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            answer("to whoever asked"),
            &["-d", "-t", "rr/req/i", "-e", "rr/resp7", "-m", "x"],
        )
    });
}

// rr_request_properties_seen_by_responder: -D publish goes before the response topic; -D connect,
// -x and -c with -i change the CONNECT only.
#[test]
fn rr_request_properties_and_session() {
    differential("rr_request_properties_and_session", |ctx| {
        rr_with_responder(
            ctx,
            V5,
            answer("ok"),
            &[
                "-d",
                "-i",
                "rrc",
                "-c",
                "-x",
                "30",
                "-k",
                "30",
                "-M",
                "5",
                "-t",
                "rr/req/j",
                "-e",
                "rr/resp8",
                "-m",
                "q",
                "-D",
                "publish",
                "correlation-data",
                "id-42",
                "-D",
                "publish",
                "content-type",
                "application/x-request",
                "-D",
                "publish",
                "message-expiry-interval",
                "60",
                "-D",
                "connect",
                "user-property",
                "who",
                "me",
                "-D",
                "subscribe",
                "user-property",
                "sub",
                "prop",
            ],
        )
    });
}

// `-D publish correlation-data` then `-V 311`: the request goes out without properties.
#[test]
fn rr_d_then_v311_sends_no_properties() {
    differential("rr_d_then_v311_sends_no_properties", |ctx| {
        rr_with_responder(
            ctx,
            V311,
            vec![Answer::echo(b"plain").to("rr/resp9")],
            &[
                "-d",
                "-i",
                "rrc",
                "-t",
                "rr/req/k",
                "-e",
                "rr/resp9",
                "-m",
                "q",
                "-D",
                "publish",
                "correlation-data",
                "x",
                "-V",
                "311",
            ],
        )
    });
}

// mosquitto_rr prints the first message on the response topic, a retained one too (without -R).
#[test]
fn rr_stale_retained_message_is_the_response() {
    differential("rr_stale_retained_message_is_the_response", |ctx| {
        ctx.peer_pub(["-i", "stale", "-t", "rr/resp10", "-m", "stale", "-r"])
            .run();
        let out = ctx
            .rr([
                "-d",
                "-i",
                "rrc",
                "-t",
                "rr/req/l",
                "-e",
                "rr/resp10",
                "-m",
                "q",
                "-F",
                "%r %p",
            ])
            .run();
        Observed::client(&out)
    });
}

// rr_timeout_no_responder: -W sends DISCONNECT (reason 4) and prints `Timed out`, exit 27.
#[test]
fn rr_timeout_without_responder() {
    differential("rr_timeout_without_responder", |ctx| {
        let out = ctx
            .rr([
                "-d",
                "-i",
                "rrc",
                "-t",
                "rr/req/m",
                "-e",
                "rr/resp11",
                "-m",
                "nobody",
                "-W",
                "1",
            ])
            .run();
        Observed::client(&out)
    });
    differential("rr_timeout_quiet", |ctx| {
        let out = ctx
            .rr([
                "--quiet",
                "-t",
                "rr/req/m",
                "-e",
                "rr/resp11",
                "-m",
                "nobody",
                "-W",
                "1",
            ])
            .run();
        Observed::client(&out)
    });
}

/// Runs the client under test with a will on `rr/will/<label>` while a peer watches that topic:
/// whether the broker published the will, and the client's output.
fn will_watched(ctx: &Ctx, responder: Option<Vec<Answer>>, extra: &[&str]) -> Observed {
    let mut watcher = ctx
        .peer_sub(["-i", "watcher", "-t", "rr/will/#", "-v", "-W", "3"])
        .spawn();
    ctx.wait_subscribed(&mut watcher, "watcher");
    let responder = responder
        .map(|answers| Responder::start(ctx.port(), "responder", V5, "rr/req/#", 1, answers));
    let out = ctx
        .rr(["-i", "rrc", "-t", "rr/req/w", "-e", "rr/resp/w", "-m", "q"])
        .args([
            "--will-topic",
            "rr/will/gone",
            "--will-payload",
            "rrc went away",
        ])
        .args(extra)
        .run();
    if let Some(responder) = responder {
        responder.requests();
    }
    Observed::client(&out).output("watcher", &watcher.wait())
}

// mosquitto_rr leaves without DISCONNECT after the response: the broker publishes the will.
#[test]
fn rr_will_after_the_response() {
    differential("rr_will_after_the_response", |ctx| {
        will_watched(ctx, Some(answer("done")), &[])
    });
}

// -W: MQTT 5 disconnects with reason 4 (the will is published), 3.1.1 with a plain DISCONNECT.
#[test]
fn rr_will_on_timeout() {
    differential("rr_will_on_timeout_v5", |ctx| {
        will_watched(ctx, None, &["-W", "1"])
    });
    differential("rr_will_on_timeout_v311", |ctx| {
        will_watched(ctx, None, &["-W", "1", "-V", "311"])
    });
}

// `-t ''`: libmosquitto refuses the publish, the loop ends: `Error: Invalid function arguments
// provided.`, exit 3, no DISCONNECT.
#[test]
fn rr_empty_request_topic() {
    differential("rr_empty_request_topic", |ctx| {
        let out = ctx
            .rr(["-d", "-i", "rrc", "-t", "", "-e", "rr/resp12", "-m", "q"])
            .run();
        Observed::client(&out)
    });
}

// `-e ''`: the SUBSCRIBE carries an empty filter; the MQTT 5 broker disconnects (129), exit 0.
#[test]
fn rr_empty_response_topic() {
    differential("rr_empty_response_topic", |ctx| {
        let out = ctx
            .rr([
                "-d", "-i", "rrc", "-t", "rr/req/n", "-e", "", "-m", "q", "-W", "5",
            ])
            .run();
        Observed::client(&out)
    });
}

// The request and the response on one topic: the request itself is the response.
#[test]
fn rr_request_on_its_own_response_topic() {
    differential("rr_request_on_its_own_response_topic", |ctx| {
        let out = ctx
            .rr([
                "-d", "-i", "rrc", "-t", "rr/loop", "-e", "rr/loop", "-m", "echo", "-v",
            ])
            .run();
        Observed::client(&out)
    });
}

// The default-options file: $XDG_CONFIG_HOME/mosquitto_rr (rrr reads it when there is no `rrr`).
#[test]
fn rr_options_file() {
    differential("rr_options_file", |ctx| {
        let config = ctx.dir.join("xdg");
        std::fs::create_dir_all(&config).expect("create the config dir");
        std::fs::write(
            config.join("mosquitto_rr"),
            format!("-h 127.0.0.1\n-p {}\n-d\n-e cfg/rr/resp\n", ctx.port()),
        )
        .expect("write the options file");
        let out = ctx
            .rr_raw()
            .args(["-i", "cfgrr", "-t", "cfg/rr/req", "-m", "x", "-W", "1"])
            .env("XDG_CONFIG_HOME", &config)
            .run();
        Observed::client(&out)
    });
}

// ---------------------------------------------------------------------------------------------------------
// With a scripted fake broker
// ---------------------------------------------------------------------------------------------------------

/// What the fake broker does after reading the client's CONNECT.
#[derive(Clone, Debug)]
enum Fake {
    /// Writes these bytes, then reads until the client closes.
    Reply(Vec<u8>),
    /// CONNACK 0, then answers the SUBSCRIBE with this code, then reads until the client closes
    /// (whether mosquitto_rr's DISCONNECT comes is a race, see [`against_fake`]).
    RefuseSubscription(u8),
    /// CONNACK 0, SUBACK granted, reads the request, then closes the connection.
    CloseAfterRequest,
    /// CONNACK 0, SUBACK granted, reads the request, then sends DISCONNECT with this reason (MQTT 5).
    DisconnectAfterRequest(u8),
}

/// A one-connection fake broker speaking `version`; its thread returns every packet it received.
fn fake_broker(version: Version, fake: Fake) -> (u16, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake broker");
    let port = listener.local_addr().expect("its address").port();
    let handle = thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return vec!["no connection".to_string()];
        };
        let mut wire = FakeWire::new(stream, version);
        wire.play(fake);
        wire.received
    });
    (port, handle)
}

struct FakeWire {
    stream: TcpStream,
    version: Version,
    buffer: Vec<u8>,
    received: Vec<String>,
    deadline: Instant,
}

impl FakeWire {
    fn new(stream: TcpStream, version: Version) -> FakeWire {
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        FakeWire {
            stream,
            version,
            buffer: Vec::new(),
            received: Vec::new(),
            deadline: Instant::now() + Duration::from_secs(15),
        }
    }

    fn play(&mut self, fake: Fake) {
        if self.next().is_none() {
            return;
        }
        let granted = |wire: &mut FakeWire| -> Option<()> {
            wire.send_packet(&Packet::ConnAck(ConnAck::default()));
            let id = wire.subscribe_id()?;
            wire.send_packet(&Packet::SubAck(SubAck {
                packet_id: id,
                return_codes: vec![0],
                properties: Properties::new(),
            }));
            wire.next()
        };
        match fake {
            Fake::Reply(bytes) => {
                let _ = self.stream.write_all(&bytes);
            }
            Fake::RefuseSubscription(code) => {
                self.send_packet(&Packet::ConnAck(ConnAck::default()));
                if let Some(id) = self.subscribe_id() {
                    self.send_packet(&Packet::SubAck(SubAck {
                        packet_id: id,
                        return_codes: vec![code],
                        properties: Properties::new(),
                    }));
                }
            }
            Fake::CloseAfterRequest => {
                let _ = granted(self);
                return;
            }
            Fake::DisconnectAfterRequest(reason) => {
                if granted(self).is_some() {
                    self.send_packet(&Packet::Disconnect(codec::Disconnect {
                        reason_code: reason,
                        properties: Properties::new(),
                    }));
                }
                return;
            }
        }
        while self.next().is_some() {}
    }

    /// Reads the client's SUBSCRIBE: its packet id.
    fn subscribe_id(&mut self) -> Option<u16> {
        loop {
            let packet = self.next_packet()?;
            if let Packet::Subscribe(subscribe) = packet {
                return Some(subscribe.packet_id);
            }
        }
    }

    fn send_packet(&mut self, packet: &Packet) {
        let mut bytes = Vec::new();
        codec::encode(packet, self.version, &mut bytes).expect("the fake's packet encodes");
        let _ = self.stream.write_all(&bytes);
    }

    /// The next packet (recorded), `None` once the client closed or after the hang limit.
    fn next(&mut self) -> Option<()> {
        self.next_packet().map(|_| ())
    }

    fn next_packet(&mut self) -> Option<Packet> {
        loop {
            match codec::decode(&self.buffer, self.version, usize::MAX) {
                Ok(Some((packet, used))) => {
                    self.buffer.drain(..used);
                    self.received.push(format!("{packet:?}"));
                    return Some(packet);
                }
                Ok(None) => {}
                Err(err) => {
                    self.received.push(format!("undecodable: {err:?}"));
                    return None;
                }
            }
            if Instant::now() > self.deadline {
                self.received.push("(still open after 15 s)".into());
                return None;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
    }
}

/// rrr under the name `mosquitto_rr` (a symlink in `dir`), so that the one message naming the
/// program reads the same.
fn rrr_named_mosquitto_rr(dir: &TempDir) -> PathBuf {
    let link = dir.join("mosquitto_rr");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_rrr"), &link).expect("symlink to rrr");
    }
    link
}

/// Removes our `Client <id> protocol violation by the broker: ...` lines from `stdout`; returns how
/// many there were.
fn without_violation_line(stdout: &mut Vec<u8>) -> usize {
    let text = String::from_utf8_lossy(stdout).into_owned();
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|line| !line.contains(" protocol violation by the broker: "))
        .collect();
    let removed = text.split_inclusive('\n').count() - kept.len();
    if removed > 0 {
        *stdout = kept.concat().into_bytes();
    }
    removed
}

/// Runs mosquitto_rr and rrr, each against its own fake broker doing `fake` in `version`, with
/// `args` after `-p PORT`, and asserts that stdout, stderr, exit code and what the fake received are
/// the same.
fn against_fake(name: &str, version: Version, fake: Fake, args: &[&str]) {
    let dir = TempDir::new(name);
    let run = |program: PathBuf| -> (Output, Vec<String>) {
        let (port, broker) = fake_broker(version, fake.clone());
        let out = ClientRun::new(program)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(args)
            .run();
        (out, broker.join().expect("the fake broker thread"))
    };
    let ours_program = rrr_named_mosquitto_rr(&dir);
    let (theirs, ours) = thread::scope(|s| {
        let theirs = s.spawn(|| run(common::mosquitto_rr()));
        let ours = s.spawn(|| run(ours_program.clone()));
        (
            theirs.join().expect("mosquitto_rr run"),
            ours.join().expect("rrr run"),
        )
    });
    let (mut theirs, mut ours) = (theirs, ours);
    if let Fake::RefuseSubscription(_) = fake {
        // mosquitto_rr queues its DISCONNECT inside the SUBACK callback and leaves its loop; whether
        // the DISCONNECT is written before the socket closes is a race (mostly not). rrr always
        // writes it: what the fakes received is compared without it.
        assert!(
            ours.1
                .last()
                .is_some_and(|last| last.starts_with("Disconnect(")),
            "{name}: rrr did not send its DISCONNECT: {:?}",
            ours.1
        );
        for received in [&mut theirs.1, &mut ours.1] {
            if received
                .last()
                .is_some_and(|last| last.starts_with("Disconnect("))
            {
                received.pop();
            }
        }
    }
    // Our addition under `-d` (issue 13): one line saying what the broker did wrong, which
    // mosquitto_rr does not print. The outputs are compared without it.
    let explained = without_violation_line(&mut ours.0.stdout);
    assert!(
        explained <= 1,
        "{name}: {explained} protocol violation lines"
    );
    let show = |(out, received): &(Output, Vec<String>)| {
        format!(
            "{}\nthe fake broker received:\n  {}",
            out.dump(),
            received.join("\n  ")
        )
    };
    assert!(
        theirs.0.stdout == ours.0.stdout
            && theirs.0.stderr == ours.0.stderr
            && theirs.0.code() == ours.0.code()
            && theirs.1 == ours.1,
        "{name}: mosquitto_rr and rrr differ\n--- mosquitto_rr:\n{}\n--- rrr:\n{}",
        show(&theirs),
        show(&ours)
    );
    eprintln!("{name}: identical");
}

const REQUEST: [&str; 9] = ["-d", "-i", "f", "-t", "a", "-e", "b", "-m", "x"];

fn with_request(extra: &[&'static str]) -> Vec<&'static str> {
    REQUEST.iter().chain(extra).copied().collect()
}

// A 3.1.1-only broker answers an MQTT 5 CONNECT with the 3.1.1 "unacceptable protocol version":
// mosquitto_rr takes it as 132 and says it needs an MQTT 5 broker, sends DISCONNECT, exits 132.
#[test]
fn rr_broker_without_mqtt5() {
    against_fake(
        "rr_broker_without_mqtt5",
        V311,
        Fake::Reply(vec![0x20, 0x02, 0x00, 0x01]),
        &with_request(&["-W", "3"]),
    );
}

// A 3.1.1 CONNACK with another code where an MQTT 5 one was expected: a protocol error, exit 2.
#[test]
fn rr_broker_answering_mqtt5_with_a_short_connack() {
    against_fake(
        "rr_broker_answering_mqtt5_with_a_short_connack",
        V311,
        Fake::Reply(vec![0x20, 0x02, 0x00, 0x05]),
        &with_request(&["-W", "3"]),
    );
}

// Refused CONNACKs: the MQTT 5 reason string, even for a 3.1.1 return code (5 reads `Unknown
// reason`), DISCONNECT, the code as exit status.
#[test]
fn rr_refused_connack() {
    against_fake(
        "rr_refused_connack_v5",
        V5,
        Fake::Reply(vec![0x20, 0x03, 0x00, 0x87, 0x00]),
        &with_request(&[]),
    );
    against_fake(
        "rr_refused_connack_v311",
        V311,
        Fake::Reply(vec![0x20, 0x02, 0x00, 0x05]),
        &with_request(&["-V", "311"]),
    );
    against_fake(
        "rr_refused_connack_quiet",
        V5,
        Fake::Reply(vec![0x20, 0x03, 0x00, 0x84, 0x00]),
        &with_request(&["--quiet"]),
    );
}

// err_rr_denied_subscribe: the reason string of the SUBACK code, DISCONNECT, exit 0.
#[test]
fn rr_refused_subscription() {
    against_fake(
        "rr_refused_subscription_v5",
        V5,
        Fake::RefuseSubscription(0x87),
        &with_request(&["-W", "3"]),
    );
    against_fake(
        "rr_refused_subscription_v311",
        V311,
        Fake::RefuseSubscription(0x80),
        &with_request(&["-V", "311", "-W", "3"]),
    );
}

// -W before CONNACK: mosquitto_rr's alarm sends DISCONNECT (reason 4) anyway, `Timed out`, 27.
#[test]
fn rr_timeout_before_connack() {
    against_fake(
        "rr_timeout_before_connack",
        V5,
        Fake::Reply(Vec::new()),
        &with_request(&["-W", "1"]),
    );
}

// The connection drops after the request: `Error: The connection was lost.`, exit 7.
#[test]
fn rr_connection_lost_while_waiting() {
    against_fake(
        "rr_connection_lost_while_waiting",
        V5,
        Fake::CloseAfterRequest,
        &with_request(&[]),
    );
}

// An MQTT 5 server DISCONNECT ends the run: `Received DISCONNECT (139)` with -d, exit 0.
#[test]
fn rr_server_disconnect_while_waiting() {
    against_fake(
        "rr_server_disconnect_while_waiting",
        V5,
        Fake::DisconnectAfterRequest(139),
        &with_request(&[]),
    );
}

// What goes on the wire: the CONNECT (receive maximum 1, as mosquitto_rr's message count, unless
// `-D connect receive-maximum`; the session expiry after the -D connect properties), the SUBSCRIBE
// (QoS, -D subscribe) and the request (QoS, -D publish, then the response topic).
#[test]
fn rr_packets_on_the_wire() {
    against_fake(
        "rr_packets_on_the_wire_v5",
        V5,
        Fake::CloseAfterRequest,
        &with_request(&[
            "-q",
            "1",
            "-c",
            "-x",
            "30",
            "-k",
            "20",
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-D",
            "subscribe",
            "user-property",
            "s",
            "p",
            "-D",
            "publish",
            "correlation-data",
            "id-7",
            "-D",
            "disconnect",
            "user-property",
            "d",
            "e",
            "--will-topic",
            "w",
            "--will-payload",
            "bye",
            "--will-qos",
            "1",
            "-D",
            "will",
            "content-type",
            "text/plain",
        ]),
    );
    against_fake(
        "rr_packets_on_the_wire_receive_maximum",
        V5,
        Fake::CloseAfterRequest,
        &with_request(&[
            "-q",
            "2",
            "-D",
            "connect",
            "receive-maximum",
            "5",
            "-u",
            "me",
            "-P",
            "pw",
        ]),
    );
    against_fake(
        "rr_packets_on_the_wire_v311",
        V311,
        Fake::CloseAfterRequest,
        &with_request(&[
            "-V",
            "311",
            "-q",
            "2",
            "-c",
            "--will-topic",
            "w",
            "--will-retain",
        ]),
    );
}

// The keepalive runs out without a CONNACK: `Error: Unknown error.`, exit 19 (after -k seconds).
#[test]
fn rr_keepalive_expires_without_connack() {
    against_fake(
        "rr_keepalive_expires_without_connack",
        V5,
        Fake::Reply(Vec::new()),
        &with_request(&["-k", "5"]),
    );
}

// ---------------------------------------------------------------------------------------------------------
// Where rrr is better than mosquitto_rr 2.0.11 (docs/decisions.md)
// ---------------------------------------------------------------------------------------------------------

/// rrr (or, for comparison, mosquitto_rr) against a fresh broker and a responder that answers
/// `answers` to one request.
fn run_with_responder(
    program: PathBuf,
    version: Version,
    answers: Vec<Answer>,
    args: &[&str],
) -> (Output, Vec<String>) {
    let broker = common::Broker::start();
    let responder = Responder::start(broker.port(), "responder", version, "rr/req/#", 1, answers);
    let out = ClientRun::new(program)
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(args)
        .run();
    let requests = responder.requests().iter().map(describe).collect();
    (out, requests)
}

fn rrr() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rrr"))
}

// A responder that answers with the wrong correlation data first, then without any, then with the
// right one: rrr prints only the right one (mosquitto_rr prints the first; PR #2812 was never
// merged).
#[test]
fn rrr_prints_only_the_response_with_the_requests_correlation_data() {
    let answers = || {
        vec![
            Answer::echo(b"for someone else").correlation(Correlation::Fixed(b"id-0".to_vec())),
            Answer::echo(b"uncorrelated").correlation(Correlation::Absent),
            Answer::echo(b"ours").qos(QoS::AtLeastOnce),
        ]
    };
    let args = [
        "-d",
        "-i",
        "rrc",
        "-t",
        "rr/req/x",
        "-e",
        "rr/resp/x",
        "-m",
        "q",
        "-D",
        "publish",
        "correlation-data",
        "id-1",
        "-W",
        "5",
        "-q",
        "1",
    ];
    let (ours, requests) = run_with_responder(rrr(), V5, answers(), &args);
    assert_eq!(ours.code(), Some(0), "{}", ours.dump());
    assert_eq!(ours.stderr_text(), "");
    let stdout = ours.stdout_text();
    assert!(
        stdout.ends_with("Client rrc sending PUBACK (m1, rc0)\nours\n"),
        "{stdout}"
    );
    // The ignored messages are still traced, as every received packet is.
    assert_eq!(stdout.matches("received PUBLISH").count(), 3, "{stdout}");
    assert!(!stdout.contains("for someone else") && !stdout.contains("uncorrelated\n"));
    assert!(
        requests[0].contains("CorrelationData([105, 100, 45, 49])"),
        "{requests:?}"
    );
    // What mosquitto_rr 2.0.11 does with the same responder.
    let (theirs, _) = run_with_responder(common::mosquitto_rr(), V5, answers(), &args);
    assert!(
        theirs.stdout_text().ends_with("for someone else\n"),
        "{}",
        theirs.dump()
    );
}

// -R: a stale retained message is not the response (mosquitto_rr 2.1; 2.0.11 ignores -R), and the
// broker is asked not to send it (MQTT 5 retain handling 2, `Options: 0x20`).
#[test]
fn rrr_r_skips_a_stale_retained_response() {
    let broker = common::Broker::start();
    let port = broker.port().to_string();
    let stale = ClientRun::new(common::mosquitto_pub())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-t",
            "rr/resp/r",
            "-m",
            "stale",
            "-r",
        ])
        .run();
    stale.assert_success();
    let responder = Responder::start(
        broker.port(),
        "responder",
        V5,
        "rr/req/#",
        1,
        answer("fresh"),
    );
    let out = ClientRun::new(rrr())
        .args(["-h", "127.0.0.1", "-p", &port, "-d", "-i", "rrc", "-R"])
        .args([
            "-t",
            "rr/req/r",
            "-e",
            "rr/resp/r",
            "-m",
            "q",
            "--retain-as-published",
        ])
        .run();
    responder.requests();
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    let stdout = out.stdout_text();
    assert!(stdout.contains("QoS: 0, Options: 0x28)"), "{stdout}");
    assert!(
        stdout.ends_with("fresh\n") && !stdout.contains("stale"),
        "{stdout}"
    );
}

// -f and -s send the file or stdin (mosquitto_rr 2.0.11 sends 0 bytes).
#[test]
fn rrr_sends_the_file_or_stdin_as_the_request() {
    let dir = TempDir::new("rrr-input");
    let file = dir.write("request.bin", b"from\0a file\n");
    let file_arg = file.to_string_lossy().into_owned();
    let (out, requests) = run_with_responder(
        rrr(),
        V5,
        answer("got it"),
        &[
            "-i",
            "rrc",
            "-t",
            "rr/req/f",
            "-e",
            "rr/resp/f",
            "-f",
            &file_arg,
        ],
    );
    assert_eq!(
        (out.code(), out.stdout_text()),
        (Some(0), "got it\n".to_string())
    );
    assert!(
        requests[0].contains("payload=\"from\\0a file\\n\""),
        "{requests:?}"
    );
    let broker = common::Broker::start();
    let responder = Responder::start(broker.port(), "responder", V5, "rr/req/#", 1, answer("ok"));
    let out = ClientRun::new(rrr())
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-i", "rrc", "-t", "rr/req/s", "-e", "rr/resp/s", "-s"])
        .stdin(&b"from stdin"[..])
        .run();
    let requests = responder.requests();
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(requests[0].payload, b"from stdin");
}

// --latency (mosquitto_rr 2.1): the time from request to response after the response.
#[test]
fn rrr_latency_line_follows_the_response() {
    let (out, _) = run_with_responder(
        rrr(),
        V5,
        answer("timed"),
        &[
            "-i",
            "rrc",
            "-t",
            "rr/req/t",
            "-e",
            "rr/resp/t",
            "-m",
            "q",
            "--latency",
            "-N",
        ],
    );
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    let stdout = out.stdout_text();
    let line = stdout
        .strip_prefix("timedLatency: ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{stdout:?}"));
    // Below a second here: milliseconds or microseconds with six decimals.
    let number = line
        .strip_suffix("ms")
        .or_else(|| line.strip_suffix("µs"))
        .unwrap_or_else(|| panic!("{line:?}"));
    let (whole, decimals) = number.split_once('.').unwrap_or_else(|| panic!("{line:?}"));
    assert!(
        whole.parse::<u32>().is_ok() && decimals.len() == 6,
        "{line:?}"
    );
}

// mosquitto_rr's 132 message names the program: rrr names itself.
#[test]
fn rrr_names_itself_when_the_broker_lacks_mqtt5() {
    let (port, broker) = fake_broker(V311, Fake::Reply(vec![0x20, 0x02, 0x00, 0x01]));
    let out = ClientRun::new(rrr())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            "a",
            "-e",
            "b",
            "-m",
            "x",
        ])
        .run();
    broker.join().expect("the fake broker");
    assert_eq!(out.code(), Some(132));
    assert_eq!(
        out.stderr_text(),
        "Connection error: Unsupported Protocol Version. rrr only supports connecting to an MQTT v5 broker\n"
    );
}

/// The JSON `tst` (`2026-11-25T22:46:02.239020Z+0000`) replaced after its shape was checked.
fn mask_tst(bytes: &[u8]) -> Vec<u8> {
    const SHAPE: &[u8] = b"9999-99-99T99:99:99.999999Z+9999";
    let matches = |at: &[u8]| {
        at.len() >= SHAPE.len()
            && SHAPE.iter().zip(at).all(|(&p, &b)| match p {
                b'9' => b.is_ascii_digit(),
                b'+' => b == b'+' || b == b'-',
                _ => p == b,
            })
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if matches(&bytes[i..]) {
            out.extend_from_slice(b"<TST>");
            i += SHAPE.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
