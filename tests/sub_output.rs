//! rsub's message output and filtering, differential against mosquitto_sub 2.0.11: `-F` with every
//! specifier, flag and escape, `%j`/`%J` JSON and `--pretty`, `-N`, `-v`, binary payloads in every
//! mode, `-R`, `-T`, `-U`, `-E`, `-C`, `--retained-only`, `--remove-retained`, `--random-filter`.
//! Each scenario runs once with mosquitto_sub and once with rsub, each against its own fresh broker,
//! peers (publishers) always being mosquitto's. Only the times a message was received are
//! normalised (`mask_times`): they are replaced after their shape was checked, so a wrong shape
//! still shows as a difference.
//!
//! Plus tests of ours alone where mosquitto is not deterministic or not the reference:
//! 100,000 messages through a pipe, `--random-filter` percentages.

mod common;

use std::time::Duration;

use common::{Broker, ClientRun, Ctx, Observed, Output, Tool, differential};

// ---------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------

/// Publishes each of `pubs` with mosquitto_pub (in order).
fn publish_all(ctx: &Ctx, pubs: &[&[&str]]) {
    for args in pubs {
        ctx.peer_pub(["-i", "peer-pub"]).args(*args).run();
    }
}

/// Publishes `retained` first (before the subscriber starts), then starts the subscriber under
/// test with `-i id` and `sub_args`, waits for its SUBSCRIBE, publishes `pubs` and collects it.
fn sub_run(
    ctx: &Ctx,
    id: &str,
    sub_args: &[&str],
    retained: &[&[&str]],
    pubs: &[&[&str]],
) -> Output {
    sub_run_with(ctx, ctx.sub(["-i", id]).args(sub_args), id, retained, pubs)
}

/// [`sub_run`] with a prepared subscriber command.
fn sub_run_with(
    ctx: &Ctx,
    sub: ClientRun,
    id: &str,
    retained: &[&[&str]],
    pubs: &[&[&str]],
) -> Output {
    publish_all(ctx, retained);
    let mut sub = sub.spawn();
    if ctx.wait_subscribed(&mut sub, id) {
        publish_all(ctx, pubs);
    }
    sub.wait()
}

/// The subscriber's stdout, stderr and exit, with the receive times masked.
fn observed(out: &Output) -> Observed {
    Observed::new()
        .bytes("stdout", &mask_times(&out.stdout))
        .bytes("stderr", &mask_times(&out.stderr))
        .exit("exit", out)
}

/// A scenario: retained messages first, then the subscriber, then live messages; the subscriber's
/// output (times masked) is compared.
fn scenario(
    name: &str,
    id: &'static str,
    sub_args: &[&str],
    retained: &[&[&str]],
    pubs: &[&[&str]],
) {
    differential(name, |ctx| {
        observed(&sub_run(ctx, id, sub_args, retained, pubs))
    });
}

/// What still is retained on the broker under `filter` afterwards, as a peer `mosquitto_sub -v`
/// sees it within a second.
fn retained_left(ctx: &Ctx, filter: &str) -> Output {
    ClientRun::new(common::mosquitto_sub())
        .args(ctx.conn())
        .args(["-i", "peer-check", "-t", filter, "-v", "-W", "1"])
        .run()
}

/// Replaces what varies between runs, and only that: receive times printed by `%I`, `%U`, the
/// JSON `tst`, and the `@` codes used in the scenarios. A pattern byte `9` stands for a digit and
/// `S` for a sign; everything else must match literally. Patterns are tried longest first.
fn mask_times(bytes: &[u8]) -> Vec<u8> {
    const PATTERNS: &[(&[u8], &[u8])] = &[
        // JSON "tst" (literal Z, then the offset).
        (b"9999-99-99T99:99:99.999999ZS9999", b"<TST>"),
        // %I
        (b"9999-99-99T99:99:99S9999", b"<ISO>"),
        // %U
        (b"9999999999.999999999", b"<UNIX>"),
        // @Y-@m-@d @H:@M:@S
        (b"9999-99-99 99:99:99", b"<DATETIME>"),
        // %.10I
        (b"9999-99-99|", b"<DATE>|"),
        // markers around @N and @s in the scenarios
        (b"N=999999999;", b"N=<NS>;"),
        (b"s=9999999999;", b"s=<SECONDS>;"),
    ];
    let matches = |at: &[u8], pattern: &[u8]| {
        at.len() >= pattern.len()
            && pattern.iter().zip(at).all(|(&p, &b)| match p {
                b'9' => b.is_ascii_digit(),
                b'S' => b == b'+' || b == b'-',
                _ => p == b,
            })
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    'scan: while i < bytes.len() {
        for (pattern, replacement) in PATTERNS {
            if matches(&bytes[i..], pattern) {
                out.extend_from_slice(replacement);
                i += pattern.len();
                continue 'scan;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[test]
fn masking_only_touches_times() {
    assert_eq!(
        mask_times(b"x 2026-11-25T22:46:01+0000 1795646761.887473590 y"),
        b"x <ISO> <UNIX> y".to_vec()
    );
    assert_eq!(
        mask_times(b"{\"tst\":\"2026-11-25T22:46:02.239020Z+0000\",\"topic\":\"t\"}"),
        b"{\"tst\":\"<TST>\",\"topic\":\"t\"}".to_vec()
    );
    assert_eq!(
        mask_times(b"2026-11-25T17:46:02-0500|N=012345678;s=1795646761;"),
        b"<ISO>|N=<NS>;s=<SECONDS>;".to_vec()
    );
    // Wrong shapes stay visible.
    for s in [
        &b"2026-11-25T22:46:01 +0000"[..],
        b"2026-11-25T22:46:02.239020+0000",
        b"179564676.887473590",
        b"N=12345678;",
        b"\x00\xff payload 12:34",
    ] {
        assert_eq!(mask_times(s), s.to_vec());
    }
}

const BINARY: &[u8] = b"bin\x00ary\xff\xfe\n\x01end\x00\x7f\xc3\xa9";

/// `-f <file with BINARY>` for a peer publish; the path stays valid for the scenario.
fn binary_file(ctx: &Ctx) -> String {
    ctx.dir
        .write("binary", BINARY)
        .to_str()
        .expect("utf-8 temp path")
        .to_string()
}

// ---------------------------------------------------------------------------------------------------------
// -F: plain specifiers, flags, escapes
// ---------------------------------------------------------------------------------------------------------

#[test]
fn f_basic_specifiers() {
    scenario(
        "f_basic_specifiers",
        "fbasic",
        &[
            "-t",
            "f/#",
            "-q",
            "2",
            "-C",
            "4",
            "-F",
            "%t|%p|%q|%r|%l|%m|%%|@@",
        ],
        &[&["-t", "f/retained", "-m", "kept", "-r", "-q", "1"]],
        &[
            &["-t", "f/q0", "-m", "zero"],
            &["-t", "f/q1", "-m", "one", "-q", "1"],
            &["-t", "f/q2", "-m", "two two", "-q", "2"],
        ],
    );
}

#[test]
fn f_width_and_precision() {
    scenario(
        "f_width_and_precision",
        "fwidth",
        &[
            "-t",
            "fw/topic",
            "-C",
            "2",
            "-q",
            "1",
            "-F",
            "[%10t][%-10t][%.3t][%10.3t][%-10.3t][%.0t][%010t][%5p][%-8p][%08p][%.2p][%2p][%-p][%5l][%05l][%-5l][%-05l][%3m][%05q][%-3r][%10%][%-020p]",
        ],
        &[],
        &[
            &["-t", "fw/topic", "-m", "hello"],
            &["-t", "fw/topic", "-m", "a longer payload", "-q", "1"],
        ],
    );
}

#[test]
fn f_hex_with_widths() {
    scenario(
        "f_hex_with_widths",
        "fhex",
        &[
            "-t",
            "fx/t",
            "-C",
            "2",
            "-F",
            // No `%.2x`: mosquitto 2.1 gave a precision on %x a meaning (hex grouping, which we
            // take over: tests/v21_differential.rs); 2.0.11 ignored it.
            "%x|%X|%4x|%6x|%10x|%-10X|%010x|%20x|%-x|%1x",
        ],
        &[],
        &[
            &["-t", "fx/t", "-m", "abcdefgh"],
            &["-t", "fx/t", "-m", "hello"],
        ],
    );
}

#[test]
fn f_escapes() {
    scenario(
        "f_escapes",
        "fesc",
        &[
            "-t",
            "fe/t",
            "-C",
            "1",
            "-F",
            "a\\tb\\nc\\\\d\\0e\\af\\eg\\rh\\vi %% @@ %t",
        ],
        &[],
        &[&["-t", "fe/t", "-m", "x"]],
    );
}

#[test]
fn f_empty_format_prints_newlines() {
    scenario(
        "f_empty_format_prints_newlines",
        "fempty",
        &["-t", "fz/t", "-C", "2", "-F", ""],
        &[],
        &[&["-t", "fz/t", "-m", "x"], &["-t", "fz/t", "-n"]],
    );
}

#[test]
fn f_empty_payload() {
    scenario(
        "f_empty_payload",
        "fnull",
        &["-t", "fn/t", "-C", "1", "-F", "[%p][%l][%x][%5p][%-3x][%j]"],
        &[],
        &[&["-t", "fn/t", "-n"]],
    );
}

#[test]
fn f_overrides_v() {
    scenario(
        "f_overrides_v",
        "fv",
        &["-t", "fv/t", "-C", "1", "-v", "-F", "payload only: %p"],
        &[],
        &[&["-t", "fv/t", "-m", "hi"]],
    );
}

#[test]
fn f_with_n_has_no_newline() {
    scenario(
        "f_with_n_has_no_newline",
        "fN",
        &["-t", "fN/#", "-C", "3", "-N", "-F", "%t=%p|"],
        &[],
        &[
            &["-t", "fN/a", "-m", "1"],
            &["-t", "fN/b", "-n"],
            &["-t", "fN/c", "-m", "3"],
        ],
    );
}

#[test]
fn f_v5_specifiers_print_absent_forms() {
    scenario(
        "f_v5_specifiers_print_absent_forms",
        "fv5",
        &[
            "-t",
            "f5/t",
            "-C",
            "1",
            "-F",
            "[%A][%5A][%05A][%-3A][%C][%4C][%D][%3D][%E][%-4E][%05E][%F][%05F][%P][%5P][%R][%4R][%S][%3S][%03S]",
        ],
        &[],
        &[&["-t", "f5/t", "-m", "x"]],
    );
}

#[test]
fn f_with_debug_lines() {
    // The live messages are published once the retained message's QoS 2 flow is over (the broker
    // received PUBCOMP): published earlier, the broker may send one of them between our PUBREC and
    // its PUBREL, and the `-d` lines of either client then depend on that timing, not on the client.
    differential("f_with_debug_lines", |ctx| {
        let sub = ctx.sub(["-i", "fdebug"]).args([
            "-d",
            "-t",
            "fd/#",
            "-q",
            "2",
            "-C",
            "3",
            "-F",
            "%t q%q m%m r%r: %p",
        ]);
        publish_all(ctx, &[&["-t", "fd/r", "-m", "retained", "-r", "-q", "2"]]);
        let mut sub = sub.spawn();
        if ctx.wait_subscribed(&mut sub, "fdebug")
            && ctx.wait_log_while_running(0, "Received PUBCOMP from fdebug", &mut sub)
        {
            publish_all(
                ctx,
                &[
                    &["-t", "fd/a", "-m", "one", "-q", "1"],
                    &["-t", "fd/b", "-m", "two", "-q", "2"],
                ],
            );
        }
        observed(&sub.wait())
    });
}

// ---------------------------------------------------------------------------------------------------------
// -F: times
// ---------------------------------------------------------------------------------------------------------

#[test]
fn f_time_iso_and_unix() {
    scenario(
        "f_time_iso_and_unix",
        "ftime",
        &[
            "-t",
            "ft/t",
            "-C",
            "1",
            "-F",
            "%I|%20I|%.10I|%-30I|%U|%20U|%t",
        ],
        &[],
        &[&["-t", "ft/t", "-m", "x"]],
    );
}

#[test]
fn f_time_strftime_codes() {
    scenario(
        "f_time_strftime_codes",
        "fstrf",
        &[
            "-t",
            "fs/t",
            "-C",
            "1",
            "-F",
            "@Y-@m-@d @H:@M:@S|@z|@Z|@@|@%|@Q|N=@N;|s=@s;|%p",
        ],
        &[],
        &[&["-t", "fs/t", "-m", "x"]],
    );
}

#[test]
fn f_time_in_another_time_zone() {
    if !std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
        panic!("tzdata is needed for this test: apt-get install -y tzdata");
    }
    differential("f_time_in_another_time_zone", |ctx| {
        let sub = ctx
            .sub(["-i", "ftz", "-t", "fz/t", "-C", "1", "-F", "%I|@z|@Z|%j"])
            .env("TZ", "America/New_York");
        observed(&sub_run_with(
            ctx,
            sub,
            "ftz",
            &[],
            &[&["-t", "fz/t", "-m", "x"]],
        ))
    });
}

// ---------------------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------------------

#[test]
fn json_j_escaped_payloads() {
    scenario(
        "json_j_escaped_payloads",
        "jj",
        &["-t", "j/#", "-q", "1", "-C", "5", "-F", "%j"],
        &[&["-t", "j/retained", "-m", "kept", "-r"]],
        &[
            &["-t", "j/q0", "-m", "plain text"],
            &["-t", "j/q1", "-m", "qos one", "-q", "1"],
            &[
                "-t",
                "j/ctl",
                "-m",
                "quote\" back\\ nl\n tab\t bell\x07 esc\x1b us\x1f del\x7f é",
            ],
            &["-t", "j/e\"q", "-n"],
        ],
    );
}

#[test]
fn json_j_text_around_and_twice() {
    scenario(
        "json_j_text_around_and_twice",
        "jtext",
        &[
            "-t",
            "jt/t",
            "-C",
            "1",
            "-F",
            "before %j middle %j after %t",
        ],
        &[],
        &[&["-t", "jt/t", "-m", "{\"not\": \"parsed\"}"]],
    );
}

#[test]
fn json_big_j_numbers_and_values() {
    scenario(
        "json_big_j_numbers_and_values",
        "jnum",
        &["-t", "jn/t", "-C", "8", "-F", "%J"],
        &[],
        &[
            &[
                "-t",
                "jn/t",
                "-m",
                "{\"a\": 27.0, \"b\": 1e3, \"c\": 12345678901234567890, \"d\": -0.0, \"e\": 0.1, \"f\": 1.5e-7, \"g\": -42, \"h\": 3.14159265358979}",
            ],
            &["-t", "jn/t", "-m", "123"],
            &["-t", "jn/t", "-m", "\"a string \\u00e9 \\n\""],
            &["-t", "jn/t", "-m", "[ ]"],
            &["-t", "jn/t", "-m", "{ }"],
            &["-t", "jn/t", "-m", " true "],
            &["-t", "jn/t", "-m", "null"],
            &["-t", "jn/t", "-n"],
        ],
    );
}

#[test]
fn json_big_j_nested_objects() {
    scenario(
        "json_big_j_nested_objects",
        "jnest",
        &["-t", "jo/t", "-q", "1", "-C", "1", "-F", "%J"],
        &[],
        &[&[
            "-t",
            "jo/t",
            "-q",
            "1",
            "-m",
            "{\"temperature\": 27.0, \"nested\": {\"k\": [1, 2, {\"deep\": [true, false, null]}], \"s\": \"x\"}, \"list\": [{\"a\": 1}, {\"b\": []}]}",
        ]],
    );
}

#[test]
fn json_pretty_j_and_big_j() {
    scenario(
        "json_pretty_j_and_big_j",
        "jpretty",
        &[
            "-t", "jp/#", "-q", "1", "-C", "3", "--pretty", "-F", "%j\\n%J",
        ],
        &[],
        &[
            &[
                "-t",
                "jp/a",
                "-q",
                "1",
                "-m",
                "{\"temperature\": 27, \"humidity\": 57, \"nested\": {\"k\": [1, 2]}, \"objs\": [{\"a\": 1}, {\"b\": {}}], \"empty\": [], \"e\": {}}",
            ],
            &["-t", "jp/b", "-m", "[1, [2, 3], \"x\"]"],
            &["-t", "jp/c", "-n"],
        ],
    );
}

#[test]
fn json_pretty_without_json_changes_nothing() {
    scenario(
        "json_pretty_without_json_changes_nothing",
        "jpv",
        &["-t", "jq/t", "-C", "1", "--pretty", "-v"],
        &[],
        &[&["-t", "jq/t", "-m", "{\"a\": 1}"]],
    );
}

#[test]
fn json_big_j_invalid_payload() {
    scenario(
        "json_big_j_invalid_payload",
        "jinv",
        &["-t", "ji/#", "-C", "3", "-F", "pre %J post %t"],
        &[],
        &[
            &["-t", "ji/bad", "-m", "not json"],
            &["-t", "ji/good", "-m", "{\"ok\": true}"],
            &["-t", "ji/trailing", "-m", "{\"a\": 1} x"],
        ],
    );
}

#[test]
fn json_big_j_invalid_payload_with_debug() {
    scenario(
        "json_big_j_invalid_payload_with_debug",
        "jinvd",
        &["-d", "-t", "jd/t", "-C", "1", "-F", "%J"],
        &[],
        &[&["-t", "jd/t", "-m", "{unquoted: 1}"]],
    );
}

#[test]
fn json_big_j_invalid_payload_quiet() {
    scenario(
        "json_big_j_invalid_payload_quiet",
        "jquiet",
        &["--quiet", "-t", "jz/t", "-C", "1", "-F", "[%J]"],
        &[],
        &[&["-t", "jz/t", "-m", "[1, 2"]],
    );
}

// ---------------------------------------------------------------------------------------------------------
// Binary payloads in every mode
// ---------------------------------------------------------------------------------------------------------

fn binary_scenario(name: &str, id: &'static str, mode: &'static [&'static str]) {
    differential(name, |ctx| {
        let file = binary_file(ctx);
        let mut args = vec!["-t", "bin/t", "-C", "2"];
        args.extend_from_slice(mode);
        observed(&sub_run(
            ctx,
            id,
            &args,
            &[],
            &[
                &["-t", "bin/t", "-f", &file],
                &["-t", "bin/t", "-m", "\u{1}\u{ff}"],
            ],
        ))
    });
}

#[test]
fn binary_plain() {
    binary_scenario("binary_plain", "bplain", &[]);
}

#[test]
fn binary_verbose() {
    binary_scenario("binary_verbose", "bverbose", &["-v"]);
}

#[test]
fn binary_verbose_no_eol() {
    binary_scenario("binary_verbose_no_eol", "bvn", &["-v", "-N"]);
}

#[test]
fn binary_format_payload_and_hex() {
    binary_scenario(
        "binary_format_payload_and_hex",
        "bformat",
        &["-F", "%l:%p:%x:%X:%5p:%-20p:%.3p:%t"],
    );
}

#[test]
fn binary_json_j() {
    binary_scenario("binary_json_j", "bj", &["-F", "%j"]);
}

#[test]
fn binary_json_big_j() {
    binary_scenario("binary_json_big_j", "bJ", &["-F", "%J|%l"]);
}

// ---------------------------------------------------------------------------------------------------------
// -R, -T, -C, -E
// ---------------------------------------------------------------------------------------------------------

#[test]
fn r_skips_retained_messages() {
    scenario(
        "r_skips_retained_messages",
        "subR",
        &["-d", "-t", "R/#", "-R", "-v", "-C", "1"],
        &[
            &["-t", "R/a", "-m", "old retained", "-r"],
            &["-t", "R/b", "-m", "old too", "-r"],
        ],
        &[&["-t", "R/a", "-m", "fresh"]],
    );
}

#[test]
fn r_skipped_messages_are_not_counted() {
    scenario(
        "r_skipped_messages_are_not_counted",
        "subRC",
        &["-t", "RC/#", "-R", "-F", "%t %p %r", "-C", "2"],
        &[&["-t", "RC/a", "-m", "retained", "-r"]],
        &[
            &["-t", "RC/a", "-m", "live 1"],
            &["-t", "RC/b", "-m", "live 2", "-r"],
        ],
    );
}

#[test]
fn t_filters_out_topics() {
    scenario(
        "t_filters_out_topics",
        "subT",
        &[
            "-d",
            "-t",
            "T/#",
            "-T",
            "T/skip",
            "-T",
            "T/tree/#",
            "--filter-out",
            "T/+/plus",
            "-v",
            "-C",
            "2",
        ],
        &[],
        &[
            &["-t", "T/skip", "-m", "filtered"],
            &["-t", "T/tree/x/y", "-m", "filtered too"],
            &["-t", "T/tree", "-m", "filtered: # matches the parent"],
            &["-t", "T/a/plus", "-m", "filtered by +"],
            &["-t", "T/keep", "-m", "kept 1"],
            &["-t", "T/skip/deeper", "-m", "kept 2"],
        ],
    );
}

#[test]
fn t_wildcards_do_not_match_dollar_topics() {
    scenario(
        "t_wildcards_do_not_match_dollar_topics",
        "subT$",
        &[
            "-t",
            "$SYS/broker/version",
            "-t",
            "Td/#",
            "-T",
            "#",
            "-T",
            "+/broker/version",
            "-v",
            "-C",
            "1",
        ],
        &[],
        &[],
    );
}

#[test]
fn t_dollar_filter_matches_dollar_topics() {
    scenario(
        "t_dollar_filter_matches_dollar_topics",
        "subTs",
        &[
            "-t",
            "$SYS/broker/version",
            "-t",
            "Ts/t",
            "-T",
            "$SYS/#",
            "-v",
            "-C",
            "1",
        ],
        &[],
        &[&["-t", "Ts/t", "-m", "after the $SYS message"]],
    );
}

#[test]
fn t_filtered_messages_are_not_counted() {
    scenario(
        "t_filtered_messages_are_not_counted",
        "subTC",
        &["-t", "TC/#", "-T", "TC/skip", "-C", "1", "-v"],
        &[],
        &[
            &["-t", "TC/skip", "-m", "skipped"],
            &["-t", "TC/keep", "-m", "kept"],
        ],
    );
}

#[test]
fn c_stops_reading_after_the_last_message() {
    // Four retained messages arrive in one burst: mosquitto_sub reads nothing after the one that
    // reached -C (no further "received PUBLISH" lines).
    scenario(
        "c_stops_reading_after_the_last_message",
        "subCb",
        &["-d", "-t", "Cb/#", "-q", "1", "-C", "2", "-v"],
        &[
            &["-t", "Cb/1", "-m", "one", "-r", "-q", "1"],
            &["-t", "Cb/2", "-m", "two", "-r", "-q", "1"],
            &["-t", "Cb/3", "-m", "three", "-r"],
            &["-t", "Cb/4", "-m", "four", "-r"],
        ],
        &[],
    );
}

#[test]
fn e_exits_after_suback_even_with_retained_messages() {
    scenario(
        "e_exits_after_suback_even_with_retained_messages",
        "subE",
        &["-d", "-t", "E/#", "-E", "-v"],
        &[
            &["-t", "E/1", "-m", "one", "-r"],
            &["-t", "E/2", "-m", "two", "-r"],
        ],
        &[],
    );
}

// ---------------------------------------------------------------------------------------------------------
// -U
// ---------------------------------------------------------------------------------------------------------

#[test]
fn u_unsubscribes_after_subscribing() {
    scenario(
        "u_unsubscribes_after_subscribing",
        "subU",
        &["-d", "-t", "U/a", "-t", "U/b", "-U", "U/b", "-v", "-C", "1"],
        &[],
        &[
            &["-t", "U/b", "-m", "should not arrive"],
            &["-t", "U/a", "-m", "arrives"],
        ],
    );
}

#[test]
fn u_several_with_e_do_not_wait_for_unsuback() {
    differential("u_several_with_e_do_not_wait_for_unsuback", |ctx| {
        observed(
            &ctx.sub([
                "-d",
                "-i",
                "subUE",
                "-t",
                "UE/a",
                "-U",
                "UE/x",
                "--unsubscribe",
                "UE/+/y",
                "-U",
                "#",
                "-E",
            ])
            .run(),
        )
    });
}

#[test]
fn u_same_filter_leaves_nothing_subscribed() {
    scenario(
        "u_same_filter_leaves_nothing_subscribed",
        "subUU",
        &["-d", "-t", "UU/#", "-U", "UU/#", "-v", "-W", "1"],
        &[],
        &[&["-t", "UU/a", "-m", "nobody listens"]],
    );
}

// ---------------------------------------------------------------------------------------------------------
// --retained-only, --remove-retained
// ---------------------------------------------------------------------------------------------------------

#[test]
fn retained_only_stops_at_the_first_live_message() {
    scenario(
        "retained_only_stops_at_the_first_live_message",
        "subRO",
        &["-d", "-t", "RO/#", "--retained-only", "-v"],
        &[
            &["-t", "RO/a", "-m", "retained a", "-r"],
            &["-t", "RO/b", "-m", "retained b", "-r"],
        ],
        &[&["-t", "RO/a", "-m", "live"]],
    );
}

#[test]
fn retained_only_without_retained_messages() {
    scenario(
        "retained_only_without_retained_messages",
        "subRO0",
        &["-t", "RO0/#", "--retained-only", "-F", "%t %p", "-W", "5"],
        &[],
        &[&["-t", "RO0/a", "-m", "live, not printed"]],
    );
}

#[test]
fn remove_retained_clears_them() {
    differential("remove_retained_clears_them", |ctx| {
        let out = sub_run(
            ctx,
            "subRM",
            &["-d", "-t", "RM/#", "--remove-retained", "-v", "-W", "2"],
            &[
                &["-t", "RM/a", "-m", "ret a", "-r"],
                &["-t", "RM/b", "-m", "ret b", "-r", "-q", "1"],
            ],
            &[],
        );
        observed(&out).output("left", &retained_left(ctx, "RM/#"))
    });
}

#[test]
fn remove_retained_honours_t() {
    differential("remove_retained_honours_t", |ctx| {
        let out = sub_run(
            ctx,
            "subRMT",
            &[
                "-t",
                "RT/#",
                "--remove-retained",
                "-T",
                "RT/keep/#",
                "-v",
                "-W",
                "2",
            ],
            &[
                &["-t", "RT/gone", "-m", "cleared", "-r"],
                &["-t", "RT/keep/x", "-m", "spared", "-r"],
            ],
            &[],
        );
        observed(&out).output("left", &retained_left(ctx, "RT/#"))
    });
}

#[test]
fn remove_retained_disables_the_end_of_c() {
    scenario(
        "remove_retained_disables_the_end_of_c",
        "subrmc",
        &[
            "-d",
            "-t",
            "rmc",
            "--remove-retained",
            "-C",
            "1",
            "-v",
            "-W",
            "3",
        ],
        &[&["-t", "rmc", "-m", "ret", "-r"]],
        &[],
    );
}

#[test]
fn remove_retained_disables_the_end_of_retained_only() {
    scenario(
        "remove_retained_disables_the_end_of_retained_only",
        "subrmo",
        &[
            "-d",
            "-t",
            "rmo/#",
            "--remove-retained",
            "--retained-only",
            "-v",
            "-W",
            "2",
        ],
        &[&["-t", "rmo/a", "-m", "ret", "-r", "-q", "2"]],
        &[],
    );
}

#[test]
fn remove_retained_beyond_the_inflight_window() {
    // -M 2: the third and fourth removals wait for the first acknowledgements, as in libmosquitto.
    differential("remove_retained_beyond_the_inflight_window", |ctx| {
        let out = sub_run(
            ctx,
            "subrmM",
            &[
                "-d",
                "-t",
                "rmM/#",
                "--remove-retained",
                "-M",
                "2",
                "-v",
                "-W",
                "2",
            ],
            &[
                &["-t", "rmM/1", "-m", "1", "-r"],
                &["-t", "rmM/2", "-m", "2", "-r"],
                &["-t", "rmM/3", "-m", "3", "-r"],
                &["-t", "rmM/4", "-m", "4", "-r"],
            ],
            &[],
        );
        observed(&out).output("left", &retained_left(ctx, "rmM/#"))
    });
}

// ---------------------------------------------------------------------------------------------------------
// --random-filter
// ---------------------------------------------------------------------------------------------------------

#[test]
fn random_filter_everything() {
    // 1000 is the highest value mosquitto_sub accepts, and the only one for which it prints
    // every message (see `random_filter_100_prints_everything` for ours).
    scenario(
        "random_filter_everything",
        "subrf",
        &["-t", "rf/t", "--random-filter", "1000", "-v", "-C", "3"],
        &[],
        &[
            &["-t", "rf/t", "-m", "1"],
            &["-t", "rf/t", "-m", "2"],
            &["-t", "rf/t", "-m", "3"],
        ],
    );
}

#[test]
fn random_filter_invalid_values() {
    differential("random_filter_invalid_values", |ctx| {
        // Ours runs through a link named mosquitto_sub, for the same `Use 'mosquitto_sub --help'`.
        let program = match ctx.tool {
            Tool::Mosquitto => common::mosquitto_sub(),
            Tool::Ours => {
                let link = ctx.dir.join("mosquitto_sub");
                std::os::unix::fs::symlink(ctx.tool.sub_program(), &link).expect("link to rsub");
                link
            }
        };
        let mut obs = Observed::new();
        for (i, value) in ["0", "0.05", "1000.5", "-3", "x"].iter().enumerate() {
            let out = ClientRun::new(&program)
                .args(ctx.conn())
                .args(["-t", "rf/x", "--random-filter", value])
                .run();
            obs = obs.output(&format!("value {i}"), &out);
        }
        obs
    });
}

/// Runs rsub (ours only) on a private broker and publishes `count` numbered lines to it.
fn ours_receiving(sub_args: &[&str], id: &str, count: usize, timeout: Duration) -> Output {
    let broker = Broker::builder()
        .config_line("max_queued_messages 0")
        .start();
    let conn = [
        "-h".to_string(),
        "127.0.0.1".to_string(),
        "-p".to_string(),
        broker.port().to_string(),
    ];
    // Always rsub, also under RPUBSUB_ORACLE_SELFTEST: these tests are about ours.
    let mut sub = ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
        .args(&conn)
        .args(["-i", id])
        .args(sub_args)
        .timeout(timeout)
        .spawn();
    let needle = format!("Received SUBSCRIBE from {id}\n");
    assert!(
        broker.poll_log(0, &needle, common::LOG_TIMEOUT, || !sub.has_exited()),
        "rsub did not subscribe"
    );
    let lines: String = (1..=count).map(|n| format!("{n}\n")).collect();
    let publisher = ClientRun::new(common::mosquitto_pub())
        .args(&conn)
        .args(["-i", "bulk-pub", "-t", "bulk", "-l"])
        .stdin(lines)
        .timeout(timeout)
        .run();
    publisher.assert_success();
    sub.wait()
}

#[test]
fn hundred_thousand_messages_reach_a_pipe_complete_and_in_order() {
    const COUNT: usize = 100_000;
    let out = ours_receiving(
        &["-t", "bulk", "-C", &COUNT.to_string()],
        "bulk-sub",
        COUNT,
        Duration::from_secs(120),
    );
    let expected: String = (1..=COUNT).map(|n| format!("{n}\n")).collect();
    assert_eq!(out.code(), Some(0), "{}", out.exit);
    assert!(out.stderr.is_empty(), "{}", out.stderr_text());
    assert!(
        out.stdout == expected.as_bytes(),
        "stdout differs from `seq {COUNT}`: {} bytes, expected {}; first lines: {:?}",
        out.stdout.len(),
        expected.len(),
        String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(60)])
    );
}

#[test]
fn random_filter_100_prints_everything() {
    const COUNT: usize = 2_000;
    let out = ours_receiving(
        &[
            "-t",
            "bulk",
            "--random-filter",
            "100",
            "-C",
            &COUNT.to_string(),
        ],
        "rf100",
        COUNT,
        Duration::from_secs(60),
    );
    let expected: String = (1..=COUNT).map(|n| format!("{n}\n")).collect();
    assert_eq!(out.code(), Some(0), "{}", out.exit);
    assert_eq!(out.stdout_text(), expected);
}

#[test]
fn random_filter_prints_about_the_percentage_and_counts_every_message() {
    const COUNT: usize = 4_000;
    // -C counts every message that reached the print step, printed or not (as mosquitto_sub):
    // rsub ends after COUNT messages although it printed only about a quarter of them.
    let out = ours_receiving(
        &[
            "-t",
            "bulk",
            "--random-filter",
            "25",
            "-C",
            &COUNT.to_string(),
        ],
        "rf25",
        COUNT,
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), Some(0), "{}", out.exit);
    let printed: Vec<usize> = out
        .stdout_text()
        .lines()
        .map(|line| line.parse().expect("a number"))
        .collect();
    assert!(
        (COUNT * 18 / 100..COUNT * 32 / 100).contains(&printed.len()),
        "printed {} of {COUNT} with --random-filter 25",
        printed.len()
    );
    assert!(printed.windows(2).all(|w| w[0] < w[1]), "order kept");
}
