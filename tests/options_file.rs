//! The default-options file (`$XDG_CONFIG_HOME/<tool>` or `$HOME/.config/<tool>`): differential scenarios
//! with mosquitto's own file name (both tools read `mosquitto_pub` / `mosquitto_sub`), plus our own
//! `rpub` / `rsub` / `rrr` files, which take precedence (rrr's differential scenario with
//! `mosquitto_rr` is in rr_differential.rs).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Broker, ClientRun, Ctx, Observed, TempDir, differential};

/// A config dir holding `name` with `content` (`PORT` replaced by the scenario's broker port).
fn config_dir(ctx: &Ctx, name: &str, content: &str) -> TempDir {
    let dir = TempDir::new("xdg");
    dir.write(name, content.replace("PORT", &ctx.port().to_string()));
    dir
}

/// The publisher under test invoked through a symlink named `mosquitto_pub`, so that error messages
/// name the same program for both tools. The returned dir must live as long as the run.
fn pub_as_mosquitto_pub(ctx: &Ctx) -> (TempDir, ClientRun) {
    let dir = TempDir::new("bin");
    let link = dir.join("mosquitto_pub");
    std::os::unix::fs::symlink(ctx.pub_raw().program(), &link).expect("symlink");
    (dir, ClientRun::new(link))
}

/// Runs the publisher under test with `XDG_CONFIG_HOME` = `dir` and `args`, a mosquitto_sub peer
/// collecting what arrives on `cfg/#`.
fn pub_with_config(ctx: &Ctx, dir: &TempDir, args: &[&str]) -> Observed {
    let mut peer = ctx
        .peer_sub(["-i", "peer", "-W", "3", "-v", "-t", "cfg/#"])
        .spawn();
    ctx.wait_subscribed(&mut peer, "peer");
    let out = ctx
        .pub_raw()
        .env("XDG_CONFIG_HOME", dir.path())
        .args(args)
        .run();
    Observed::client(&out).output("peer", &peer.wait())
}

#[test]
fn pub_reads_options_from_xdg_config_home() {
    differential("options_pub_xdg", |ctx| {
        let dir = config_dir(
            ctx,
            "mosquitto_pub",
            "# defaults\n-h 127.0.0.1\n-p PORT\n-d\n-i cfgid\n",
        );
        pub_with_config(ctx, &dir, &["-t", "cfg/t", "-m", "x"])
    });
}

#[test]
fn crlf_blank_lines_and_leading_spaces() {
    differential("options_crlf", |ctx| {
        let dir = config_dir(
            ctx,
            "mosquitto_pub",
            "-h 127.0.0.1\r\n\r\n\n   -p PORT\r\n-d\r\n-i crlfid\r\n",
        );
        pub_with_config(ctx, &dir, &["-t", "cfg/t", "-m", "x"])
    });
}

#[test]
fn value_keeps_inner_and_trailing_spaces() {
    differential("options_value_spaces", |ctx| {
        let dir = config_dir(
            ctx,
            "mosquitto_pub",
            "-h 127.0.0.1\n-p PORT\n-m hello   world\n-d\n-i myid   \n",
        );
        pub_with_config(ctx, &dir, &["-t", "cfg/t"])
    });
}

#[test]
fn two_options_on_one_line_is_one_value() {
    // "-p PORT -d": atoi("PORT -d") is the port and -d is not applied.
    differential("options_two_on_one_line", |ctx| {
        let dir = config_dir(
            ctx,
            "mosquitto_pub",
            "-h 127.0.0.1\n-p PORT -d\n-i twoopts\n",
        );
        pub_with_config(ctx, &dir, &["-t", "cfg/t", "-m", "x"])
    });
}

#[test]
fn tab_is_not_a_separator() {
    differential("options_tab", |ctx| {
        let dir = config_dir(ctx, "mosquitto_pub", "-h 127.0.0.1\n-p\t18831\n");
        let (_bin, client) = pub_as_mosquitto_pub(ctx);
        Observed::client(
            &client
                .env("XDG_CONFIG_HOME", dir.path())
                .args(["-t", "cfg/t", "-m", "x"])
                .run(),
        )
    });
}

#[test]
fn message_in_file_and_on_command_line_conflict() {
    differential("options_message_conflict", |ctx| {
        let dir = config_dir(ctx, "mosquitto_pub", "-m from-file\n");
        let (_bin, client) = pub_as_mosquitto_pub(ctx);
        Observed::client(
            &client
                .args(["-t", "cfg/t", "-m", "x"])
                .env("XDG_CONFIG_HOME", dir.path())
                .run(),
        )
    });
}

#[test]
fn command_line_overrides_scalars() {
    differential("options_override", |ctx| {
        let dir = config_dir(ctx, "mosquitto_pub", "-q 1\n-i fromfile\n-d\n");
        pub_with_config(
            ctx,
            &dir,
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &ctx.port().to_string(),
                "-q",
                "2",
                "-i",
                "fromargs",
                "-t",
                "cfg/t",
                "-m",
                "x",
            ],
        )
    });
}

#[test]
fn errors_in_the_file_are_usage_errors() {
    differential("options_bad_value", |ctx| {
        let dir = config_dir(ctx, "mosquitto_pub", "-q 3\n");
        let (_bin, client) = pub_as_mosquitto_pub(ctx);
        Observed::client(
            &client
                .args(["-t", "cfg/t", "-m", "x"])
                .env("XDG_CONFIG_HOME", dir.path())
                .run(),
        )
    });
}

#[test]
fn sub_topics_from_file_and_command_line_accumulate() {
    differential("options_sub_topics", |ctx| {
        let dir = config_dir(ctx, "mosquitto_sub", "-t cfg/a\n-v\n-d\n-i subcfg\n");
        let mut sub = ctx
            .sub(["-t", "cfg/b", "-C", "2"])
            .env("XDG_CONFIG_HOME", dir.path())
            .spawn();
        ctx.wait_subscribed(&mut sub, "subcfg");
        ctx.peer_pub(["-t", "cfg/a", "-m", "one"]).run();
        ctx.peer_pub(["-t", "cfg/b", "-m", "two"]).run();
        Observed::client(&sub.wait())
    });
}

#[test]
fn pub_file_is_not_read_by_sub() {
    differential("options_pub_file_not_for_sub", |ctx| {
        let dir = config_dir(ctx, "mosquitto_pub", "-d\n");
        let mut sub = ctx
            .sub(["-i", "subonly", "-t", "cfg/a", "-C", "1"])
            .env("XDG_CONFIG_HOME", dir.path())
            .spawn();
        ctx.wait_subscribed(&mut sub, "subonly");
        ctx.peer_pub(["-t", "cfg/a", "-m", "one"]).run();
        Observed::client(&sub.wait())
    });
}

#[test]
fn xdg_set_means_home_config_is_not_consulted() {
    differential("options_xdg_set_home_ignored", |ctx| {
        let xdg = TempDir::new("xdg-empty");
        let home = TempDir::new("home");
        std::fs::create_dir_all(home.join(".config")).expect("mkdir");
        home.write(".config/mosquitto_pub", "-d\n");
        Observed::client(
            &ctx.pub_(["-i", "noxdg", "-t", "cfg/t", "-m", "x"])
                .env("XDG_CONFIG_HOME", xdg.path())
                .env("HOME", home.path())
                .run(),
        )
    });
}

// ----------------------------------------------------------------------------------------------------
// Ours only: our own file names and the $HOME fallback (needs XDG_CONFIG_HOME unset).
// ----------------------------------------------------------------------------------------------------

fn rpub() -> &'static str {
    env!("CARGO_BIN_EXE_rpub")
}

#[test]
fn rpub_file_takes_precedence_over_mosquitto_pub_file() {
    let broker = Broker::start();
    let xdg = TempDir::new("xdg");
    xdg.write("rpub", "-i from-rpub-file\n-d\n");
    xdg.write("mosquitto_pub", "-i from-mosquitto-file\n");
    let out = ClientRun::new(rpub())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &broker.port().to_string(),
            "-t",
            "cfg/t",
            "-m",
            "x",
        ])
        .env("XDG_CONFIG_HOME", xdg.path())
        .timeout(Duration::from_secs(10))
        .run();
    out.assert_success();
    assert_eq!(
        out.stdout_text(),
        "Client from-rpub-file sending CONNECT\n\
         Client from-rpub-file received CONNACK (0)\n\
         Client from-rpub-file sending PUBLISH (d0, q0, r0, m1, 'cfg/t', ... (1 bytes))\n\
         Client from-rpub-file sending DISCONNECT\n"
    );
}

#[test]
fn rsub_reads_its_own_file() {
    let broker = Broker::start();
    let xdg = TempDir::new("xdg");
    xdg.write("rsub", "-E\n-d\n-i from-rsub-file\n");
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &broker.port().to_string(),
            "-t",
            "cfg/t",
        ])
        .env("XDG_CONFIG_HOME", xdg.path())
        .timeout(Duration::from_secs(10))
        .run();
    out.assert_success();
    assert!(
        out.stdout_text()
            .starts_with("Client from-rsub-file sending CONNECT\n"),
        "{}",
        out.dump()
    );
    assert!(
        out.stdout_text()
            .ends_with("Subscribed (mid: 1): 0\nClient from-rsub-file sending DISCONNECT\n")
    );
}

#[test]
fn home_dot_config_is_used_when_xdg_config_home_is_unset() {
    let home = TempDir::new("home");
    std::fs::create_dir_all(home.join(".config")).expect("mkdir");
    home.write(".config/rpub", "-q 3\n");
    let out = Command::new(rpub())
        .args(["-t", "cfg/t", "-m", "x"])
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .output()
        .expect("run rpub");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: Invalid QoS given: 3\n\nUse 'rpub --help' to see usage.\n"
    );
}

#[test]
fn rrr_file_takes_precedence_over_mosquitto_rr_file() {
    let broker = Broker::start();
    let xdg = TempDir::new("xdg");
    xdg.write("rrr", "-i from-rrr-file\n-d\n-W 1\n");
    xdg.write("mosquitto_rr", "-i from-mosquitto-file\n-e not/this/one\n");
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rrr"))
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-t", "cfg/req", "-e", "cfg/resp", "-m", "x"])
        .env("XDG_CONFIG_HOME", xdg.path())
        .timeout(Duration::from_secs(10))
        .run();
    assert_eq!(out.code(), Some(27), "{}", out.dump());
    assert_eq!(
        out.stdout_text(),
        "Client from-rrr-file sending CONNECT\n\
         Client from-rrr-file received CONNACK (0)\n\
         Client from-rrr-file sending SUBSCRIBE (Mid: 1, Topic: cfg/resp, QoS: 0, Options: 0x00)\n\
         Client from-rrr-file received SUBACK\n\
         Client from-rrr-file sending PUBLISH (d0, q0, r0, m2, 'cfg/req', ... (1 bytes))\n\
         Client from-rrr-file sending DISCONNECT\n"
    );
    assert_eq!(out.stderr_text(), "Timed out\n");
}

#[test]
fn rrr_falls_back_to_home_dot_config_mosquitto_rr() {
    let home = TempDir::new("home");
    std::fs::create_dir_all(home.join(".config")).expect("mkdir");
    home.write(".config/mosquitto_rr", "-e bad/#\n");
    let out = Command::new(env!("CARGO_BIN_EXE_rrr"))
        .args(["-t", "cfg/t", "-m", "x"])
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .output()
        .expect("run rrr");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: Invalid response topic 'bad/#', does it contain '+' or '#'?\n\nUse 'rrr --help' to see usage.\n"
    );
}
