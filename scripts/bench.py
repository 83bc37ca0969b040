#!/usr/bin/env python3
"""Side-by-side benchmark: rpub/rsub against mosquitto_pub/mosquitto_sub (issue 7).

Run it through scripts/bench.sh (installs mosquitto, builds the release binaries, then runs this).
Standard library only.

How a run is measured
  Every measured command is started by a tiny C launcher (compiled once into the work dir with `cc`)
  that forks, execs the command, and reports wall time (CLOCK_MONOTONIC around fork..wait4), user+sys
  CPU and ru_maxrss of that one child from wait4(2). The launcher exists because a child forked or
  vforked by Python itself inherits Python's own peak RSS into its ru_maxrss at exec time (Linux
  keeps the larger of the old and new mm's high-water mark), so os.wait4 rusage from Python would
  report ~14 MB for `/bin/true`.

How a run is checked
  Publisher scenarios: before each run, a fresh persistent session (clean session off, its own client
  id) subscribes to the run's own topic at QoS 0 and disconnects; the broker queues what the measured
  publisher sends (queue_qos0_messages true, max_queued_messages 0); afterwards the session is
  drained by the small MQTT client below and every payload is compared, in order, with the expected
  ones; then a PINGREQ/PINGRESP round shows that nothing extra (no duplicate) follows.
  Subscriber scenarios: the messages are queued (retained, or published into the persistent session
  of the measured client: `-c -i ID -q 1` subscription made first, then disconnected, then filled)
  by the small MQTT client below, with a PINGREQ barrier so everything is queued before the measured
  run starts; the measured subscriber's stdout must equal the expected bytes exactly.
  A failed check of ours fails the scenario (and the exit status); a failed check of mosquitto's
  client is reported in the table's notes and the run goes on.
  A scenario whose first run of ours exits non-zero saying "not supported" is reported as
  "skipped: not supported yet".

MQTT over WebSockets (issue 17): a second private broker, mosquitto 2.1.2 (built by scripts/bench.sh into
target/oracle/, or --oracle21 DIR) with a plain and a WebSocket listener, runs two more scenarios: 100,000
QoS 0 lines over ws:// by rpub against mosquitto_pub 2.1.2 over ws://, and rpub over ws:// against rpub
itself over plain TCP to the same broker (the "mosq" columns then hold rpub over TCP). Their messages are
verified through the plain listener. Without a 2.1.2 build they are reported as skipped.

The brokers (private mosquittos on free 127.0.0.1 ports, config in the work dir) and the work dir
are removed on exit, also on SIGINT/SIGTERM/SIGHUP; processes are only ever stopped by the PID this
script started.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

LAUNCHER_C = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* launch RESULT_FILE TIMEOUT_SECONDS PROGRAM ARGS...
   Writes "wall_ns user_us sys_us maxrss_kb exit_code signal timed_out" to RESULT_FILE. */
static volatile pid_t child = -1;
static volatile sig_atomic_t timed_out = 0;

/* the command runs in its own process group, so a timeout or an interrupt ends all it started */
static void on_alarm(int sig) { (void)sig; timed_out = 1; if (child > 0) kill(-child, SIGKILL); }
static void on_term(int sig) { if (child > 0) kill(-child, SIGKILL); signal(sig, SIG_DFL); raise(sig); }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: launch RESULT TIMEOUT PROG ARGS...\n"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;            /* no SA_RESTART: wait4 returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execvp(argv[3], argv + 3);
        fprintf(stderr, "launch: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the child's own setpgid */
    child = pid;
    alarm((unsigned)atoi(argv[2]));
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) { perror("wait4"); return 2; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    long long user = (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec;
    long long sys_ = (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
    FILE *f = fopen(argv[1], "w");
    if (!f) { perror(argv[1]); return 2; }
    fprintf(f, "%lld %lld %lld %ld %d %d %d\n", wall, user, sys_, ru.ru_maxrss,
            WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, (int)timed_out);
    fclose(f);
    return 0;
}
"""

HOST = "127.0.0.1"
MIB = 1024 * 1024


class CheckFailed(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# A minimal MQTT 3.1.1 client: only for setting up and verifying runs, never measured.


def _varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def _str(b):
    return struct.pack("!H", len(b)) + b


def _packet(first, body):
    return bytes([first]) + _varint(len(body)) + body


PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"


class Mqtt:
    def __init__(self, port, client_id, clean=True, timeout=10.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        flags = 0x02 if clean else 0x00
        body = _str(b"MQTT") + bytes([4, flags]) + struct.pack("!H", 0) + _str(client_id.encode())
        self.sock.sendall(_packet(0x10, body))
        ptype, _, data = self.read_packet(time.monotonic() + timeout)
        if ptype != 2 or len(data) < 2 or data[1] != 0:
            raise CheckFailed(f"setup client {client_id}: CONNACK refused ({bytes(data)!r})")
        self.session_present = bool(data[0] & 1)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        data = self.sock.recv(1 << 20)
        if not data:
            raise CheckFailed("broker closed the setup/verification connection")
        self.buf += data

    def read_packet(self, deadline):
        while True:
            buf = self.buf
            if len(buf) >= 2:
                mult, rl, j = 1, 0, 1
                complete = False
                while j < len(buf):
                    c = buf[j]
                    rl += (c & 127) * mult
                    j += 1
                    if c < 128:
                        complete = True
                        break
                    mult *= 128
                if complete and len(buf) >= j + rl:
                    first = buf[0]
                    data = bytes(buf[j : j + rl])
                    del buf[: j + rl]
                    return first >> 4, first & 15, data
            self._fill(deadline)

    def subscribe(self, topic, qos, timeout=10.0):
        body = struct.pack("!H", 1) + _str(topic.encode()) + bytes([qos])
        self.sock.sendall(_packet(0x82, body))
        ptype, _, data = self.read_packet(time.monotonic() + timeout)
        if ptype != 9 or data[-1] == 0x80:
            raise CheckFailed(f"setup: SUBSCRIBE {topic} refused")

    @staticmethod
    def bulk(topic, payloads, qos, retain=False):
        """The PUBLISH packets for payloads (packet ids 1, 2, ... for QoS 1) and a PINGREQ."""
        t = _str(topic.encode())
        first = 0x30 | (qos << 1) | (1 if retain else 0)
        parts = []
        for i, p in enumerate(payloads):
            body = t + (struct.pack("!H", i % 65535 + 1) if qos else b"") + p
            parts.append(bytes([first]) + _varint(len(body)) + body)
        parts.append(PINGREQ)
        return b"".join(parts)

    def publish_bulk(self, topic, payloads, qos, retain=False, timeout=60.0, blob=None):
        """Publishes everything, then waits for the PINGRESP that follows all of it (the broker handles a
        connection's packets in order, so every message is stored or queued when it arrives)."""
        self.sock.sendall(blob or self.bulk(topic, payloads, qos, retain))
        deadline = time.monotonic() + timeout
        acks = 0
        while True:
            ptype, _, _ = self.read_packet(deadline)
            if ptype == 4:
                acks += 1
            elif ptype == 13:
                break
        if qos == 1 and acks != len(payloads):
            raise CheckFailed(f"setup: {acks} PUBACKs for {len(payloads)} messages")

    def drain(self, n, timeout, idle=5.0):
        """Receives n PUBLISH packets (acknowledging QoS 1/2 ones) and returns [(topic, payload)]; then
        a PINGREQ round trip must come back with no further message (no duplicate, nothing extra).
        Gives up after `timeout` seconds, or `idle` seconds without any data."""
        deadline = time.monotonic() + timeout
        got = []
        buf = self.buf
        acks = []
        sock = self.sock

        def parse():
            i, size = 0, len(buf)
            while i + 2 <= size:
                first = buf[i]
                c = buf[i + 1]
                if c < 128:
                    rl, j = c, i + 2
                else:
                    mult, rl, j, ok = 1, 0, i + 1, False
                    while j < size:
                        c = buf[j]
                        rl += (c & 127) * mult
                        j += 1
                        if c < 128:
                            ok = True
                            break
                        mult *= 128
                    if not ok:
                        break
                end = j + rl
                if end > size:
                    break
                if first >> 4 == 3:
                    tl = (buf[j] << 8) | buf[j + 1]
                    k = j + 2 + tl
                    topic = bytes(buf[j + 2 : k])
                    qos = (first >> 1) & 3
                    if qos:
                        pid = bytes(buf[k : k + 2])
                        k += 2
                        acks.append((b"\x40\x02" if qos == 1 else b"\x50\x02") + pid)
                    got.append((topic, bytes(buf[k:end])))
                elif first >> 4 == 6:  # PUBREL
                    acks.append(b"\x70\x02" + bytes(buf[j : j + 2]))
                i = end
            del buf[:i]

        try:
            while len(got) < n:
                parse()
                if acks:
                    sock.sendall(b"".join(acks))
                    acks.clear()
                if len(got) >= n:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise socket.timeout()
                sock.settimeout(min(remaining, idle))
                data = sock.recv(1 << 20)
                if not data:
                    raise CheckFailed(f"broker closed the verification connection after {len(got)} of {n} messages")
                buf += data
        except socket.timeout:
            raise CheckFailed(f"only {len(got)} of {n} messages arrived (none more for {idle:.0f} s)") from None
        sock.sendall(PINGREQ)
        while True:
            ptype, _, data = self.read_packet(time.monotonic() + 10)
            if ptype == 13:
                break
            if ptype == 3:
                got.append((b"?", data))
            elif ptype == 6:
                sock.sendall(b"\x70\x02" + data[:2])
        return got

    def close(self):
        try:
            self.sock.sendall(DISCONNECT)
        except OSError:
            pass
        self.sock.close()


def forget_session(port, client_id):
    """A clean-session connect discards the broker's stored session for that client id."""
    Mqtt(port, client_id, clean=True).close()


def compare(what, got, topic, expected):
    """got: [(topic, payload)] from drain; expected: list of payload bytes."""
    t = topic.encode()
    if len(got) == len(expected) and all(g[0] == t for g in got) and [g[1] for g in got] == expected:
        return
    for i, (g, e) in enumerate(zip(got, expected)):
        if g[0] != t or g[1] != e:
            raise CheckFailed(
                f"{what}: message {i + 1} of {len(expected)} is {_short(g[1])} on {g[0]!r}, expected {_short(e)}"
                f" ({len(got)} messages arrived)"
            )
    raise CheckFailed(f"{what}: {len(got)} messages arrived, expected {len(expected)}")


def _short(b):
    return repr(b[:40]) + ("..." if len(b) > 40 else "") + (f" ({len(b)} bytes)" if len(b) > 40 else "")


def seq_payloads(n):
    return [str(i).encode() for i in range(1, n + 1)]


def seq_bytes(n):
    return ("\n".join(str(i) for i in range(1, n + 1)) + "\n").encode()


# --------------------------------------------------------------------------------------------------
# Environment: work dir, launcher, broker.


class Env:
    def __init__(self, args):
        self.args = args
        self.procs = []  # processes we started and must stop (by PID) on exit
        self.broker = None
        self.workdir = tempfile.mkdtemp(prefix="rpubsub-bench-")
        self.launcher = os.path.join(self.workdir, "launch")
        src = os.path.join(self.workdir, "launch.c")
        with open(src, "w") as f:
            f.write(LAUNCHER_C)
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise SystemExit("bench: needs a C compiler (cc) for the measuring launcher")
        subprocess.run([cc, "-O2", "-o", self.launcher, src], check=True)
        bin_dir = os.path.abspath(args.bin_dir)
        self.tools = {
            "ours": {"pub": os.path.join(bin_dir, "rpub"), "sub": os.path.join(bin_dir, "rsub")},
            "mosq": {"pub": shutil.which("mosquitto_pub"), "sub": shutil.which("mosquitto_sub")},
        }
        for side in self.tools.values():
            for path in side.values():
                if not path or not os.access(path, os.X_OK):
                    raise SystemExit(f"bench: missing program {path!r} "
                                     "(run scripts/bench.sh, which builds and installs)")
        self.port = None
        # mosquitto 2.1.2 for the WebSocket scenarios (None: not built, they are skipped)
        o21 = os.path.abspath(args.oracle21)
        self.mosq21 = {tool: os.path.join(o21, "bin", f"mosquitto_{tool}") for tool in ("pub", "sub")}
        self.broker21_bin = os.path.join(o21, "bin", "mosquitto")
        if not all(os.access(p, os.X_OK) for p in [self.broker21_bin, *self.mosq21.values()]):
            self.mosq21 = None
        self.broker21 = None
        self.port21 = self.ws_port21 = None

    def start_broker21(self):
        """mosquitto 2.1.2 with a plain and a WebSocket listener (the WebSocket scenarios); False if not built."""
        if self.mosq21 is None:
            return False
        if self.broker21 is not None:
            return True
        ports = []
        for _ in range(2):
            sk = socket.socket()
            sk.bind((HOST, 0))
            ports.append(sk)
        self.port21, self.ws_port21 = (sk.getsockname()[1] for sk in ports)
        for sk in ports:
            sk.close()
        conf = os.path.join(self.workdir, "mosquitto21.conf")
        with open(conf, "w") as f:
            f.write(
                ("user root\n" if os.geteuid() == 0 else "")
                + "allow_anonymous true\nset_tcp_nodelay true\nmax_queued_messages 0\nmax_queued_bytes 0\n"
                "queue_qos0_messages true\npersistence false\nlog_type error\nlog_type warning\n"
                f"listener {self.port21} {HOST}\nlistener {self.ws_port21} {HOST}\nprotocol websockets\n"
            )
        log_path = os.path.join(self.workdir, "broker21.log")
        logf = open(log_path, "w")
        self.broker21 = subprocess.Popen([self.broker21_bin, "-c", conf], stdout=logf, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        logf.close()
        self.procs.append(self.broker21)
        for _ in range(100):
            try:
                for port in (self.port21, self.ws_port21):
                    socket.create_connection((HOST, port), timeout=1).close()
                return True
            except OSError:
                if self.broker21.poll() is not None:
                    break
                time.sleep(0.05)
        raise SystemExit(f"bench: mosquitto 2.1.2 did not start: {open(log_path).read()}")

    def start_broker(self):
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        s = socket.socket()
        s.bind((HOST, 0))
        self.port = s.getsockname()[1]
        s.close()
        conf = os.path.join(self.workdir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(
                f"listener {self.port} {HOST}\n"
                "allow_anonymous true\n"
                "set_tcp_nodelay true\n"
                # queues never drop: drains of 100,000 messages and the verification sessions
                "max_queued_messages 0\n"
                "max_queued_bytes 0\n"
                # QoS 0 messages are queued for disconnected persistent sessions too
                "queue_qos0_messages true\n"
                # sessions live in the broker's memory for the whole run; nothing needs a restart, so
                # no persistence file (it would only add autosave writes to the measurements)
                "persistence false\n"
                "log_type error\nlog_type warning\n"
            )
        self.broker_log = os.path.join(self.workdir, "broker.log")
        logf = open(self.broker_log, "w")
        self.broker = subprocess.Popen([mosquitto, "-c", conf], stdout=logf, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        logf.close()
        self.procs.append(self.broker)
        for _ in range(100):
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                if self.broker.poll() is not None:
                    break
                time.sleep(0.05)
        raise SystemExit(f"bench: broker did not start: {open(self.broker_log).read()}")

    def check_broker(self):
        if self.broker.poll() is not None:
            tail = open(self.broker_log).read()[-2000:]
            raise SystemExit(f"bench: the broker exited ({self.broker.returncode}): {tail}")

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    p.terminate()
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                except OSError:
                    pass
        self.procs.clear()
        if not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log(f"bench: kept work dir {self.workdir}")

    def broker_cpu(self):
        """The broker's user+sys CPU so far, in seconds (clock-tick resolution)."""
        try:
            with open(f"/proc/{self.broker.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def conn_args(self):
        return ["-h", HOST, "-p", str(self.port)]

    def run(self, side, tool, args, stdin=None, timeout=120, prog=None):
        """Runs one measured command; returns a dict with its measurements, stdout and stderr paths."""
        prog = prog or self.tools[side][tool]
        res_path = os.path.join(self.workdir, "result")
        out_path = os.path.join(self.workdir, f"stdout-{side}")
        err_path = os.path.join(self.workdir, f"stderr-{side}")
        feeder = None
        stdin_f = subprocess.DEVNULL
        if stdin is not None and stdin[0] == "seq":
            feeder = subprocess.Popen(["seq", str(stdin[1])], stdout=subprocess.PIPE)
            self.procs.append(feeder)
            stdin_f = feeder.stdout
        elif stdin is not None and stdin[0] == "bytes":
            r, w = os.pipe()
            os.write(w, stdin[1])  # small: fits the pipe buffer
            os.close(w)
            stdin_f = r
        elif stdin is not None and stdin[0] == "file":
            stdin_f = os.open(stdin[1], os.O_RDONLY)
        b0 = self.broker_cpu()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            p = subprocess.Popen([self.launcher, res_path, str(timeout), prog, *args], stdin=stdin_f, stdout=out,
                                 stderr=err)
            self.procs.append(p)
            if feeder is not None:
                feeder.stdout.close()
            elif isinstance(stdin_f, int) and stdin_f != subprocess.DEVNULL:
                os.close(stdin_f)
            rc = p.wait()
            b1 = self.broker_cpu()
            self.procs.remove(p)
        if feeder is not None:
            feeder.wait()
            self.procs.remove(feeder)
        if rc != 0:
            raise SystemExit(f"bench: the launcher failed ({rc})")
        with open(res_path) as f:
            wall, user, sys_, rss, code, sig, to = (int(x) for x in f.read().split())
        return {
            "wall_s": wall / 1e9, "cpu_s": (user + sys_) / 1e6, "user_s": user / 1e6, "sys_s": sys_ / 1e6,
            "maxrss_kb": rss, "broker_cpu_s": round(b1 - b0, 3), "exit": code, "signal": sig, "timed_out": bool(to),
            "stdout": out_path, "stderr": err_path,
        }


def read(path):
    with open(path, "rb") as f:
        return f.read()


def expect_exit(r, code, what="exit status"):
    if r["timed_out"]:
        raise CheckFailed(f"timed out; stderr: {_tail(r)}")
    if r["signal"]:
        raise CheckFailed(f"killed by signal {r['signal']}; stderr: {_tail(r)}")
    if r["exit"] != code:
        raise CheckFailed(f"{what} {r['exit']}, expected {code}; stderr: {_tail(r)}")


def _tail(r):
    e = read(r["stderr"])[-300:].decode(errors="replace").strip()
    return repr(e) if e else "(empty)"


# --------------------------------------------------------------------------------------------------
# Scenarios.


class Scenario:
    """One command line run alternately by our tool and mosquitto's. Subclasses say how to prepare and
    check one run. `tag` is unique per run, so topics and client ids never collide between runs."""

    capped = False  # True: --pairs N never raises the default pairs (the slowest scenarios)
    warmup = True  # one unmeasured pair first (off for the slow scenarios)
    # True: the second slot of each pair runs our own tool with the baseline arguments (issue 15's
    # targets compare ours with ours: --json-lines with -l, --trace with no trace); the table's
    # "mosq" columns are then that baseline
    baseline_ours = False

    def __init__(self, key, title, tool, pairs, timeout=60):
        self.key, self.title, self.tool, self.pairs, self.timeout = key, title, tool, pairs, timeout

    def setup(self, env):
        pass

    def program(self, env, side):
        """The program a side runs (None: the side's own rpub/rsub or mosquitto_pub/sub)."""
        return None

    def conn(self, env, side):
        """Arguments put before the prepared ones for `side` (the connection, when the sides differ)."""
        return []

    def prepare(self, env, tag):
        """Returns (args, stdin, ctx)."""
        raise NotImplementedError

    def prepare_for(self, env, tag, side):
        """(args, stdin, ctx) for `side` ("ours" or "mosq"); the same for both unless a scenario says."""
        return self.prepare(env, tag)

    def check(self, env, ctx, r):
        raise NotImplementedError

    def finish(self, env, ctx):
        pass


class Help(Scenario):
    def __init__(self, tool, pairs):
        super().__init__(f"help-{tool}", f"`{'rpub' if tool == 'pub' else 'rsub'} --help` (start-up)", tool, pairs)
        self.doc = f"{tool} --help"

    def prepare(self, env, tag):
        return ["--help"], None, None

    def check(self, env, ctx, r):
        expect_exit(r, 1)
        if b"Usage:" not in read(r["stdout"]):
            raise CheckFailed("no usage text on stdout")


class Publish(Scenario):
    """The measured publisher's messages are queued in a fresh verification session, drained, compared."""

    def __init__(self, key, title, pairs, extra, doc, payloads, stdin=None, timeout=60, verify_timeout=60,
                 capped=False, baseline=None):
        super().__init__(key, title, "pub", pairs, timeout)
        self.extra, self.doc, self.payloads, self.stdin = extra, doc, payloads, stdin
        # baseline: (extra, stdin) that our own tool runs in the second slot of each pair
        self.baseline = baseline
        self.baseline_ours = baseline is not None
        self.verify_timeout, self.capped = verify_timeout, capped
        self.warmup = len(payloads) < 10_000 if isinstance(payloads, list) else True

    def prepare(self, env, tag):
        topic = f"bench/{self.key}/{tag}"
        vid = f"verify-{self.key}-{tag}"
        m = Mqtt(env.port, vid, clean=False)
        m.subscribe(topic, 0)
        m.close()
        payloads = self.payloads(tag) if callable(self.payloads) else self.payloads
        extra = [a(tag) if callable(a) else a for a in self.extra]
        stdin = self.stdin(tag) if callable(self.stdin) else self.stdin
        return env.conn_args() + ["-t", topic] + extra, stdin, (topic, vid, payloads)

    def prepare_for(self, env, tag, side):
        args, stdin, ctx = self.prepare(env, tag)
        if side == "mosq" and self.baseline is not None:
            extra, base_stdin = self.baseline
            args = env.conn_args() + ["-t", ctx[0]] + extra
            stdin = base_stdin
        return args, stdin, ctx

    def check(self, env, ctx, r):
        topic, vid, payloads = ctx
        expect_exit(r, 0)
        m = Mqtt(env.port, vid, clean=False)
        try:
            got = m.drain(len(payloads), self.verify_timeout)
        finally:
            m.close()
        compare("published", got, topic, payloads)

    def finish(self, env, ctx):
        forget_session(env.port, ctx[1])


class WsPublish(Publish):
    """A Publish scenario on the mosquitto 2.1.2 broker: `sides` says how each side connects ("ws" or "tcp")
    and which program it runs ("rpub" or "mosquitto_pub"); messages are verified on the plain listener."""

    def __init__(self, key, title, pairs, n, opts, sides):
        super().__init__(key, title, pairs, ["-l"] + opts, "", seq_payloads(n), stdin=("seq", n))
        self.sides = sides
        self.doc = " vs ".join(f"seq {n} | {prog} {' '.join(opts)} -l over {how}" for prog, how in sides.values())

    def setup(self, env):
        if not env.start_broker21():
            raise Skip("no mosquitto 2.1.2 build (scripts/bench.sh builds it into target/oracle/)")

    def program(self, env, side):
        prog = self.sides[side][0]
        return env.tools["ours"]["pub"] if prog == "rpub" else env.mosq21["pub"]

    def conn(self, env, side):
        if self.sides[side][1] == "ws":
            return ["-h", HOST, "-p", str(env.ws_port21), "--ws"]
        return ["-h", HOST, "-p", str(env.port21)]

    def prepare(self, env, tag):
        topic = f"bench/{self.key}/{tag}"
        vid = f"verify-{self.key}-{tag}"
        m = Mqtt(env.port21, vid, clean=False)
        m.subscribe(topic, 0)
        m.close()
        return ["-t", topic] + self.extra, self.stdin, (topic, vid, self.payloads)

    def check(self, env, ctx, r):
        topic, vid, payloads = ctx
        expect_exit(r, 0)
        m = Mqtt(env.port21, vid, clean=False)
        try:
            got = m.drain(len(payloads), self.verify_timeout)
        finally:
            m.close()
        compare("published", got, topic, payloads)

    def finish(self, env, ctx):
        forget_session(env.port21, ctx[1])


class Skip(Exception):
    """A scenario that cannot run here (its reason is reported)."""


class Retained(Scenario):
    """The measured subscriber receives one retained message (-C 1); stdout must be payload + newline."""

    def __init__(self, key, title, pairs, payload, extra, doc, timeout=60):
        super().__init__(key, title, "sub", pairs, timeout)
        self.payload, self.extra, self.doc = payload, extra, doc
        self.topic = f"bench/{key}"

    def setup(self, env):
        m = Mqtt(env.port, f"setup-{self.key}")
        m.publish_bulk(self.topic, [self.payload], 1, retain=True)
        m.close()

    def prepare(self, env, tag):
        return env.conn_args() + ["-t", self.topic] + self.extra, None, None

    def check(self, env, ctx, r):
        expect_exit(r, 0)
        out = read(r["stdout"])
        if out != self.payload + b"\n":
            raise CheckFailed(f"stdout is {_short(out)}, expected the {len(self.payload)}-byte payload and a newline")


class Drain(Scenario):
    """A persistent session (-c -i ID, subscribed at QoS 1) is created, disconnected, filled with n messages
    at `qos`; the measured subscriber then reconnects with the same id and drains them (-C n)."""

    warmup = False

    def __init__(self, key, title, pairs, n, qos, fmt, doc, timeout=60, other_fmt=None, json_out=False,
                 baseline_ours=False):
        super().__init__(key, title, "sub", pairs, timeout)
        self.n, self.qos, self.fmt, self.doc = n, qos, fmt, doc
        # other_fmt: the second slot's arguments (mosquitto's, or our baseline's) when they differ
        self.other_fmt, self.json_out, self.baseline_ours = other_fmt, json_out, baseline_ours
        # one topic for all runs (each run has its own session, forgotten after the run)
        self.topic = f"bench/{key}"
        self.payloads = seq_payloads(n)
        self.blob = Mqtt.bulk(self.topic, self.payloads, qos)
        if not fmt or baseline_ours:
            # plain output (the --trace scenario prints as the plain drain does)
            self.expected = seq_bytes(n)
        else:
            t = self.topic.encode()
            self.expected = b"".join(t + b" " + p + b"\n" for p in self.payloads)

    def prepare_for(self, env, tag, side):
        args, stdin, ctx = self.prepare(env, tag)
        fmt = self.other_fmt if side == "mosq" and self.other_fmt is not None else self.fmt
        return args + [a(env, tag) if callable(a) else a for a in fmt], stdin, ctx

    def prepare(self, env, tag):
        topic = self.topic
        cid = f"drain-{self.key}-{tag}"
        m = Mqtt(env.port, cid, clean=False)
        m.subscribe(topic, 1)
        m.close()
        m = Mqtt(env.port, f"queue-{self.key}-{tag}")
        m.publish_bulk(topic, self.payloads, self.qos, blob=self.blob)
        m.close()
        args = env.conn_args() + ["-c", "-i", cid, "-q", "1", "-t", topic, "-C", str(self.n)]
        return args, None, (topic, cid)

    def check(self, env, ctx, r):
        expect_exit(r, 0)
        out = read(r["stdout"])
        if self.json_out:
            # --json-lines or -F %j: one object per message, the payloads in order
            lines = out.split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            got = [json.loads(line)["payload"].encode() for line in lines]
            if got != self.payloads:
                raise CheckFailed(f"{len(got)} JSON lines; first difference at "
                                  f"{next((i for i, (a, b) in enumerate(zip(got, self.payloads)) if a != b), len(got))}")
            return
        exp = self.expected
        if out != exp:
            lines, elines = out.split(b"\n"), exp.split(b"\n")
            for i, (a, b) in enumerate(zip(lines, elines)):
                if a != b:
                    raise CheckFailed(f"output line {i + 1} is {_short(a)}, expected {_short(b)} "
                                      f"({len(lines) - 1} lines, expected {len(elines) - 1})")
            raise CheckFailed(f"{len(lines) - 1} output lines, expected {len(elines) - 1}")

    def finish(self, env, ctx):
        forget_session(env.port, ctx[1])


def json_lines_file(workdir, n):
    """n lines of `{"payload":"i"}` for `rpub --json-lines` (the payloads of `seq n`), written once."""
    path = os.path.join(workdir, f"json-lines-{n}.jsonl")
    if not os.path.exists(path):
        with open(path, "w") as f:
            for i in range(1, n + 1):
                f.write('{"payload":"%d"}\n' % i)
    return path


def scenarios(big_payload, big_path, workdir):
    one = lambda q: Publish(  # noqa: E731
        f"pub-q{q}", f"one-shot publish `-m` QoS {q}", 30, ["-q", str(q), "-m", lambda tag: f"hello {tag}"],
        f"pub -t T -q {q} -m 'hello N'", lambda tag: [f"hello {tag}".encode()])

    def jsonl(key, n, pairs, capped=False, timeout=60):
        path = json_lines_file(workdir, n)
        return Publish(key, f"`rpub --json-lines -q 0`, {n:,} lines (baseline: our `seq {n} | rpub -l`)", pairs,
                       ["--json-lines", "-q", "0"], f"pub -t T --json-lines < {n} lines / seq {n} | pub -t T -l",
                       seq_payloads(n), stdin=("file", path), timeout=timeout, verify_timeout=timeout,
                       capped=capped, baseline=(["-l", "-q", "0"], ("seq", n)))

    def stream(key, title, n, opts, pairs, capped=False, timeout=60):
        return Publish(key, title, pairs, ["-l"] + opts, f"seq {n} | pub -t T -l {' '.join(opts)}",
                       seq_payloads(n), stdin=("seq", n), timeout=timeout, verify_timeout=timeout, capped=capped)

    return [
        Help("pub", 30),
        Help("sub", 30),
        one(0),
        one(1),
        one(2),
        Retained("retained", "retained round trip `rsub -C 1`", 30, b"retained payload", ["-C", "1"],
                 "sub -t T -C 1 (one retained message)"),
        Publish("line-1", "`rpub -l` with one line", 30, ["-l"], "echo 'one line' | pub -t T -l",
                [b"one line"], stdin=("bytes", b"one line\n")),
        stream("stream-q0-100k", "`seq 100000 | rpub -l -q 0`", 100_000, ["-q", "0"], 15),
        stream("stream-q1-20k", "`seq 20000 | rpub -l -q 1`", 20_000, ["-q", "1"], 15),
        stream("stream-q1-20k-M100", "`seq 20000 | rpub -l -q 1 -M 100`", 20_000, ["-q", "1", "-M", "100"], 15),
        stream("stream-q2-20k", "`seq 20000 | rpub -l -q 2`", 20_000, ["-q", "2"], 15),
        Drain("drain-q0-100k", "drain 100,000 queued QoS 0", 8, 100_000, 0, [],
              "sub -c -i ID -q 1 -t T -C 100000"),
        Drain("drain-q0-100k-v", "drain 100,000 queued QoS 0, `-v`", 8, 100_000, 0, ["-v"],
              "sub -c -i ID -q 1 -t T -C 100000 -v"),
        Drain("drain-q0-100k-F", "drain 100,000 queued QoS 0, `-F '%t %p'`", 8, 100_000, 0, ["-F", "%t %p"],
              "sub -c -i ID -q 1 -t T -C 100000 -F '%t %p'"),
        Drain("drain-q1-20k", "drain 20,000 queued QoS 1", 15, 20_000, 1, [], "sub -c -i ID -q 1 -t T -C 20000"),
        Publish("pub-10MB-q1", "publish a 10 MiB payload, QoS 1 (`-f`)", 15, ["-q", "1", "-f", big_path],
                "pub -t T -q 1 -f FILE (10 MiB)", [big_payload]),
        Retained("sub-10MB-q1", "receive a 10 MiB payload, QoS 1 (`-C 1`)", 15, big_payload, ["-q", "1", "-C", "1"],
                 "sub -t T -q 1 -C 1 (one retained 10 MiB message)"),
        stream("stream-q0-1k", "`seq 1000 | rpub -l -q 0` (RSS baseline)", 1_000, ["-q", "0"], 30),
        stream("stream-q0-1M", "`seq 1000000 | rpub -l -q 0` (RSS)", 1_000_000, ["-q", "0"], 3, capped=True,
               timeout=120),
        WsPublish("ws-stream-q0-100k", "`seq 100000 | rpub -l -q 0 --ws` vs mosquitto_pub 2.1.2 `--ws`", 15,
                  100_000, ["-q", "0"], {"ours": ("rpub", "ws"), "mosq": ("mosquitto_pub", "ws")}),
        WsPublish("ws-vs-tcp-q0-100k", "`seq 100000 | rpub -l -q 0`: over ws vs over TCP (mosq columns: rpub TCP)",
                  15, 100_000, ["-q", "0"], {"ours": ("rpub", "ws"), "mosq": ("rpub", "tcp")}),
        # issue 15
        Drain("drain-jsonl-100k", "drain 100,000 queued QoS 0, `--json-lines` (mosquitto: `-F %j`)", 8, 100_000,
              0, ["--json-lines"], "sub -c -i ID -q 1 -t T -C 100000 --json-lines / mosquitto_sub ... -F %j",
              other_fmt=["-F", "%j"], json_out=True),
        Drain("drain-trace-100k", "drain 100,000 queued QoS 0 with `--trace` (baseline: ours without)", 8,
              100_000, 0, ["--trace", lambda env, tag: os.path.join(env.workdir, "trace.jsonl")],
              "sub -c -i ID -q 1 -t T -C 100000 --trace FILE / the same without --trace", other_fmt=[],
              baseline_ours=True),
        jsonl("jsonl-q0-100k", 100_000, 8),
        jsonl("jsonl-q0-1k", 1_000, 30),
        jsonl("jsonl-q0-1M", 1_000_000, 3, capped=True, timeout=120),
    ]


# --------------------------------------------------------------------------------------------------
# Running and reporting.


def ratio(a, b):
    return a / b if b > 0 else None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run_scenario(env, sc, idx, total):
    plan = []
    res = {"key": sc.key, "title": sc.title, "command": sc.doc, "pairs": sc.pairs, "status": "ok", "notes": [],
           "runs": {"ours": [], "mosq": []}, "baseline_ours": sc.baseline_ours}
    t0 = time.monotonic()
    mosq_failures = []

    def one(side, tag, measured):
        args, stdin, ctx = sc.prepare_for(env, tag, side)
        args = sc.conn(env, side) + args
        prog = sc.program(env, side)
        if prog is None and sc.baseline_ours:
            prog = env.tools["ours"][sc.tool]
        r = env.run(side, sc.tool, args, stdin, sc.timeout, prog=prog)
        try:
            sc.check(env, ctx, r)
            r["ok"] = True
        except CheckFailed as e:
            r["ok"] = False
            r["error"] = str(e)
        finally:
            try:
                if ctx is not None:
                    sc.finish(env, ctx)
            except (OSError, CheckFailed):
                pass
        env.check_broker()
        for k in ("stdout", "stderr"):
            r[k + "_tail"] = read(r[k])[-200:].decode(errors="replace")
        if measured:
            res["runs"][side].append({k: v for k, v in r.items() if k not in ("stdout", "stderr", "stdout_tail")})
        return r

    try:
        try:
            sc.setup(env)
        except Skip as e:
            res["status"] = f"skipped: {e}"
            log(f"[{idx}/{total}] {sc.key}: skipped: {e}")
            return res
        plan = ([("warm-up", False)] if sc.warmup else []) + [(f"pair {i + 1}", True) for i in range(sc.pairs)]
        for n, (label, measured) in enumerate(plan):
            r = one("ours", f"{n}o", measured)
            if not r["ok"] and n == 0 and r["exit"] not in (0, None) and re.search(r"not supported", r["stderr_tail"]):
                # a flag ours does not have yet: say so instead of failing (the script works before and after)
                res["status"] = "skipped: not supported yet"
                res["notes"].append(r["stderr_tail"].strip())
                res["runs"]["ours"].clear()
                log(f"[{idx}/{total}] {sc.key}: skipped, ours says: {r['stderr_tail'].strip()}")
                return res
            if not r["ok"]:
                raise CheckFailed(f"ours ({label}): {r['error']}")
            r = one("mosq", f"{n}m", measured)
            if not r["ok"]:
                mosq_failures.append(f"{label}: {r['error']}")
    except CheckFailed as e:
        res["status"] = "FAILED"
        res["notes"].append(str(e))
        log(f"[{idx}/{total}] {sc.key}: FAILED: {e}")
    res["elapsed_s"] = round(time.monotonic() - t0, 2)
    if mosq_failures:
        res["mosq_failed_runs"] = len(mosq_failures)
        res["notes"].append(f"mosquitto failed {len(mosq_failures)} of {len(plan)} runs' checks; "
                            f"first: {mosq_failures[0]}")
    ours, mosq = res["runs"]["ours"], res["runs"]["mosq"]
    n = min(len(ours), len(mosq))
    if n:
        for m in ("wall_s", "cpu_s", "maxrss_kb", "broker_cpu_s"):
            res[f"ours_{m}"] = med([r[m] for r in ours[:n]])
            res[f"mosq_{m}"] = med([r[m] for r in mosq[:n]])
            res[f"ratio_{m}"] = med([ratio(a[m], b[m]) for a, b in zip(ours[:n], mosq[:n])])
        res["measured_pairs"] = n
    if res["status"] == "ok":
        log(f"[{idx}/{total}] {sc.key}: {n} pairs in {res['elapsed_s']} s; ratios wall {fmt_r(res.get('ratio_wall_s'))}"
            f" cpu {fmt_r(res.get('ratio_cpu_s'))} rss {fmt_r(res.get('ratio_maxrss_kb'))}"
            + (f"; MOSQUITTO FAILED {len(mosq_failures)} runs" if mosq_failures else ""))
    return res


def fmt_r(x):
    return "n/a" if x is None else f"{x:.2f}"


def fmt_t(s):
    if s is None:
        return "n/a"
    if s < 0.1:
        return f"{s * 1000:.2f} ms"
    if s < 10:
        return f"{s * 1000:.0f} ms"
    return f"{s:.1f} s"


def fmt_b(s):
    return "n/a" if s is None else f"{s * 1000:.0f}"


def fmt_kb(kb):
    return "n/a" if kb is None else f"{kb / 1024:.1f} MiB"


def targets(results, big_len):
    by = {r["key"]: r for r in results}
    rows = []

    def add(what, key, metric, limit, absolute=None):
        r = by.get(key)
        if r is None:
            return
        if r["status"] != "ok":
            rows.append({"target": what, "scenario": key, "value": None, "limit": limit, "holds": None,
                         "why": r["status"]})
            return
        v = r.get(f"ratio_{metric}") if absolute is None else absolute(r)
        rows.append({"target": what, "scenario": key, "value": v, "limit": limit,
                     "holds": (v is not None and v <= limit)})

    for q in (0, 1, 2):
        add("one-shot publish wall ≤ 0.6", f"pub-q{q}", "wall_s", 0.6)
    add("`-l` one line wall ≤ 0.1", "line-1", "wall_s", 0.1)
    add("100k QoS 0 stream wall ≤ 0.6", "stream-q0-100k", "wall_s", 0.6)
    add("100k QoS 0 stream CPU ≤ 0.5", "stream-q0-100k", "cpu_s", 0.5)
    for k in ("stream-q1-20k", "stream-q1-20k-M100", "stream-q2-20k"):
        add("QoS 1/2 stream wall ≤ 0.7", k, "wall_s", 0.7)
    for k in ("drain-q0-100k", "drain-q0-100k-v", "drain-q0-100k-F", "drain-q1-20k"):
        add("subscriber drain CPU ≤ 0.5", k, "cpu_s", 0.5)
    add("ws 100k QoS 0: rpub over ws / mosquitto_pub 2.1.2 over ws ≤ 0.6", "ws-stream-q0-100k", "wall_s", 0.6)
    add("ws 100k QoS 0: rpub over ws / rpub over TCP ≤ 1.5", "ws-vs-tcp-q0-100k", "wall_s", 1.5)
    measured = [r for r in results if r["status"] == "ok" and r.get("ratio_maxrss_kb") is not None
                and not r["key"].startswith("ws-vs-tcp") and not r.get("baseline_ours")]
    if measured:
        over = [r["key"] for r in measured if r["ratio_maxrss_kb"] > 1.0]
        worst = max(measured, key=lambda r: r["ratio_maxrss_kb"])
        rows.append({"target": "peak RSS ratio ≤ 1.0 in every scenario", "limit": 1.0,
                     "scenario": ", ".join(over) if over else f"all {len(measured)} (highest: {worst['key']})",
                     "value": worst["ratio_maxrss_kb"], "holds": not over})
    # issue 15
    add("`rsub --json-lines` drain CPU ≤ 0.5 × `mosquitto_sub -F %j`", "drain-jsonl-100k", "cpu_s", 0.5)
    add("`rpub --json-lines` 100k lines wall ≤ 1.5 × our `rpub -l`", "jsonl-q0-100k", "wall_s", 1.5)
    add("`--trace` on a 100k drain CPU ≤ 3 × without", "drain-trace-100k", "cpu_s", 3.0)
    if "jsonl-q0-1M" in by and "jsonl-q0-1k" in by and by["jsonl-q0-1k"].get("ours_maxrss_kb"):
        jbase = by["jsonl-q0-1k"]["ours_maxrss_kb"]
        add("`--json-lines` 1,000,000 lines: our peak RSS ≤ 1.05 × ours for 1,000", "jsonl-q0-1M", "maxrss_kb", 1.05,
            absolute=lambda r: r["ours_maxrss_kb"] / jbase)
    limit_mib = (1.2 * big_len + 2 * MIB) / MIB
    for k in ("pub-10MB-q1", "sub-10MB-q1"):
        add(f"10 MiB: our peak RSS ≤ 1.2 × payload + 2 MiB = {limit_mib:.1f} MiB", k, "maxrss_kb", limit_mib,
            absolute=lambda r: r["ours_maxrss_kb"] / 1024)
    if "stream-q0-1M" in by and "stream-q0-1k" in by and by["stream-q0-1k"].get("ours_maxrss_kb"):
        base = by["stream-q0-1k"]["ours_maxrss_kb"]
        add("1,000,000 lines: our peak RSS ≤ 1.05 × ours for 1,000 lines", "stream-q0-1M", "maxrss_kb", 1.05,
            absolute=lambda r: r["ours_maxrss_kb"] / base)
    return rows


def markdown(results, trows, meta):
    out = []
    ws_note = ("; WebSocket scenarios (ws-*): mosquitto 2.1.2's broker and mosquitto_pub 2.1.2"
               if any(r["key"].startswith("ws-") for r in results) else "")
    out.append(f"Broker: mosquitto {meta['mosquitto_version']} on loopback{ws_note}; {meta['nproc']} CPUs, {meta['cpu']}; "
               f"kernel {meta['kernel']}; rpubsub {meta['git']}; {meta['date']}; load average (1, 5, 15 min) "
               f"{meta['loadavg_start']} at the start, {meta.get('loadavg_end', '?')} at the end.")
    out.append("")
    out.append("Medians over the measured pairs (runs alternate ours, mosquitto's, ours, ...; the quick scenarios "
               "start with one unmeasured warm-up pair; the slow ones have fewer pairs, see the pairs column). "
               "Ratio = median of the per-pair ratios ours / mosquitto's (below 1 = we are better). "
               "CPU = user + sys of the client process; RSS = its peak resident set (ru_maxrss); broker CPU (ms, "
               "10 ms ticks) = what the broker used while the client ran (work it does after a QoS 0 publisher has "
               "exited is not included).")
    out.append("")
    out.append("| Scenario | pairs | wall ours | wall mosq | wall ratio | CPU ours | CPU mosq | CPU ratio "
               "| RSS ours | RSS mosq | RSS ratio | broker CPU ours / mosq | notes |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        notes = "; ".join(([] if r["status"] == "ok" else [r["status"]]) + r["notes"]).replace("|", "\\|")
        notes = notes.replace("\n", " ")[:300]
        title = r["title"].replace("|", "\\|")
        if r.get("measured_pairs"):
            out.append(
                f"| {title} | {r['measured_pairs']} | {fmt_t(r['ours_wall_s'])} | {fmt_t(r['mosq_wall_s'])} "
                f"| **{fmt_r(r['ratio_wall_s'])}** | {fmt_t(r['ours_cpu_s'])} | {fmt_t(r['mosq_cpu_s'])} "
                f"| **{fmt_r(r['ratio_cpu_s'])}** | {fmt_kb(r['ours_maxrss_kb'])} | {fmt_kb(r['mosq_maxrss_kb'])} "
                f"| **{fmt_r(r['ratio_maxrss_kb'])}** "
                f"| {fmt_b(r['ours_broker_cpu_s'])} / {fmt_b(r['mosq_broker_cpu_s'])} "
                f"| {notes} |")
        else:
            out.append(f"| {title} | 0 | | | | | | | | | | | {notes} |")
    out.append("")
    out.append("| Target (issue 7) | scenario | value | holds |")
    out.append("|---|---|---:|---|")
    for t in trows:
        v = fmt_r(t["value"]) if t["value"] is not None else "n/a"
        h = {True: "yes", False: "**no**", None: t.get("why", "n/a")}[t["holds"]]
        out.append(f"| {t['target']} | {t['scenario']} | {v} | {h} |")
    return "\n".join(out)


def _loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def machine_meta(env):
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def cmd(args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    mv = cmd([env.tools["mosq"]["pub"], "--help"]).splitlines()
    git = cmd(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    if cmd(["git", "status", "--porcelain", "--untracked-files=no"]):
        git += " + uncommitted changes"
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
        "mosquitto_version": (re.search(r"version (\S+)", mv[1]).group(1) if len(mv) > 1 and "version" in mv[1]
                              else "unknown"),
        "git": git, "python": platform.python_version(), "loadavg_start": _loadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", default="target/release", help="where rpub and rsub are (default target/release)")
    ap.add_argument("--pairs", type=int,
                    help="pairs per scenario (the 1,000,000-line scenario keeps at most its default 3)")
    ap.add_argument("--quick", action="store_true", help="short run: 3 pairs (1 for the 1,000,000-line one)")
    ap.add_argument("--only", help="run only the scenarios whose key matches this regex")
    ap.add_argument("--json", help="machine-readable summary (default: bench-results.json in a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (broker config, last outputs)")
    ap.add_argument("--oracle21", default="target/oracle/mosquitto-2.1.2",
                    help="mosquitto 2.1.2 build for the WebSocket scenarios (default target/oracle/mosquitto-2.1.2)")
    args = ap.parse_args()
    if args.quick and args.pairs is None:
        args.pairs = 3
    if args.pairs is not None and args.pairs < 1:
        ap.error("--pairs must be at least 1")

    env = Env(args)

    def on_signal(sig, _frame):
        log(f"bench: signal {sig}: stopping the broker and removing {env.workdir}")
        raise SystemExit(128 + sig)

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    t0 = time.monotonic()
    try:
        env.start_broker()
        big_payload = bytes((i * 7 + 13) % 256 for i in range(256)) * (10 * MIB // 256)
        big_path = os.path.join(env.workdir, "payload-10MiB")
        with open(big_path, "wb") as f:
            f.write(big_payload)
        all_sc = scenarios(big_payload, big_path, env.workdir)
        chosen = [s for s in all_sc if not args.only or re.search(args.only, s.key)]
        for s in chosen:
            if args.pairs is not None:
                s.pairs = min(args.pairs, s.pairs) if s.capped else args.pairs
                if args.quick and s.capped:
                    s.pairs = 1
        meta = machine_meta(env)
        log(f"bench: broker on {HOST}:{env.port}, work dir {env.workdir}, {len(chosen)} scenarios")
        results = []
        for i, sc in enumerate(chosen, 1):
            results.append(run_scenario(env, sc, i, len(chosen)))
        trows = targets(results, len(big_payload))
        meta["loadavg_end"] = _loadavg()
        elapsed = time.monotonic() - t0
        md = markdown(results, trows, meta)
        print(md)
        print(f"\nTotal time {elapsed:.0f} s.")
        json_path = args.json
        if not json_path:
            json_path = os.path.join(tempfile.mkdtemp(prefix="rpubsub-bench-results-"), "bench-results.json")
        with open(json_path, "w") as f:
            json.dump({"meta": meta, "elapsed_s": round(elapsed, 1), "scenarios": results, "targets": trows}, f,
                      indent=1)
        log(f"bench: JSON summary in {json_path}")
        failed = [r["key"] for r in results if r["status"] == "FAILED"]
        if failed:
            log(f"bench: FAILED scenarios (our tools failed a check): {', '.join(failed)}")
            return 1
        return 0
    finally:
        env.cleanup()


if __name__ == "__main__":
    sys.exit(main())
