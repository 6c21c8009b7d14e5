#!/usr/bin/env bash
# Builds what IT installs, each with a .sha256 file beside it, in dist/ (or --out DIR):
#   - a Windows zip: citytill.exe (fonts are embedded), a sample citytill.toml and README-IT.txt (packaging/windows/);
#   - a Linux .deb made by cargo-deb (`cargo install cargo-deb --locked`; see [package.metadata.deb] in Cargo.toml).
# Usage: scripts/package.sh [--debug] [--only windows|deb] [--out DIR] [--no-build] [--exe PATH]
#   --debug     package the dev-profile builds (CI: the release profile's whole-program LTO costs many minutes);
#               the default is the release profile.
#   --no-build  package what is already built in the target dir (CARGO_TARGET_DIR, else target/) instead of building.
#   --exe PATH  the citytill.exe to package (default: the target dir's x86_64-pc-windows-gnu build).
# The Windows build needs `rustup target add x86_64-pc-windows-gnu` and mingw (gcc-mingw-w64-x86-64); the zip `zip`.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
only=all
out=dist
build=1
exe=
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --only) only=${2:?--only needs windows or deb}; shift ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    --no-build) build=0 ;;
    --exe) exe=${2:?--exe needs a path}; shift ;;
    *) echo "package.sh: unknown argument '$1' (usage: scripts/package.sh [--debug] [--only windows|deb] [--out DIR] [--no-build] [--exe PATH])" >&2; exit 2 ;;
  esac
  shift
done
case "$only" in all|windows|deb) ;; *) echo "package.sh: --only must be windows or deb, not '$only'" >&2; exit 2 ;; esac

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target_dir=${CARGO_TARGET_DIR:-target}
profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Writes FILE.sha256 in sha256sum's format (hash, two spaces, the file's own name), checkable with `sha256sum -c`.
checksum() {
  (cd "$(dirname "$1")" && sha256sum "$(basename "$1")" > "$(basename "$1").sha256")
  echo "$1"
}

if [ "$only" != deb ]; then
  command -v zip >/dev/null 2>&1 || { echo "package.sh: zip is not installed (apt-get install zip)" >&2; exit 1; }
  windows_target=x86_64-pc-windows-gnu
  if [ "$build" = 1 ]; then
    cargo build "${profile_flag[@]}" --target "$windows_target" --bin citytill
  fi
  exe=${exe:-$target_dir/$windows_target/$profile/citytill.exe}
  [ -f "$exe" ] || { echo "package.sh: $exe does not exist (build it, or drop --no-build)" >&2; exit 1; }
  name=citytill-$version-windows-x86_64
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  mkdir "$stage/$name"
  cp "$exe" "$stage/$name/citytill.exe"
  cp packaging/windows/citytill.toml packaging/windows/README-IT.txt "$stage/$name/"
  rm -f "$out/$name.zip"
  (cd "$stage" && zip -q -X -r "$out/$name.zip" "$name")
  checksum "$out/$name.zip"
fi

if [ "$only" != windows ]; then
  cargo deb --version >/dev/null 2>&1 || { echo "package.sh: cargo-deb is not installed (cargo install cargo-deb --locked)" >&2; exit 1; }
  deb_flags=(--output "$out")
  [ "$profile" = debug ] && deb_flags+=(--profile dev)
  [ "$build" = 0 ] && deb_flags+=(--no-build)
  deb=$(cargo deb "${deb_flags[@]}" | tail -n 1)
  checksum "$deb"
fi
