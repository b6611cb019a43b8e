#!/usr/bin/env bash
# tools/gpu-check.sh: checks the CUDA backend on a machine with an NVIDIA GPU, even one without Java.
#
#   tools/gpu-check.sh bundle      on a machine with JDK 25 and Maven: builds the jars and test classes,
#                                  copies every jar they need to .gpu/ and links a JDK 25 runtime into .jdk/
#                                  (jlink: only the modules used). Both are git-ignored; carry them along
#                                  with the working tree (about 55 MiB together).
#   tools/gpu-check.sh run [OUT]   on the GPU machine, from the repository root: runs, on the CUDA backend,
#                                    1. the kernels-cuda tests (nvcc compile check when nvcc is there, the
#                                       dispatch tests, and the GPU tests against the reference backend),
#                                    2. the backend conformance kit (every backend found, cuda included),
#                                    3. the MM1 parity tests (decoder logits and greedy decoding vs PyTorch,
#                                       the ViT and connectors vs PyTorch, the assembled MM1) on cuda,
#                                    4. mm1j bench vision --backend cuda (ViT-H/14-378, BF16 and F32 weights);
#                                  JUnit XML reports and logs go to OUT (default $OUT, else ./gpu-check-out).
#
# Run needs no JDK: it uses .jdk/bin/java (or JAVA_HOME's). CUDA libraries are found as the backend documents
# (libcuda.so.1 through the system loader; libnvrtc in LD_LIBRARY_PATH, CUDA_HOME, /usr/local/cuda*, ...;
# override with MM1J_LIBCUDA / MM1J_LIBNVRTC). Exit status: 0 when every step passed, 1 when one failed,
# 2 when the CUDA backend is unavailable here (the reason is printed). MM1J_GPU_CHECK_DRY_RUN=1 runs the steps
# anyway, to check the script and the bundle on a machine without a GPU.
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
bundle="$root/.gpu"
modules=(core kernels-cpu kernels-cuda model app tests)
console_version=1.14.1 # the JUnit Platform of junit.version 5.14.1 (pom.xml)

die() { echo "gpu-check: $*" >&2; exit 1; }

do_bundle() {
  echo "gpu-check: building jars and test classes..." >&2
  # one reactor run: the build, then every module's external jars (test scope includes the rest)
  bin/with-jdk25 mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/gpu-check.cp || die "the build failed"
  rm -rf "$bundle" .jdk
  mkdir -p "$bundle/lib" "$bundle/classes"
  for m in "${modules[@]}"; do
    mkdir -p "$bundle/classes/$m"
    [ -d "$m/target/classes" ] && cp -r "$m/target/classes" "$bundle/classes/$m/main"
    # test classes only: test resources come from src/test/resources, which travels with the working tree
    if [ -d "$m/target/test-classes" ]; then
      mkdir -p "$bundle/classes/$m/test"
      (cd "$m/target/test-classes" && find . -name '*.class' -print0 | tar --null -cf - -T -) | tar -xf - -C "$bundle/classes/$m/test"
    fi
  done
  # the external jars, without the project's own (its classes are copied above) and JUnit's (in the console jar)
  for m in "${modules[@]}"; do tr ':' '\n' < "$m/target/gpu-check.cp"; echo; done | grep '\.jar$' | grep -v -e '/mm1j-[^/]*\.jar$' -e '/junit-' -e '/opentest4j-' -e '/apiguardian-' | sort -u \
    | while read -r jar; do cp "$jar" "$bundle/lib/"; done
  bin/with-jdk25 mvn -B -q -N dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$console_version \
    -DoutputDirectory="$bundle/console" || die "cannot fetch the JUnit console launcher"
  . bin/lib/jdk.sh
  mm1j_find_jdk || exit 1
  local cp="" mods
  for m in "${modules[@]}"; do cp="$cp:$bundle/classes/$m/main"; done
  mods=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps -q \
    --class-path "$bundle/lib/*" "$bundle"/classes/*/main "$bundle"/lib/*.jar "$bundle"/console/*.jar 2>/dev/null | tail -n 1)
  # what jdeps cannot see (reflection, the console launcher's optional features) plus the usual suspects. Not
  # java.desktop (15 MiB: AWT/ImageIO, only for decoding image files, which the check does not do) unless
  # MM1J_JLINK_DESKTOP=1, so that .jdk and .gpu stay under the 64 MiB a device run can carry.
  mods="$mods,java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management,java.net.http,jdk.httpserver,jdk.zipfs"
  [ "${MM1J_JLINK_DESKTOP:-0}" = 1 ] && mods="$mods,java.desktop"
  mods=$(echo "$mods" | tr ',' '\n' | grep -v '^$' | { [ "${MM1J_JLINK_DESKTOP:-0}" = 1 ] && cat || grep -v '^java.desktop$'; } | sort -u | paste -sd, -)
  echo "gpu-check: jlink $mods" >&2
  "$JAVA_HOME/bin/jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output .jdk \
    || die "jlink failed"
  command -v strip >/dev/null && strip --strip-unneeded .jdk/lib/server/libjvm.so 2>/dev/null # about 5 MiB less
  echo "gpu-check: bundle ready: .gpu ($(du -sh "$bundle" | cut -f1)) and .jdk ($(du -sh .jdk | cut -f1)); on the GPU machine run: tools/gpu-check.sh run" >&2
}

classpath() { # all main and test classes with the test resources, then the jars
  local cp=""
  for m in "${modules[@]}"; do
    [ -d "$bundle/classes/$m/main" ] && cp="$cp:$bundle/classes/$m/main"
    [ -d "$bundle/classes/$m/test" ] && cp="$cp:$bundle/classes/$m/test"
    [ -d "$root/$m/src/test/resources" ] && cp="$cp:$root/$m/src/test/resources"
  done
  echo "${cp#:}:$bundle/lib/*"
}

do_run() {
  local out=${1:-${OUT:-$root/gpu-check-out}}
  mkdir -p "$out"
  local java
  if [ -x "$root/.jdk/bin/java" ]; then java="$root/.jdk/bin/java"
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"
  else die "no Java runtime: run 'tools/gpu-check.sh bundle' on a machine with JDK 25 first, and carry .jdk and .gpu"; fi
  [ -d "$bundle/classes" ] || die "no bundle: run 'tools/gpu-check.sh bundle' first"
  local cp flags console status=0
  cp=$(classpath)
  console=$(ls "$bundle"/console/junit-platform-console-standalone-*.jar | head -n 1)
  flags=(-ea --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
         -Xss4m -XX:+UseParallelGC -Xmx24g -Dfile.encoding=UTF-8 -Dmm1j.test.cuda=true)

  { echo "== machine"; nvidia-smi 2>&1 | head -n 15; "$java" -version 2>&1; command -v nvcc && nvcc --version | tail -n 2; } | tee "$out/machine.txt"
  echo "== backends" | tee "$out/backends.txt"
  "$java" "${flags[@]}" -cp "$cp" dev.mm1j.app.cli.Main backends 2>&1 | tee -a "$out/backends.txt"
  if ! grep -q '^cuda .*available$' "$out/backends.txt"; then
    echo "gpu-check: the CUDA backend is unavailable here (reason above); nothing was run on a GPU" >&2
    [ "${MM1J_GPU_CHECK_DRY_RUN:-0}" = 1 ] || exit 2
    echo "gpu-check: MM1J_GPU_CHECK_DRY_RUN=1: running the steps anyway (CUDA cases skip, the bench step fails)" >&2
  fi

  junit() { # name, module dir (the tests' working directory), extra JVM flags..., -- selectors...
    local name=$1 dir=$2; shift 2
    local jvm=() sel=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do jvm+=("$1"); shift; done
    shift
    sel=("$@")
    echo "== $name" | tee "$out/$name.log"
    (cd "$root/$dir" && "$java" "${flags[@]}" "${jvm[@]}" -jar "$console" execute --class-path "$cp" \
      --reports-dir "$out/$name-reports" --details=tree --disable-banner "${sel[@]}") 2>&1 | tee -a "$out/$name.log"
    local rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] || { echo "gpu-check: $name FAILED (exit $rc)" | tee -a "$out/summary.txt"; status=1; return; }
    echo "gpu-check: $name passed" | tee -a "$out/summary.txt"
  }
  : > "$out/summary.txt"
  junit kernels-cuda kernels-cuda -- --select-package dev.mm1j.cuda
  junit conformance tests -- --select-class dev.mm1j.tests.kit.AllBackendsConformanceTest
  junit parity model -Dmm1j.test.backend=cuda -- --select-class dev.mm1j.model.text.GoldenTextTest \
    --select-class dev.mm1j.model.vision.VisionGoldenTest --select-class dev.mm1j.model.mm1.Mm1GoldenTest

  echo "== bench" | tee "$out/bench.txt"
  (cd "$root" && "$java" "${flags[@]}" -Dmm1j.home="$root" -cp "$cp" dev.mm1j.app.cli.Main bench vision \
    --backend cuda --dtype bf16,f32 --warmup 2 --iters 5) 2>&1 | tee -a "$out/bench.txt"
  [ "${PIPESTATUS[0]}" = 0 ] && echo "gpu-check: bench ran" | tee -a "$out/summary.txt" \
    || { echo "gpu-check: bench FAILED" | tee -a "$out/summary.txt"; status=1; }
  echo "== summary"; cat "$out/summary.txt"
  exit $status
}

case "${1:-}" in
  bundle) do_bundle ;;
  run) shift; do_run "$@" ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 1 ;;
esac
