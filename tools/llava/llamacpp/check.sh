#!/bin/bash
# Cross-checks mm1j's reading of mmproj files against llama.cpp's own CLIP implementation (never needed by CI).
#
#   tools/llava/llamacpp/check.sh LLAMA_SRC LLAMA_BUILD [MMPROJ,...] [IMAGE]
#
# LLAMA_SRC: a llama.cpp source tree; LLAMA_BUILD: its CMake build folder (static libraries: tools/mtmd/libmtmd.a,
# ggml/src/libggml*.a; BUILD_SHARED_LIBS=OFF). Builds tools/llava/llamacpp/clip_embed.cpp against them, then runs
# LlamaCppClipCheckTest, which preprocesses IMAGE (default: the square golden image) with spec §9.1, has llama.cpp and
# mm1j encode the same pixels with llama.cpp's block count, and prints the relative difference of the embeddings.
# MMPROJ defaults to the golden mmproj files (model/src/test/resources/golden/llava/gguf-*/mmproj-*.gguf).
set -euo pipefail
SRC=$(realpath "$1"); BUILD=$(realpath "$2"); MMPROJ=${3:-}; IMAGE=${4:-}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT="$ROOT/model/target/llamacpp-check"
mkdir -p "$OUT"
libs=("$BUILD/tools/mtmd/libmtmd.a" "$BUILD/ggml/src/libggml.a" "$BUILD/ggml/src/libggml-cpu.a" "$BUILD/ggml/src/libggml-base.a")
for l in "${libs[@]}"; do [ -f "$l" ] || { echo "missing $l: build llama.cpp first (cmake -B $BUILD -DBUILD_SHARED_LIBS=OFF && cmake --build $BUILD --target mtmd)" >&2; exit 1; }; done
omp=$(grep -q "GGML_OPENMP:BOOL=ON" "$BUILD/CMakeCache.txt" 2>/dev/null && echo -fopenmp || true)
g++ -O2 -std=c++17 -I"$SRC/tools/mtmd" -I"$SRC/ggml/include" -I"$SRC/include" -I"$SRC/vendor" \
    "$ROOT/tools/llava/llamacpp/clip_embed.cpp" -Wl,--start-group "${libs[@]}" -Wl,--end-group $omp -lpthread -ldl -lm \
    -o "$OUT/clip_embed"
echo "built $OUT/clip_embed"
cd "$ROOT"
bin/with-jdk25 mvn -B -q -o -pl model -am test -Dtest=LlamaCppClipCheckTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dmm1j.llamacpp.driver="$OUT/clip_embed" ${MMPROJ:+-Dmm1j.llamacpp.mmproj="$MMPROJ"} ${IMAGE:+-Dmm1j.llamacpp.image="$IMAGE"} \
    | grep -v '^\[INFO\]'
