#!/usr/bin/env bash
# Builds the bench's peer SFU, mediasoup's worker, into $1 (an ignored folder, .mediasoup by
# default): the npm package without its install script (that one downloads a prebuilt worker
# or the dependencies' sources), then the worker with meson against Debian's own libraries
# (the Makefile's `mediasoup` target installs their -dev packages first). mediasoup's
# meson.build takes each dependency from a subproject; each is replaced by a small one of
# ours that hands over the system library (pkg-config), with an empty static library where
# the project links a dependency whole (only its shared-library target, never built here).
set -euo pipefail
DIR=${1:-.mediasoup}
VERSION=3.12.16
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name": "mediasoup-peer", "private": true}' > package.json
if [ ! -f node_modules/mediasoup/package.json ] ||
   [ "$(node -p 'require("./node_modules/mediasoup/package.json").version')" != "$VERSION" ]; then
    npm install --ignore-scripts --no-audit --no-fund --loglevel=error "mediasoup@$VERSION"
fi
[ -x tools/bin/meson ] || { python3 -m venv tools && tools/bin/pip install -q meson==1.2.1 ninja==1.10.2.4; }
WORKER=node_modules/mediasoup/worker
SUB=$WORKER/subprojects

stub() {  # stub NAME [OPTION...]: a subproject whose meson.build is read from stdin; the
    # options mediasoup sets for it are declared (and ignored)
    rm -f "$SUB/$1.wrap"
    mkdir -p "$SUB/$1"
    : > "$SUB/$1/meson_options.txt"
    for option in "${@:2}"; do
        echo "option('$option', type: 'string', value: '')" >> "$SUB/$1/meson_options.txt"
    done
    echo 'void yunhui_bench_empty(void) {}' > "$SUB/$1/empty.c"
    { echo "project('$1', 'c')"; echo "empty = static_library('$1-empty', 'empty.c')"; cat; } \
        > "$SUB/$1/meson.build"
}
stub openssl <<'M'
openssl_dep = dependency('openssl', version: '>= 1.1.0')
libcrypto_lib = empty
libssl_lib = empty
M
stub nlohmann_json <<'M'
nlohmann_json_dep = dependency('nlohmann_json')
M
stub libuv build_tests build_benchmarks <<'M'
libuv_dep = dependency('libuv')
libuv = empty
M
stub libsrtp2 crypto-library crypto-library-kdf tests <<'M'
libsrtp2_dep = declare_dependency(dependencies: dependency('libsrtp2'),
  compile_args: ['-I' + get_option('prefix') / 'include' / 'srtp2', '-I/usr/include/srtp2'])
libsrtp2 = empty
M
stub usrsctp sctp_build_programs <<'M'
usrsctp_dep = dependency('usrsctp')
usrsctp = empty
M
stub abseil-cpp <<'M'
absl_container_dep = dependency('absl_flat_hash_map')
absl_strings_dep = dependency('absl_strings')
absl_types_dep = dependency('absl_optional')
absl_container_lib = empty
M
stub catch2 <<'M'
catch2_dep = declare_dependency()
M

BUILD=$PWD/build
cd "$WORKER"
export PATH=$OLDPWD/tools/bin:$PATH
[ -f "$BUILD/build.ninja" ] || meson setup --buildtype release -Db_ndebug=true --wrap-mode=nodownload "$BUILD"
ninja -C "$BUILD" mediasoup-worker
echo "mediasoup $VERSION worker: $BUILD/mediasoup-worker"
