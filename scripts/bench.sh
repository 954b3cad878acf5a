#!/usr/bin/env bash
# Benchmark: how close `rollcall` is to the physical limit of "read the
# contract, send one request per operation". Prints figures, not pass/fail.
#
#   scripts/bench.sh              # everything (needs npm for the GitHub contract)
#   BENCH_SKIP_GITHUB=1 scripts/bench.sh   # synthetic contracts only
#
# For each contract: load+plan time (`rollcall list`), full `check` wall
# time against a catch-all loopback server, requests per second and peak RSS
# (GNU time), and next to each the floor: the time to parse the same
# document into a generic value (examples/parse_floor.rs), plus one request
# per operation at the catch-all server's throughput measured with a plain
# reqwest client at the same concurrency (examples/catchall.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

CONCURRENCY="${BENCH_CONCURRENCY:-16}"
OUT=target/bench
mkdir -p "$OUT"

if [ ! -x /usr/bin/time ]; then
  echo "bench.sh needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 1
fi

echo "building (release)..." >&2
cargo build --release --quiet --bin rollcall --example catchall --example parse_floor --example gen_contract
BIN=target/release/rollcall
EX=target/release/examples

contracts=()
if [ -z "${BENCH_SKIP_GITHUB:-}" ]; then
  if [ ! -f "$OUT/api.github.com.json" ]; then
    echo "fetching @octokit/openapi from the npm registry..." >&2
    (cd "$OUT" && npm pack --silent @octokit/openapi >/dev/null && tar xzf octokit-openapi-*.tgz package/generated/api.github.com.json \
      && mv package/generated/api.github.com.json . && rm -rf package octokit-openapi-*.tgz)
  fi
  if [ ! -f "$OUT/api.github.com.yaml" ]; then
    "$EX/parse_floor" to-yaml "$OUT/api.github.com.json" >"$OUT/api.github.com.yaml"
  fi
  contracts+=("$OUT/api.github.com.json" "$OUT/api.github.com.yaml")
fi
for n in 1000 10000 50000; do
  file="$OUT/synthetic-$n.json"
  [ -f "$file" ] || "$EX/gen_contract" "$n" >"$file"
  contracts+=("$file")
done

"$EX/catchall" serve >"$OUT/catchall.url" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$OUT/catchall.url" ] && break; sleep 0.1; done
URL="$(cat "$OUT/catchall.url")"

# Warm up, then measure the catch-all's throughput for a plain client.
"$EX/catchall" load "$URL" 2000 "$CONCURRENCY" >/dev/null
RATE="$("$EX/catchall" load "$URL" 20000 "$CONCURRENCY")"

# time_of CMD...: runs CMD under GNU time; sets WALL (s) and RSS (MB).
time_of() {
  /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || true
  # GNU time writes "Command exited with non-zero status N" first when the
  # command fails (a check that flags operations exits 1): keep the last line.
  read -r WALL RSS_KB < <(tail -n 1 "$OUT/time.txt")
  RSS=$((RSS_KB / 1024))
}

echo
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(uname -sr)"
echo "catch-all server: $RATE requests/s for a plain reqwest client at concurrency $CONCURRENCY"
echo
printf '%-22s %5s %6s %7s | %9s %7s | %7s %7s %6s | %7s %7s | %6s %7s\n' \
  contract size ops requests "load+plan" floor "check" floor ratio "req/s" floor "RSS MB" "list MB"
for file in "${contracts[@]}"; do
  size="$(du -h "$file" | cut -f1)"
  parse="$("$EX/parse_floor" "$file")"
  # The last line of `rollcall list` is "N operations: ...".
  ops="$("$BIN" list "$file" 2>/dev/null | tail -n 1 | awk '{print $1}')"
  time_of "$BIN" list "$file"
  list_wall=$WALL list_rss=$RSS
  before="$(curl -fsS "$URL/__requests")"
  time_of "$BIN" check "$file" --target "bench=$URL" --concurrency "$CONCURRENCY" --quiet --json "$OUT/report.json"
  check_wall=$WALL check_rss=$RSS
  requests=$(( $(curl -fsS "$URL/__requests") - before ))
  awk -v name="$(basename "$file")" -v size="$size" -v ops="$ops" -v requests="$requests" -v parse="$parse" \
      -v lw="$list_wall" -v cw="$check_wall" -v rate="$RATE" -v rss="$check_rss" -v lrss="$list_rss" 'BEGIN {
    floor = parse + ops / rate
    probing = cw - lw
    rps = (probing > 0) ? requests / probing : 0
    printf "%-22s %5s %6d %7d | %8.2fs %6.2fs | %6.2fs %6.2fs %5.2fx | %7.0f %7.0f | %6d %7d\n",
      name, size, ops, requests, lw, parse, cw, floor, (floor > 0 ? cw / floor : 0), rps, rate, rss, lrss
  }'
done
echo
echo "requests: what the catch-all server answered during the check (probes, discovery, follow-ups)."
echo "floor: parse into a generic value, plus one request per operation at the plain client's rate."
echo "req/s: requests / (check - load+plan). ratio = check / floor (1.00x is the physical limit)."
echo "Reports and logs are in $OUT/."
