#!/usr/bin/env bash
# Demo: start a private mosquitto broker on a free loopback port, subscribe with `rsub -d`, publish
# with `rpub -d`, and show what each printed (the classic mosquitto smoke test); then a request and
# its response with `rrr`, answered by an rsub | rpub responder that echoes the correlation data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh
export PATH="$PATH:/usr/sbin"
cargo build --release --quiet
bin=target/release

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" >"$dir/broker.log" 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "== broker: mosquitto on 127.0.0.1:$port"
"$bin/rsub" -d -h 127.0.0.1 -p "$port" -t orz -C 1 >"$dir/sub.out" 2>&1 &
sub=$!
sleep 0.3
echo '== $ rpub -d -t orz -m "Hello mosquitto." -h 127.0.0.1 -p '"$port"
"$bin/rpub" -d -h 127.0.0.1 -p "$port" -t orz -m "Hello mosquitto."
wait "$sub"
echo '== $ rsub -d -t orz -C 1 -h 127.0.0.1 -p '"$port"
cat "$dir/sub.out"
echo '== $ seq 5 | rpub -l -q 1 ... while rsub -v -C 5 listens'
"$bin/rsub" -h 127.0.0.1 -p "$port" -t 'demo/#' -v -C 5 -q 1 >"$dir/sub2.out" &
sub=$!
sleep 0.3
seq 5 | "$bin/rpub" -h 127.0.0.1 -p "$port" -t demo/lines -l -q 1
wait "$sub"
cat "$dir/sub2.out"
echo '== $ rrr -v -t demo/time -e demo/reply -m "what time is it?" -D publish correlation-data req-42 --latency'
echo '   (the responder answers twice: first with the correlation data of another request, which rrr'
echo '    ignores, then with the request'"'"'s own)'
(
  req=$("$bin/rsub" -h 127.0.0.1 -p "$port" -V 5 -t demo/time -C 1 -F '%R %D')
  reply_to=${req%% *} correlation=${req#* }
  "$bin/rpub" -h 127.0.0.1 -p "$port" -t "$reply_to" -m "an answer to someone else" -D publish correlation-data other
  "$bin/rpub" -h 127.0.0.1 -p "$port" -t "$reply_to" -m "it is $(date +%T)" -D publish correlation-data "$correlation"
) &
responder=$!
sleep 0.3
"$bin/rrr" -h 127.0.0.1 -p "$port" -v -t demo/time -e demo/reply -m "what time is it?" \
  -D publish correlation-data req-42 --latency -W 5
wait "$responder"
