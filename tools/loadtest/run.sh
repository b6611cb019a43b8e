#!/usr/bin/env bash
# Runs the load test the way the numbers in the server's report were taken: starts `mm1j serve` on the demo
# model with 32 parallel sequences, loads it for 45 s with 8 clients (unreported: the JIT compiles the kernels),
# then 60 s with 1 client and 60 s with 32 clients (natural answers, then answers of 64 tokens with EOS
# ignored), and a repeat of the 32-client run; after each run the server's heap is measured after a full GC
# (jcmd), to show it does not grow.
#   tools/loadtest/run.sh [SECONDS] [PORT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
port=${2:-18181}
. "$root/bin/lib/jdk.sh"
mm1j_find_jdk
cd "$root"
bin/mm1j serve --model models/mm1-demo --port "$port" --parallel 32 --queue 64 > /tmp/mm1j-loadtest-server.log 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null || true' EXIT
for i in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.5; done
pid=$launcher # bin/mm1j execs the JVM
heap() {
  "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null
  echo "heap after GC: $("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info | tr -s ' ' | grep -o 'total [0-9]*K, used [0-9]*K' | head -n 1)"
}
lt() { "$JAVA_HOME/bin/java" "$root/tools/loadtest/LoadTest.java" --base "http://127.0.0.1:$port" --seconds "$secs" "$@"; heap; echo; }
echo "== warm-up (not a measurement)"
"$JAVA_HOME/bin/java" "$root/tools/loadtest/LoadTest.java" --base "http://127.0.0.1:$port" --seconds 45 --clients 8 | grep -E "^(requests|engine)"
heap; echo
lt --clients 1
lt --clients 32
lt --clients 1 --ignore-eos --max-tokens 64
lt --clients 32 --ignore-eos --max-tokens 64
lt --clients 32
