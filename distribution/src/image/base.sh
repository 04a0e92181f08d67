#!/usr/bin/env bash
# Makes the root filesystem of the images' base in OUT (called by the distribution's build, before
# Jib): a Java runtime jlink'd from a JDK on this machine, the few shared libraries it needs
# (glibc, libstdc++, libgcc_s, zlib: copied from this machine's Debian packages, with their
# copyright files), and a passwd/group naming uid/gid 65532. No shell, no package manager.
#   base.sh OUT [JDK]    JDK: a JDK with jmods (default: $JAVA_HOME, else the first in /usr/lib/jvm)
set -euo pipefail
OUT="${1:?usage: base.sh OUT [JDK]}"
JDK="${2:-}"

# The modules Tollgate's jars use (jdeps --print-module-deps over lib/, lib/controller/ and the
# plugins), plus those found only at run time as providers: jdk.crypto.ec (TLS key exchange),
# jdk.random (the gateway's L64X128MixRandom), jdk.zipfs (zip file systems), jdk.net (extended
# socket options).
MODULES=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.net,jdk.random,jdk.unsupported,jdk.zipfs

has_jmods() { [ -n "$1" ] && [ -f "$1/jmods/java.base.jmod" ] && [ -x "$1/bin/jlink" ]; }
if [ -z "$JDK" ] || ! has_jmods "$JDK"; then
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    if has_jmods "$candidate"; then JDK="$candidate"; break; fi
  done
fi
if ! has_jmods "$JDK"; then
  echo "base.sh: no JDK with jmods found (JAVA_HOME, /usr/lib/jvm/*); the images' Java runtime is jlink'd from one (Debian: apt-get install openjdk-17-jdk-headless), or skip the images with -Dimages.skip" >&2
  exit 1
fi

# made before from the same JDK and this same script: nothing to do (a clean build always makes it)
stamp="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1) $(readlink -f "$JDK") $(sha256sum "$JDK/release" | cut -d' ' -f1)"
if [ -f "$OUT.made-by" ] && [ "$(cat "$OUT.made-by")" = "$stamp" ]; then
  echo "base.sh: $OUT is up to date"
  exit 0
fi

rm -rf "$OUT" "$OUT.made-by"
mkdir -p "$OUT"
# --compress=0: the layer is gzipped anyway, and gzips smaller (27 MB against 33) from uncompressed
# modules, which also load faster
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=0 \
  --output "$OUT/opt/tollgate/jre"

# The shared libraries the runtime's programs and libraries link (less the desktop ones, which a
# headless server never loads), each at the path its soname is found under.
libs="$(find "$OUT/opt/tollgate/jre" -type f \( -name '*.so' -o -perm -u+x \) \
          ! -name 'libawt_xawt.so' ! -name 'libsplashscreen.so' ! -name 'libjsound.so' \
          ! -name 'libfontmanager.so' ! -name 'liblcms.so' ! -name 'libjavajpeg.so' ! -name 'libjawt.so' \
          -exec ldd {} \; 2>/dev/null \
        | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib/ { print $1 }' \
        | grep -v "^$OUT" | sort -u)"
if [ -z "$libs" ]; then
  echo "base.sh: ldd found no shared libraries for the runtime in $OUT (is ldd installed?)" >&2
  exit 1
fi
packages=()
for lib in $libs; do
  mkdir -p "$OUT$(dirname "$lib")"
  cp -L "$lib" "$OUT$lib"
  real="$(readlink -f "$lib")"
  pkg="$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1 || true)"
  [ -z "$pkg" ] && pkg="$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)"
  [ -n "$pkg" ] && packages+=("$pkg")
done

# What the files above come from: the Debian packages and the JDK, with their copyright files.
mkdir -p "$OUT/usr/share/doc"
{
  echo "# the base of Tollgate's images: a Java runtime jlink'd from $JDK ($(. "$JDK/release"; echo "$IMPLEMENTOR $JAVA_RUNTIME_VERSION")), modules $MODULES"
  echo "# and the shared libraries it needs, from these Debian packages:"
  for pkg in $(printf '%s\n' ${packages[@]+"${packages[@]}"} | sort -u); do
    dpkg-query -W -f='${Package} ${Version}\n' "$pkg"
    if [ -f "/usr/share/doc/$pkg/copyright" ]; then
      mkdir -p "$OUT/usr/share/doc/$pkg"
      cp "/usr/share/doc/$pkg/copyright" "$OUT/usr/share/doc/$pkg/copyright"
    fi
  done
} > "$OUT/usr/share/doc/tollgate-base.txt"

# uid/gid 65532 by name, for the JVM's user.name; home /tmp (nothing else is writable)
mkdir -p "$OUT/etc" "$OUT/tmp" "$OUT/opt/tollgate/plugins.d"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' > "$OUT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$OUT/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$OUT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$OUT/etc/hosts"
echo "base.sh: $(du -sh "$OUT" | cut -f1) in $OUT (Java runtime from $JDK; libraries: $(echo $libs))"
printf '%s' "$stamp" > "$OUT.made-by"
