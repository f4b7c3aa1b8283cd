#!/usr/bin/env bash
# The published crates end to end, as crates.io would get them: package atlas-snapshots
# and atlas-snapshots-standin and build each from its .crate alone, run the quickstart
# from the unpacked SDK on the unpacked stand-in, build the stand-in's example from its
# .crate, build a downstream project on the unpacked SDK (.ci/downstream.sh, offline),
# and dry-run the publish of both.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n--> %s\n' "$*"; }
version() { sed -n 's/^version = "\(.*\)"$/\1/p' "$1" | head -n 1; }

# Everything builds into the workspace's target directory, so the builds from unpacked
# sources reuse the dependencies already compiled there.
CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
export CARGO_TARGET_DIR
sdk_version="$(version Cargo.toml)"
standin_version="$(version standin/Cargo.toml)"

step "cargo package: both crates, each verified by a build from its .crate alone"
# The SDK's dev-dependency names the stand-in by version, which crates.io does not have
# yet; packaged together, cargo resolves it to the stand-in packaged beside it.
# --allow-dirty: locally, check the working tree as it is; CI runs on a clean clone.
rm -f "$CARGO_TARGET_DIR"/package/atlas-snapshots-*.crate
cargo package --allow-dirty -p atlas-snapshots-standin -p atlas-snapshots

unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
tar -xzf "$CARGO_TARGET_DIR/package/atlas-snapshots-$sdk_version.crate" -C "$unpacked"
tar -xzf "$CARGO_TARGET_DIR/package/atlas-snapshots-standin-$standin_version.crate" -C "$unpacked"
sdk="$unpacked/atlas-snapshots-$sdk_version"
standin="$unpacked/atlas-snapshots-standin-$standin_version"

# Until the stand-in is on crates.io, the unpacked SDK finds its dev-dependency here.
patch="patch.crates-io.atlas-snapshots-standin.path='$standin'"

step "quickstart from the packaged SDK, on the packaged stand-in, with no credentials"
(
  cd "$sdk"
  env -u MONGODB_ATLAS_CLIENT_ID -u MONGODB_ATLAS_PUBLIC_API_KEY -u MONGODB_ATLAS_ACCESS_TOKEN \
    cargo run --offline --config "$patch" --example quickstart
) | tee "$unpacked/quickstart.out"
grep -q '^No credentials set: using the embedded Atlas stand-in' "$unpacked/quickstart.out"
grep -q '"totalCount": 3' "$unpacked/quickstart.out"

step "the stand-in's standalone server from its packaged sources"
(cd "$standin" && cargo build --offline --locked --example standin)

step "docs of both packaged crates with all features, as docs.rs builds them, warnings denied"
for dir in "$standin" "$sdk"; do
  (cd "$dir" && RUSTDOCFLAGS="-D warnings" cargo doc --offline --config "$patch" --no-deps --all-features)
done

step "a downstream project on the packaged SDK, default features, offline"
bash .ci/downstream.sh "$sdk"

step "cargo publish --dry-run: everything short of the upload, both crates in order"
cargo publish --dry-run --allow-dirty -p atlas-snapshots-standin -p atlas-snapshots
