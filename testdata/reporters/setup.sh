#!/usr/bin/env bash
# Installs what tests/reporters.rs needs to run the three GitHub JUnit
# reporters' own code on rollcall's JUnit:
#   target/reporters/venv   python3 -m venv + pip install -r enricomi/requirements.txt
#                           (junitparser and lxml, as EnricoMi's action pins them)
# mikepenz/action-junit-report and dorny/test-reporter run from their vendored
# release bundles (dist/index.js, every npm dependency inside) on `node`: no
# npm install. Idempotent: skipped when the stamp matches requirements.txt and
# the Python version. Needs python3 (with venv), node, and PyPI.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/target/reporters/venv"

fail() {
  echo "reporters setup: $*" >&2
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is required (EnricoMi's parser runs on it)"
command -v node >/dev/null 2>&1 || fail "node is required (mikepenz's and dorny's actions run on it)"

requirements="$here/enricomi/requirements.txt"
want="$(printf '%s\n%s\n' "$(sha256sum "$requirements" | cut -d' ' -f1)" "$(python3 -c 'import sys; print(sys.version)')")"
stamp="$venv/.rollcall-installed"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "reporters setup: venv is up to date ($venv)"
  exit 0
fi
echo "reporters setup: installing junitparser and lxml into $venv"
rm -rf "$venv"
python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" ||
  fail "pip install -r $requirements failed (is PyPI reachable?)"
printf '%s' "$want" >"$stamp"
