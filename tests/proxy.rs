//! `--proxy socks5h://...`: rpub/rsub through a tiny SOCKS5 server written here (RFC 1928/1929; CONNECT
//! by IPv4 address or by name: clients send address literals as addresses and names for the proxy to
//! resolve), against a real mosquitto broker. The publisher is compared with mosquitto_pub going
//! through the same kind of proxy. Percent-encoded credentials are checked against a real SOCKS5 server
//! with user name/password login, microsocks, for both clients.

mod common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{Broker, ClientRun, Differential, Observed};

/// What the test proxy saw: the host names and ports it was asked to connect to.
type Requests = Arc<Mutex<Vec<(String, u16)>>>;

struct SocksServer {
    port: u16,
    requests: Requests,
}

/// Starts a SOCKS5 proxy on a free loopback port. With `credentials`, only that user name/password
/// is accepted; `refuse` makes it answer every CONNECT with reply 5 (connection refused).
fn socks_server(credentials: Option<(&'static str, &'static str)>, refuse: bool) -> SocksServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("proxy addr").port();
    let requests: Requests = Arc::default();
    let seen = Arc::clone(&requests);
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let seen = Arc::clone(&seen);
            thread::spawn(move || {
                let _ = serve(client, credentials, refuse, &seen);
            });
        }
    });
    SocksServer { port, requests }
}

fn serve(
    mut client: TcpStream,
    credentials: Option<(&str, &str)>,
    refuse: bool,
    seen: &Requests,
) -> io::Result<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head)?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods)?;
    match credentials {
        None => client.write_all(&[5, 0])?,
        Some((user, pass)) => {
            if !methods.contains(&2) {
                return client.write_all(&[5, 0xff]);
            }
            client.write_all(&[5, 2])?;
            let mut version_and_len = [0u8; 2];
            client.read_exact(&mut version_and_len)?;
            let mut got_user = vec![0u8; usize::from(version_and_len[1])];
            client.read_exact(&mut got_user)?;
            let mut pass_len = [0u8; 1];
            client.read_exact(&mut pass_len)?;
            let mut got_pass = vec![0u8; usize::from(pass_len[0])];
            client.read_exact(&mut got_pass)?;
            if got_user != user.as_bytes() || got_pass != pass.as_bytes() {
                return client.write_all(&[1, 1]);
            }
            client.write_all(&[1, 0])?;
        }
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request)?;
    let host = match request[3] {
        1 => {
            let mut address = [0u8; 4];
            client.read_exact(&mut address)?;
            std::net::Ipv4Addr::from(address).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return client.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let port = u16::from_be_bytes(port);
    if let Ok(mut seen) = seen.lock() {
        seen.push((host.clone(), port));
    }
    let upstream = if refuse {
        None
    } else {
        TcpStream::connect((host.as_str(), port)).ok()
    };
    let Some(upstream) = upstream else {
        return client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    };
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (mut client_in, mut upstream_out) = (client.try_clone()?, upstream.try_clone()?);
    let forward = thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(Shutdown::Write);
    });
    let (mut upstream_in, mut client_out) = (upstream, client);
    let _ = io::copy(&mut upstream_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Write);
    let _ = forward.join();
    Ok(())
}

/// The publisher through the proxy, compared with mosquitto_pub through its own proxy; the peer
/// subscriber connects directly.
#[test]
fn publish_through_a_socks5_proxy() {
    Differential::new("proxy_pub_qos1").run(|ctx| {
        let proxy = socks_server(None, false);
        let mut peer = ctx
            .peer_sub(["-i", "peer", "-W", "8", "-t", "px/t", "-C", "1", "-v"])
            .spawn();
        ctx.wait_subscribed(&mut peer, "peer");
        let out = ctx
            .pub_([
                "-d",
                "-i",
                "viaproxy",
                "-t",
                "px/t",
                "-q",
                "1",
                "-m",
                "through socks",
            ])
            .args(["--proxy", &format!("socks5h://127.0.0.1:{}", proxy.port)])
            .run();
        Observed::client(&out).output("peer", &peer.wait())
    });
}

#[test]
fn rsub_through_a_proxy_with_credentials_resolves_remotely() {
    let broker = Broker::start();
    let proxy = socks_server(Some(("alice", "s3cret")), false);
    let sub = ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
        .args(["-h", "localhost", "-p", &broker.port().to_string()])
        .args(["-i", "rsubproxy", "-t", "px/#", "-C", "1", "-v"])
        .args([
            "--proxy",
            &format!("socks5h://alice:s3cret@127.0.0.1:{}", proxy.port),
        ])
        .timeout(Duration::from_secs(10))
        .spawn();
    broker.wait_for_log("Received SUBSCRIBE from rsubproxy", Duration::from_secs(10));
    ClientRun::new(common::mosquitto_pub())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &broker.port().to_string(),
            "-t",
            "px/s",
            "-m",
            "hi",
        ])
        .run()
        .assert_success();
    let out = sub.wait();
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stdout_text(), "px/s hi\n");
    let requests = proxy.requests.lock().expect("requests").clone();
    assert_eq!(requests, vec![("localhost".to_string(), broker.port())]);
}

#[test]
fn proxy_failures_are_explained() {
    let broker = Broker::start();
    let run = |proxy_url: String| {
        ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &broker.port().to_string(),
                "-t",
                "t",
                "-m",
                "x",
            ])
            .args(["--proxy", &proxy_url])
            .timeout(Duration::from_secs(10))
            .run()
    };
    let refusing = socks_server(None, true);
    let out = run(format!("socks5h://127.0.0.1:{}", refusing.port));
    assert_eq!(out.code(), Some(1), "{}", out.dump());
    assert_eq!(
        out.stderr_text(),
        "Error: the SOCKS5 proxy could not connect to the broker: connection refused (reply code 5)\n"
    );
    let strict = socks_server(Some(("alice", "s3cret")), false);
    let wrong = run(format!("socks5h://alice:nope@127.0.0.1:{}", strict.port));
    assert_eq!(wrong.code(), Some(1));
    assert_eq!(
        wrong.stderr_text(),
        "Error: the SOCKS5 proxy rejected the user name or password\n"
    );
    let anonymous = run(format!("socks5h://127.0.0.1:{}", strict.port));
    assert!(
        anonymous
            .stderr_text()
            .contains("accepts none of our login methods")
    );
    // Nothing listens on the proxy port: the connect error, as for a broker.
    let nowhere = run("socks5h://127.0.0.1:1".to_string());
    assert_eq!(nowhere.code(), Some(1));
    assert_eq!(nowhere.stderr_text(), "Error: Connection refused\n");
}

/// rrr through the proxy, compared with mosquitto_rr through its own proxy (the request on its own
/// response topic is the response).
#[test]
fn rr_through_a_socks5_proxy() {
    Differential::new("proxy_rr").run(|ctx| {
        let proxy = socks_server(None, false);
        let out = ctx
            .rr([
                "-d",
                "-i",
                "rrproxy",
                "-t",
                "px/loop",
                "-e",
                "px/loop",
                "-m",
                "via socks",
            ])
            .args(["--proxy", &format!("socks5h://127.0.0.1:{}", proxy.port)])
            .run();
        let requests = proxy.requests.lock().expect("requests").clone();
        Observed::client(&out).bytes(
            "proxy requests",
            format!(
                "{:?}",
                requests.iter().map(|(host, _)| host).collect::<Vec<_>>()
            )
            .as_bytes(),
        )
    });
}

// ---------------------------------------------------------------------------------------------------------
// Percent-encoded credentials against a real SOCKS5 server (microsocks), differential with mosquitto_pub
// ---------------------------------------------------------------------------------------------------------

/// A microsocks server (Debian package; scripts/test.sh installs it) that accepts only this user name
/// and password; killed on drop.
struct Microsocks {
    port: u16,
    child: std::process::Child,
}

impl Microsocks {
    fn start(user: &str, password: &str) -> Microsocks {
        let program = common::find_program("microsocks", &["/usr/bin"]).unwrap_or_else(|| {
            panic!("microsocks not found: install it with `apt-get install -y microsocks` (scripts/test.sh does)")
        });
        let port = common::free_port();
        let child = std::process::Command::new(program)
            .args([
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-u",
                user,
                "-P",
                password,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start microsocks");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "microsocks did not listen on {port}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        Microsocks { port, child }
    }

    fn url(&self, credentials: &str) -> String {
        format!("socks5h://{credentials}@127.0.0.1:{}", self.port)
    }
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// mosquitto_pub and rpub publish through `proxy_url` to the same broker.
fn both_through(broker: &Broker, proxy_url: &str) -> (common::Output, common::Output) {
    let run = |program: std::ffi::OsString| {
        ClientRun::new(program)
            .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
            .args(["-t", "px/enc", "-q", "1", "-m", "x", "--proxy", proxy_url])
            .timeout(Duration::from_secs(10))
            .run()
    };
    (
        run(common::mosquitto_pub().into()),
        run(env!("CARGO_BIN_EXE_rpub").into()),
    )
}

/// `%3A`, `%3a` and `%25` in the password (and `%3A` in the user name) are decoded by both clients, and
/// a raw ':' after the first one belongs to the password for both (mosquitto_pub 2.0.11's split).
#[test]
fn percent_encoded_proxy_credentials_like_mosquitto() {
    let broker = Broker::start();
    let colon = Microsocks::start("user", "pa:ss");
    let percent = Microsocks::start("us:er", "50%off");
    for url in [
        colon.url("user:pa%3Ass"),
        colon.url("user:pa%3ass"),
        colon.url("user:pa:ss"),
        percent.url("us%3Aer:50%25off"),
    ] {
        let (theirs, ours) = both_through(&broker, &url);
        let both = format!("{url}\n{}\n{}", theirs.dump(), ours.dump());
        assert_eq!(theirs.code(), Some(0), "{both}");
        assert_eq!(ours.code(), Some(0), "{both}");
        assert_eq!(ours.stdout, theirs.stdout, "{both}");
        assert_eq!(ours.stderr, theirs.stderr, "{both}");
    }
    // the wrong password is refused by the server for both
    let (theirs, ours) = both_through(&broker, &colon.url("user:pa%3Axx"));
    assert_ne!(theirs.code(), Some(0), "{}", theirs.dump());
    assert_eq!(
        ours.stderr_text(),
        "Error: the SOCKS5 proxy rejected the user name or password\n"
    );
}

/// Escapes other than `%25`, `%3A`/`%3a` and `%40` are refused before connecting by both (mosquitto
/// prints only its `Use` line; we say why).
#[test]
fn unknown_proxy_escapes_are_refused_like_mosquitto() {
    let broker = Broker::start();
    let proxy = Microsocks::start("user", "pass");
    for credentials in ["user:pa%41ss", "user:pass%", "user:pass%3", "us%20er:pass"] {
        let (theirs, ours) = both_through(&broker, &proxy.url(credentials));
        let both = format!("{credentials}\n{}\n{}", theirs.dump(), ours.dump());
        assert_eq!(theirs.code(), Some(1), "{both}");
        assert_eq!(ours.code(), Some(1), "{both}");
        assert_eq!(
            theirs.stderr_text(),
            "\nUse 'mosquitto_pub --help' to see usage.\n",
            "{both}"
        );
        assert_eq!(
            ours.stderr_text(),
            "Error: Invalid proxy URL: in the user name and password only %25 (%), %3A (:) and %40 (@) \
             may be percent-encoded.\n\nUse 'rpub --help' to see usage.\n",
            "{both}"
        );
    }
}

/// The one deliberate difference: mosquitto_pub 2.0.11 decodes `%40` to ':' (a slip: its comment says
/// '@'), so a password with an '@' cannot be given to it at all; rpub decodes `%40` to '@'.
#[test]
fn percent_40_is_an_at_sign() {
    let broker = Broker::start();
    let proxy = Microsocks::start("user", "p@ss");
    let (theirs, ours) = both_through(&broker, &proxy.url("user:p%40ss"));
    assert_eq!(ours.code(), Some(0), "{}", ours.dump());
    assert_ne!(theirs.code(), Some(0), "{}", theirs.dump());
    // what mosquitto_pub sends for %40
    let colon = Microsocks::start("user", "p:ss");
    let (theirs, _) = both_through(&broker, &colon.url("user:p%40ss"));
    assert_eq!(theirs.code(), Some(0), "{}", theirs.dump());
}
