#!/usr/bin/env bash
# Builds llama.cpp from a source tree for this machine (the anchor of docs/PERFORMANCE.md's side-by-side tables):
# Release, CPU only, -DGGML_NATIVE=ON (-march=native: AVX-512, VNNI, ... as the CPU reports them), the repacking
# CPU buffer type (GGML_CPU_REPACK, Q4_0 -> interleaved rows) on. Only llama-bench and llama-batched-bench are built.
# Never part of the build or CI.
#
#   tools/text/llamacpp-native/build.sh SRC_DIR [BUILD_DIR]      (BUILD_DIR default: SRC_DIR/build-native)
#
# Getting a source tree without network access to GitHub: the npm package node-llama-cpp carries the llama.cpp
# release it builds from as a git bundle (package/llama/gitRelease.bundle; the tag is in llama.cpp.info.json):
#   npm pack node-llama-cpp@3.22.1 && tar xzf node-llama-cpp-3.22.1.tgz package/llama
#   git clone package/llama/gitRelease.bundle SRC_DIR
# The script checks the configure log for what the issue needs (native flags, AVX-512/VNNI, repack) and prints it.
set -euo pipefail
src=${1:?usage: build.sh SRC_DIR [BUILD_DIR]}
build=${2:-$src/build-native}
src=$(cd "$src" && pwd)
[ -f "$src/CMakeLists.txt" ] && [ -d "$src/ggml/src/ggml-cpu" ] || { echo "build.sh: $src is not a llama.cpp source tree" >&2; exit 2; }
mkdir -p "$build"
log="$build/configure.log"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$src" -B "$build" "${gen[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON -DGGML_CPU_REPACK=ON -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_OPENMP=ON \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DLLAMA_BUILD_TOOLS=ON -DBUILD_SHARED_LIBS=OFF 2>&1 | tee "$log"
nice -n 10 cmake --build "$build" --config Release -j "$(nproc)" --target llama-bench llama-batched-bench 2>&1 | tail -5

echo "== configure checks ($log)"
grep -E "Adding CPU backend variant|GGML_NATIVE|OpenMP found|CMAKE_BUILD_TYPE" "$log" || true
flags=$(grep -o -- "-march=native" "$build"/ggml/src/CMakeFiles/ggml-cpu.dir/flags.make 2>/dev/null || true)
[ -z "$flags" ] && flags=$(grep -rho -- "-march=native" "$build/build.ninja" 2>/dev/null | head -1 || true)
echo "compile flags: ${flags:-(-march=native NOT found)}"
# what -march=native turns on here
defs=$(echo | gcc -march=native -dM -E - | grep -oE "__(AVX512F|AVX512BW|AVX512VL|AVX512VNNI|AVXVNNI|AVX512BF16|F16C|FMA)__" | sort -u | tr '\n' ' ')
echo "compiler macros with -march=native: $defs"
case "$defs" in *__AVX512F__*) ;; *) echo "WARNING: AVX-512 not enabled by -march=native" ;; esac
case "$defs" in *__AVX512VNNI__*|*__AVXVNNI__*) ;; *) echo "WARNING: VNNI not enabled by -march=native" ;; esac
grep -q "GGML_USE_CPU_REPACK" "$build/build.ninja" 2>/dev/null || grep -rq "GGML_USE_CPU_REPACK" "$build"/ggml/src/CMakeFiles 2>/dev/null \
  && echo "repack: GGML_USE_CPU_REPACK defined (CPU_REPACK extra buffer type on)" || echo "WARNING: GGML_USE_CPU_REPACK not found"
ls -la "$build/bin/llama-bench" "$build/bin/llama-batched-bench"
echo "== the binary's own report (system_info):"
"$build/bin/llama-bench" --help >/dev/null 2>&1 || true
