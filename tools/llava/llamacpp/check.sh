#!/bin/bash
# Cross-checks mm1j's reading of mmproj files against llama.cpp's own CLIP implementation (never needed by CI).
#
#   tools/llava/llamacpp/check.sh LLAMA_SRC LLAMA_BUILD [MMPROJ,...] [IMAGE]
#
# LLAMA_SRC: a llama.cpp source tree; LLAMA_BUILD: a CMake build of it with static ggml libraries
# (ggml/src/libggml.a, libggml-cpu.a, libggml-base.a; BUILD_SHARED_LIBS=OFF). mtmd's clip sources are linked from
# LLAMA_BUILD/tools/mtmd/libmtmd.a when it exists, else compiled here once (about 45 files, into
# model/target/llamacpp-check/objs). Builds tools/llava/llamacpp/clip_embed.cpp, then runs LlamaCppClipCheckTest:
# llama.cpp, PyTorch (tools/llava/llamacpp/compare.py, which emulates llama.cpp's graph) and mm1j on the same pixels
# with llama.cpp's block count. MMPROJ defaults to the golden mmproj files, IMAGE to the square golden image.
set -euo pipefail
SRC=$(realpath "$1"); BUILD=$(realpath "$2"); MMPROJ=${3:-}; IMAGE=${4:-}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT="$ROOT/model/target/llamacpp-check"
mkdir -p "$OUT/objs"
ggml=("$BUILD/ggml/src/libggml.a" "$BUILD/ggml/src/libggml-cpu.a" "$BUILD/ggml/src/libggml-base.a")
for l in "${ggml[@]}"; do [ -f "$l" ] || { echo "missing $l: build llama.cpp first (cmake -B $BUILD -DBUILD_SHARED_LIBS=OFF && cmake --build $BUILD --target ggml)" >&2; exit 1; }; done
inc=(-I"$SRC/tools/mtmd" -I"$SRC/ggml/include" -I"$SRC/include" -I"$SRC/vendor" -I"$SRC/common")
clip="$BUILD/tools/mtmd/libmtmd.a"
if [ ! -f "$clip" ]; then
  clip="$OUT/objs/libclip.a"
  if [ ! -f "$clip" ]; then
    (cd "$SRC/tools/mtmd" && for f in clip.cpp mtmd-audio.cpp mtmd-image.cpp models/*.cpp; do
      o="$OUT/objs/$(echo "$f" | tr / _).o"
      [ -f "$o" ] || { echo "compiling $f"; nice g++ -O1 -std=c++17 -fPIC "${inc[@]}" -c "$f" -o "$o"; }
    done)
    ar rcs "$clip" "$OUT"/objs/*.o
  fi
fi
omp=$(grep -q "GGML_OPENMP:BOOL=OFF" "$BUILD/CMakeCache.txt" 2>/dev/null && true || echo -fopenmp)
g++ -O1 -std=c++17 "${inc[@]}" "$ROOT/tools/llava/llamacpp/clip_embed.cpp" -Wl,--start-group "$clip" "${ggml[@]}" -Wl,--end-group \
    $omp -lpthread -ldl -lm -o "$OUT/clip_embed" 2> >(grep -v 'warning' >&2)
echo "built $OUT/clip_embed"
cd "$ROOT"
bin/with-jdk25 mvn -B -q -o -pl model -am test -Dtest=LlamaCppClipCheckTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dmm1j.llamacpp.driver="$OUT/clip_embed" ${MMPROJ:+-Dmm1j.llamacpp.mmproj="$MMPROJ"} ${IMAGE:+-Dmm1j.llamacpp.image="$IMAGE"} \
    | grep -v '^\[INFO\]'
