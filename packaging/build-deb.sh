#!/usr/bin/env bash
# Builds the Debian package of rbc from a release binary linked with the Swift runtime statically
# (`make dist`). Its Depends are computed from the binary itself: every shared library it needs
# (ELF NEEDED) is looked up in dpkg's database, so the package names exactly the Debian libraries
# the binary was linked against, at least at the versions it was built with.
#   packaging/build-deb.sh BINARY VERSION OUTDIR
set -euo pipefail
binary=$1 version=$2 outdir=$3
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT

# No Swift runtime may be left as a shared dependency: the package must run where Swift is absent.
# (Pipelines here read their input to the end: with pipefail, a reader that stops early, such as
# `grep -q` or awk's `exit`, fails the writer with SIGPIPE, and whether it does depends on timing.)
if objdump -p "$binary" | awk '/NEEDED/ && $2 ~ /^(libswift|libFoundation|libdispatch)/ {found = 1} END {exit !found}'; then
  echo "build-deb: $binary links the Swift runtime dynamically; build with --static-swift-stdlib" >&2
  exit 1
fi

depends=()
# The Debian package that holds a library file, at least at its installed upstream version.
add_depends() {
  local owner package upstream
  owner=$(dpkg -S "$(readlink -f "$1")" 2>/dev/null || dpkg -S "$1")
  package=${owner%%:*}
  upstream=$(dpkg-query -W -f='${Version}' "$package" | sed 's/-[^-]*$//; s/^[0-9]*://')
  depends+=("$package (>= $upstream)")
}
for library in $(objdump -p "$binary" | awk '/NEEDED/{print $2}'); do
  path=$(ldd "$binary" | awk -v lib="$library" '$1 == lib && $3 ~ /^\// {print $3}')
  [ -n "$path" ] || continue                      # the dynamic loader itself
  add_depends "$path"
done
# libgit2 and libcurl are opened on first use (dlopen: Sources/CGit2Loader, Sources/CCurl), not
# NEEDED: their sonames are the strings the binary opens them by, found where the loader finds them.
for library in $(grep -aoE 'lib(git2|curl)\.so\.[0-9]+(\.[0-9]+)*' "$binary" | sort -u); do
  path=$(ldconfig -p | awk -v lib="$library" '$1 == lib && $NF ~ /^\// && !found {print $NF; found = 1}')
  [ -n "$path" ] || { echo "build-deb: $binary opens $library, which is not installed" >&2; exit 1; }
  add_depends "$path"
done
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/doc/rbc" \
  "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/usr/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$stage/usr/bin/rbc"
strip --strip-unneeded "$stage/usr/bin/rbc"
"$stage/usr/bin/rbc" --generate-completion-script bash > "$stage/usr/share/bash-completion/completions/rbc"
"$stage/usr/bin/rbc" --generate-completion-script zsh > "$stage/usr/share/zsh/vendor-completions/_rbc"
"$stage/usr/bin/rbc" --generate-completion-script fish > "$stage/usr/share/fish/vendor_completions.d/rbc.fish"
install -m 0644 README.md "$stage/usr/share/doc/rbc/README.md"
installed_size=$(du -sk "$stage" | cut -f1)

cat > "$stage/DEBIAN/control" <<CONTROL
Package: rbc
Version: $version
Architecture: $arch
Maintainer: rbc maintainers <rbc@localhost>
Installed-Size: $installed_size
Depends: $depends_line
Recommends: shellcheck, git
Section: devel
Priority: optional
Description: runbooks-as-code compiler, linter and executor
 rbc compiles incident runbooks kept in git (YAML or Markdown) into a validated IR
 with compiler-quality diagnostics, lints them (ShellCheck inside every command,
 git history for staleness and rollback drift, alert coverage), and dry-runs or
 executes them with timeouts, retries, approvals, rollback and a durable journal.
CONTROL

mkdir -p "$outdir"
deb="$outdir/rbc_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
