#!/usr/bin/env bash
# Installs the linters that tests/lint.rs runs (actionlint, shellcheck,
# hadolint; pinned in scripts/lint-tools.txt) into target/tools/venv.
# Idempotent: skipped when installed from the same list by the same Python.
# Needs python3 (with venv) and PyPI.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$repo/scripts/lint-tools.txt"
venv="$repo/target/tools/venv"
stamp="$venv/.rollcall-installed"

command -v python3 >/dev/null 2>&1 || {
  echo "lint tools: python3 is required" >&2
  exit 1
}
want="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 -c 'import sys; print(sys.version)')"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "lint tools: up to date ($venv)"
  exit 0
fi
echo "lint tools: installing actionlint, shellcheck and hadolint into $venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --only-binary=:all: -r "$requirements" || {
  echo "lint tools: pip install -r $requirements failed (is PyPI reachable?)" >&2
  exit 1
}
for tool in actionlint shellcheck hadolint; do
  "$venv/bin/$tool" --version >/dev/null
done
printf '%s' "$want" >"$stamp"
