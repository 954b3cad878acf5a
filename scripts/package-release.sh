#!/usr/bin/env bash
# Packs release archives the way action.yml downloads them (used by
# .github/workflows/release.yml, and by tests/action.rs for its fake release):
#
#   scripts/package-release.sh archive TARGET BINARY OUTDIR
#       OUTDIR/rollcall-VERSION-TARGET.tar.gz (.zip for a Windows TARGET)
#       holding rollcall-VERSION-TARGET/{rollcall[.exe],README.md,LICENSE*}
#   scripts/package-release.sh checksums OUTDIR
#       OUTDIR/SHA256SUMS: one "HASH  ARCHIVE" line per archive (sha256sum -c reads it)
#
# VERSION is the [package] version of Cargo.toml.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  echo "usage: $0 archive TARGET BINARY OUTDIR | $0 checksums OUTDIR" >&2
  exit 2
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

version() {
  awk '/^\[/ { in_package = ($0 == "[package]") }
    in_package && /^version *= *"/ { sub(/^version *= *"/, ""); sub(/".*$/, ""); print; exit }' "$repo/Cargo.toml"
}

archive() {
  local target=$1 binary=$2 outdir=$3 version name stage exe=""
  version=$(version)
  [ -n "$version" ] || { echo "no [package] version in Cargo.toml" >&2; exit 1; }
  [ -f "$binary" ] || { echo "no binary at $binary" >&2; exit 1; }
  case "$target" in *-windows-*) exe=.exe ;; esac
  name="rollcall-$version-$target"
  mkdir -p "$outdir"
  outdir="$(cd "$outdir" && pwd)"
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' RETURN
  mkdir "$stage/$name"
  cp "$binary" "$stage/$name/rollcall$exe"
  chmod 755 "$stage/$name/rollcall$exe"
  cp "$repo/README.md" "$stage/$name/"
  for license in "$repo"/LICENSE*; do
    [ -f "$license" ] && cp "$license" "$stage/$name/"
  done
  if [ -n "$exe" ]; then
    rm -f "$outdir/$name.zip"
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bso0 "$outdir/$name.zip" "$name")
    else
      (cd "$stage" && zip -qr "$outdir/$name.zip" "$name")
    fi
    echo "$outdir/$name.zip"
  else
    tar -C "$stage" -czf "$outdir/$name.tar.gz" "$name"
    echo "$outdir/$name.tar.gz"
  fi
}

checksums() {
  local outdir=$1
  (
    cd "$outdir"
    shopt -s nullglob
    archives=(rollcall-*.tar.gz rollcall-*.zip)
    [ "${#archives[@]}" -gt 0 ] || { echo "no rollcall-* archives in $outdir" >&2; exit 1; }
    sha256 "${archives[@]}" >SHA256SUMS
    cat SHA256SUMS
  )
}

case "${1:-}" in
  archive)
    [ "$#" -eq 4 ] || usage
    archive "$2" "$3" "$4"
    ;;
  checksums)
    [ "$#" -eq 2 ] || usage
    checksums "$2"
    ;;
  *) usage ;;
esac
