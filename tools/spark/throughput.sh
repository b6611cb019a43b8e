#!/usr/bin/env bash
# Throughput of mm1j batch (docs/PERFORMANCE.md, "Spark"): the demo model's eval PNGs (230 images), one question,
#   1. mm1j batch --master local[2]                 (Spark in the command's JVM)
#   2. mm1j batch --master local-cluster[1,2,2048]  (one executor JVM with 2 cores)
#   3. mm1j batch --master local-cluster[2,1,1024]  (two executor JVMs with 1 core each)
#   4. the same rows through the adapter and engine without Spark (EngineOnly: the per-row overhead's baseline)
#   5. the same rows through mm1j serve --parallel 16 with 8 clients (tools/spark/ServeClients.java)
# Usage: tools/spark/throughput.sh ["QUESTION"]     (default "Describe the image.")
#   STEPS="batch engine serve" picks steps, MASTERS="local[2] ..." the batch runs, COPIES=N repeats every image N times
#   (the per-row cost without the fixed one: rows/s at COPIES=4 against COPIES=1)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
q=${1:-Describe the image.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null || true' EXIT
mkdir "$tmp/images"
for c in $(seq 1 "${COPIES:-1}"); do for f in models/mm1-demo/eval/*.png; do cp "$f" "$tmp/images/c$c-$(basename "$f")"; done; done
n=$(ls "$tmp/images" | wc -l)
echo "== $n images, question '$q', $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

steps=${STEPS:-batch engine serve}
bin/with-jdk25 mvn -B -q -pl spark -am package -DskipTests >/dev/null
read -ra masters <<< "${MASTERS:-local[2] local-cluster[1,2,2048] local-cluster[2,1,1024]}"
[[ $steps == *batch* ]] && for m in "${masters[@]}"; do
  echo "== mm1j batch --master $m"
  bin/mm1j batch --images "$tmp/images" --question "$q" --out "$tmp/out-$m" --master "$m" --no-timings --format parquet 2>&1 | grep -v WARN || true
done

. bin/lib/jdk.sh && mm1j_find_jdk
if [[ $steps == *engine* ]]; then
echo "== engine only (no Spark; 2 threads, 16 parallel, 2 feeders)"
"$JAVA_HOME/bin/java" $(cat spark/target/launcher/jvm.flags) -XX:+UseParallelGC -Xss4m \
  -cp "spark/target/test-classes:spark/target/classes:spark/target/lib/*" \
  dev.mm1j.spark.EngineOnly models/mm1-demo "$tmp/images" "$q" 2 16 2
fi

if [[ $steps == *serve* ]]; then
echo "== mm1j serve --parallel 16, 8 clients"
bin/mm1j serve --model models/mm1-demo --port 18089 --parallel 16 --queue 64 >"$tmp/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:18089/health >/dev/null 2>&1 && break; sleep 1; done
"$JAVA_HOME/bin/java" tools/spark/ServeClients.java --base http://127.0.0.1:18089 --clients 8 --dir "$tmp/images" --question "$q"
kill "$serve"; wait "$serve" 2>/dev/null || true; serve=
fi
echo "== load $(cut -d' ' -f1-3 /proc/loadavg)"
