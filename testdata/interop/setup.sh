#!/usr/bin/env bash
# Installs the frameworks of the interop apps (tests/interop.rs):
#   target/interop/venv   python3 -m venv + pip install -r requirements.txt
#                         (FastAPI, Flask, Django REST Framework, aiohttp;
#                         http.server is the standard library's; moto's
#                         server for tests/s3.rs)
#   target/interop/node   package.json + package-lock.json, npm ci
#                         (Express, Fastify, Koa with @koa/router)
# Idempotent: each part is skipped when it was installed from the same
# requirements.txt / package-lock.json and the same interpreter (a stamp file
# holds their hash, written last).
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

command -v python3 >/dev/null 2>&1 || fail "python3 is required (the Python apps run on it)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  fail "node and npm are required (the Express, Fastify and Koa apps run on Node.js)"
fi

# Python: one venv. The stamp also covers the Python version, since a venv is
# tied to the interpreter that made it.
venv="$dest/venv"
requirements="$here/requirements.txt"
python_version="$(python3 -c 'import sys; print(sys.version)')"
want="$(printf '%s\n%s\n' "$(hash_of "$requirements")" "$python_version")"
stamp="$venv/.rollcall-installed"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "interop setup: the Python venv is up to date ($venv)"
else
  echo "interop setup: installing the Python frameworks into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$requirements" || fail "pip install -r $requirements failed (is PyPI reachable?)"
  printf '%s' "$want" >"$stamp"
fi

# Node.js: npm ci into a copy of the package files, so node_modules stays out
# of the source tree; the tests run each app with NODE_PATH pointing here.
node_dir="$dest/node"
want="$(printf '%s\n%s\n' "$(hash_of "$here/package.json" "$here/package-lock.json")" "$(node --version)")"
stamp="$node_dir/.rollcall-installed"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "interop setup: the Node.js modules are up to date ($node_dir)"
else
  echo "interop setup: installing the Node.js frameworks into $node_dir"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error) ||
    fail "npm ci in $node_dir failed (is the npm registry reachable?)"
  printf '%s' "$want" >"$stamp"
fi

# The Express install of earlier versions of this script, now part of node/.
rm -rf "$dest/express"
