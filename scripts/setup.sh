# Sourced by the other scripts: installs what learngraph needs and sets up the build environment.
#
# - Debian packages, when missing: a C++20 toolchain for LadybugDB (clang-19 and libc++-19),
#   cmake, python3.
# - LadybugDB's C++ library, built once from the `lbug` crate's bundled source into
#   $LEARNGRAPH_CACHE (default ~/.cache/learngraph) and shared by every build after it: the crate
#   links it as a shared library instead of rebuilding it (20-60 minutes on 2 cores) whenever a
#   Cargo profile or feature set changes.
# - The variables the `lbug` crate's build script reads to find that library.

LEARNGRAPH_CACHE="${LEARNGRAPH_CACHE:-$HOME/.cache/learngraph}"
LBUG_VERSION_PINNED=0.22.1 # keep equal to the version of `lbug` in Cargo.lock
LBUG_HOME="$LEARNGRAPH_CACHE/lbug-$LBUG_VERSION_PINNED"

learngraph_install_packages() {
  local need=()
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  command -v cc >/dev/null 2>&1 || need+=(gcc)
  command -v cmake >/dev/null 2>&1 || need+=(cmake)
  command -v clang++-19 >/dev/null 2>&1 || need+=(clang-19)
  [ -e /usr/lib/llvm-19/include/c++/v1/vector ] || need+=(libc++-19-dev libc++abi-19-dev)
  [ ${#need[@]} -eq 0 ] && return 0
  echo "setup: installing ${need[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
}

learngraph_build_lbug() {
  [ -e "$LBUG_HOME/lib/liblbug.so" ] && [ -e "$LBUG_HOME/include/lbug.hpp" ] && [ -e "$LBUG_HOME/include/lbug.h" ] && return 0
  cargo fetch --locked --quiet
  local src
  src=$(cargo metadata --format-version 1 --locked |
    python3 -c 'import json, sys, os
pkgs = json.load(sys.stdin)["packages"]
print(next(os.path.dirname(p["manifest_path"]) for p in pkgs if p["name"] == "lbug"))')/lbug-src
  local build="$LEARNGRAPH_CACHE/lbug-build"
  mkdir -p "$LEARNGRAPH_CACHE"
  echo "setup: building LadybugDB $LBUG_VERSION_PINNED from $src (once; 20-60 minutes on 2 cores)" >&2
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHELL=OFF \
    -DBUILD_SINGLE_FILE_HEADER=ON -DAUTO_UPDATE_GRAMMAR=OFF >"$LEARNGRAPH_CACHE/lbug-build.log"
  cmake --build "$build" --target single_file_header -j "$(nproc)" >>"$LEARNGRAPH_CACHE/lbug-build.log"
  # Installed last, so that an interrupted build is never taken for a finished one.
  mkdir -p "$LBUG_HOME.tmp/lib" "$LBUG_HOME.tmp/include"
  cp -a "$build"/src/liblbug.so* "$LBUG_HOME.tmp/lib/"
  cp "$build/src/lbug.hpp" "$LBUG_HOME.tmp/include/"
  cp "$src/src/include/c_api/lbug.h" "$LBUG_HOME.tmp/include/"
  rm -rf "$LBUG_HOME" && mv "$LBUG_HOME.tmp" "$LBUG_HOME"
  rm -rf "$build"
}

learngraph_install_packages
export CC=clang-19 CXX=clang++-19 CXXFLAGS=-stdlib=libc++ CXXSTDLIB=c++
learngraph_build_lbug
export LBUG_SHARED=1 LBUG_LIBRARY_DIR="$LBUG_HOME/lib" LBUG_INCLUDE_DIR="$LBUG_HOME/include"
