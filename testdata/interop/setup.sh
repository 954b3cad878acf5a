#!/usr/bin/env bash
# Installs the frameworks of the interop apps (tests/interop.rs):
#   target/interop/venv               python3 -m venv + pip install -r fastapi/requirements.txt
#   target/interop/express            package.json + package-lock.json, npm ci
# Idempotent: each part is skipped when it was installed from the same
# requirements.txt / package-lock.json (a stamp file holds their hash).
# Needs python3 (with venv) and npm, and PyPI and the npm registry.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="$repo/target/interop"
mkdir -p "$dest"

fail() {
  echo "interop setup: $*" >&2
  exit 1
}

hash_of() {
  cat "$@" | sha256sum | cut -d" " -f1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is required (the FastAPI app runs on it)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  fail "node and npm are required (the Express app runs on Node.js)"
fi

# FastAPI: a venv. The stamp also covers the Python version, since a venv is
# tied to the interpreter that made it.
venv="$dest/venv"
requirements="$here/fastapi/requirements.txt"
python_version="$(python3 -c 'import sys; print(sys.version)')"
want="$(printf '%s\n%s\n' "$(hash_of "$requirements")" "$python_version")"
stamp="$venv/.rollcall-installed"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "interop setup: FastAPI venv is up to date ($venv)"
else
  echo "interop setup: installing FastAPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$requirements" || fail "pip install -r $requirements failed (is PyPI reachable?)"
  printf '%s' "$want" >"$stamp"
fi

# Express: npm ci into a copy of the package files, so node_modules stays out
# of the source tree; the test runs server.js with NODE_PATH pointing here.
express="$dest/express"
want="$(printf '%s\n%s\n' "$(hash_of "$here/express/package.json" "$here/express/package-lock.json")" "$(node --version)")"
stamp="$express/.rollcall-installed"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d "$express/node_modules/express" ]]; then
  echo "interop setup: Express node_modules are up to date ($express)"
else
  echo "interop setup: installing Express into $express"
  rm -rf "$express"
  mkdir -p "$express"
  cp "$here/express/package.json" "$here/express/package-lock.json" "$express/"
  (cd "$express" && npm ci --no-audit --no-fund --loglevel=error) ||
    fail "npm ci in $express failed (is the npm registry reachable?)"
  printf '%s' "$want" >"$stamp"
fi
