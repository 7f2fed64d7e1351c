#!/usr/bin/env bash
# `make dist`: a tarball of the release binaries for x86_64 Linux that need nothing newer than glibc 2.17 (CentOS 7,
# RHEL 8, Debian 11, Ubuntu 20.04 and newer), with the Kafka-named shims, man pages, completions, the README and
# SHA-256 sums. The binaries are built with cargo-zigbuild (from crates.io) and zig (the ziglang package from PyPI),
# both installed here under .cache/ on first use. The glibc bound is checked before the tarball is made.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
target_dir=${DIST_TARGET_DIR:-$root/target/dist}
triple=x86_64-unknown-linux-gnu
glibc=2.17
zig_version=0.17.1
zigbuild_version=0.24.1
tools=(get-offset reset-offsets migrate-groups copy-topics describe-groups)
cargo=${CARGO:-cargo}

say() { echo "make dist: $*" >&2; }

venv="$cache/zig-venv"
if ! "$venv/bin/python" -m ziglang version >/dev/null 2>&1; then
    say "installing zig $zig_version (PyPI package ziglang) into .cache/zig-venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "ziglang==$zig_version"
fi
zigbuild="$cache/cargo-zigbuild/bin/cargo-zigbuild"
if ! [ -x "$zigbuild" ]; then
    say "installing cargo-zigbuild $zigbuild_version (crates.io) into .cache/cargo-zigbuild"
    "$cargo" install --quiet --locked "cargo-zigbuild@$zigbuild_version" --root "$cache/cargo-zigbuild"
fi
if ! command -v objdump >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing binutils (objdump, to check the glibc bound)"
        { apt-get install -y -qq binutils || { apt-get update -qq && apt-get install -y -qq binutils; }; } >&2
    else
        say "objdump (binutils) is needed to check the glibc bound"
        exit 1
    fi
fi

say "building ${tools[*]} for $triple with glibc $glibc (release, zig as the linker)"
packages=()
for tool in "${tools[@]}" docgen; do packages+=(-p "$tool"); done
CARGO_ZIGBUILD_PYTHON_PATH="$venv/bin/python" "$zigbuild" zigbuild --release --target "$triple.$glibc" \
    --target-dir "$target_dir" "${packages[@]}"
built="$target_dir/$triple/release"

# The newest glibc symbol version each binary needs.
for tool in "${tools[@]}"; do
    needs=$(objdump -T "$built/$tool" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
    if [ "$(printf '%s\n%s\n' "$needs" "$glibc" | sort -V | tail -1)" != "$glibc" ]; then
        say "$tool needs glibc $needs, newer than $glibc: no tarball"
        exit 1
    fi
done

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
name="kafka-offset-tools-$version-x86_64-linux-gnu"
stage="$target_dir/$name"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/share/man/man1" "$stage/share/bash-completion/completions" \
    "$stage/share/zsh/site-functions" "$stage/share/fish/vendor_completions.d"
for tool in "${tools[@]}"; do
    install -m 755 "$built/$tool" "$stage/bin/"
done
install -m 755 "$root/bin/kafka-offset-tools-shim" "$stage/bin/"
for link in kafka-run-class.sh kafka-get-offsets.sh kafka-consumer-groups.sh kafka-share-groups.sh kafka-streams-groups.sh; do
    ln -s kafka-offset-tools-shim "$stage/bin/$link"
done
docs="$target_dir/docs"
rm -rf "$docs"
"$built/docgen" "$docs"
for tool in "${tools[@]}"; do
    install -m 644 "$docs/man/man1/$tool.1" "$stage/share/man/man1/"
    install -m 644 "$docs/completions/bash/$tool.bash" "$stage/share/bash-completion/completions/$tool"
    install -m 644 "$docs/completions/zsh/_$tool" "$stage/share/zsh/site-functions/"
    install -m 644 "$docs/completions/fish/$tool.fish" "$stage/share/fish/vendor_completions.d/"
done
install -m 644 "$root/README.md" "$stage/"
# Every regular file of the tarball (links and the sums themselves aside), so that `sha256sum -c SHA256SUMS`
# checks all that was shipped.
(cd "$stage" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
tarball="$target_dir/$name.tar.gz"
tar -C "$target_dir" --owner=0 --group=0 -czf "$tarball" "$name"
(cd "$target_dir" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
say "$tarball (glibc $glibc or newer), with $name.tar.gz.sha256"
echo "$tarball"
