#!/usr/bin/env bash
# Installs Prism, pinned by package.json + package-lock.json, into ./node_modules with
# `npm ci`, checks its version, and prints the absolute path of its binary on stdout
# (everything else goes to stderr). For the contract tests in tests/prism.rs:
#
#     PRISM_BIN="$(bash .ci/prism.sh)"
#     export PRISM_BIN
#
# (Two lines on purpose: `export X="$(cmd)"` hides a failing cmd from `set -e`.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() { echo "prism.sh: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed (Node 20 or newer is needed)"
command -v npm >/dev/null || fail "npm is not installed"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "Node $(node --version) is too old; Prism 5.14 needs Node 20"
[ -f package-lock.json ] || fail "package-lock.json is missing: Prism must be installed from the lock file"

# The lock file is the source of truth: `npm ci` installs exactly it and fails if
# package.json and the lock disagree.
npm ci --no-audit --no-fund --loglevel=error >&2

bin="$PWD/node_modules/.bin/prism"
[ -x "$bin" ] || fail "npm ci did not install $bin"
want="$(node -p 'require("./package.json").devDependencies["@stoplight/prism-cli"]')"
have="$("$bin" --version)"
[ "$have" = "$want" ] || fail "Prism $have installed, package.json pins $want"
echo "prism.sh: Prism $have at $bin" >&2
echo "$bin"
