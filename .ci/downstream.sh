#!/usr/bin/env bash
# A downstream user's first build: a new project that depends on atlas-snapshots with
# default features and calls `Client::builder()`, built and run offline (the registry
# cache is warm after the main build). Fails if it does not build or run, or if the
# stand-in or a crate only our tests, benchmarks or CLI need reaches its dependency tree.
#
#   .ci/downstream.sh [ATLAS_SNAPSHOTS_DIR]   (default: this repository; .ci/package.sh
#                                              passes the unpacked .crate)
set -euo pipefail
crate="$(realpath "${1:-$(dirname "$0")/..}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
cat > "$work/Cargo.toml" <<EOF
[package]
name = "downstream"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
atlas-snapshots = { path = "$crate" }

[workspace]
EOF
cat > "$work/src/main.rs" <<'EOF'
use atlas_snapshots::{Client, Credentials, DEFAULT_BASE_URL};

fn main() -> atlas_snapshots::Result<()> {
    let _client = Client::builder()
        .credentials(Credentials::bearer("downstream-token"))
        .build()?;
    println!("downstream: a client for {DEFAULT_BASE_URL}");
    Ok(())
}
EOF
# Start from the versions the crate was built and tested with; cargo drops the rest.
cp "$crate/Cargo.lock" "$work/Cargo.lock"

cargo build --offline --manifest-path "$work/Cargo.toml"
cargo run --offline --quiet --manifest-path "$work/Cargo.toml" | grep -qx "downstream: a client for https://cloud.mongodb.com"

tree="$(cargo tree --offline --manifest-path "$work/Cargo.toml" -e normal,build --prefix none | sed 's/ (\*)$//' | sort -u)"
for unwanted in atlas-snapshots-standin criterion proptest clap tracing-subscriber getrandom iana-time-zone futures-executor; do
  if grep -q "^$unwanted v" <<<"$tree"; then
    echo "downstream: $unwanted is in the dependency tree of a default-features user" >&2
    exit 1
  fi
done
echo "downstream: builds and runs offline; $(wc -l <<<"$tree") packages in its tree (normal and build)"
