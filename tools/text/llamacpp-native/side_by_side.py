"""Side-by-side text-decoder speed: mm1j, llama.cpp (native build, see build.sh) and llama3.java on the same GGUF files,
interleaved rounds, medians. Never part of the build or CI; run it by hand in a quiet window (it waits for one).

    /usr/bin/python3 tools/text/llamacpp-native/side_by_side.py --llamacpp /work/llama.cpp-build/bin \\
        --models /work/bench-models [--llama3java /work/llama3.java/classes] [--rounds 3] [--out DIR]

llama3.java (github mukel/llama3.java, one file) is compiled once: javac -d classes --add-modules jdk.incubator.vector
Llama3.java; it needs GGUF files with a real tokenizer (make_gguf.py random-1b --tokenizer ...llama3/tokenizer.json.gz).

Per round, for each of F16, Q8_0, Q4_0 (llama-3.2-1b-random-{T}.gguf from tools/text/make_gguf.py random-1b):
  pp128/tg64, 2 threads:  llama-bench -p 128 -n 64 -t 2 -r 1      vs  mm1j bench -p 128 -n 64 -r 1 -t 2
  batched (8, 32 seqs):   llama-batched-bench -npp 128 -ntg 32 -npl 8,32 -t 2 -tb 2   vs  mm1j bench --parallel 8,32 -p 128 -n 32
  depth (F16 KV cache):   llama-bench -p 0 -n 32 -d 100,4000 -t 2  vs  mm1j bench --depth 100,4000 --ctx 4096 -n 32 --kv-type f16
  llama3.java (Q8_0, Q4_0): a ~128-token prompt, generation up to position 192 (its own tokens/s report;
  -n counts positions there, and a random model may stop early at an end token)
The steps of a round alternate engines so that both see the same machine phase. Prints a markdown table of medians
(and writes it with every raw log under --out).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TYPES = ["F16", "Q8_0", "Q4_0"]


def wait_idle(limit=900):
    """Waits until both CPUs are >= 90% idle over 3 s (other jobs on a shared machine), at most `limit` seconds."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return sum(v), v[3] + v[4]
    t = 0
    while t < limit:
        a, ia = snap()
        time.sleep(3)
        b, ib = snap()
        idle = 100 * (ib - ia) / max(1, b - a)
        if idle >= 90:
            return idle
        t += 3
    return idle


def run(cmd, log, env=None, timeout=3600):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    with open(log, "a") as f:
        f.write(f"$ {' '.join(cmd)}\n# {time.strftime('%H:%M:%S')} rc={p.returncode} {time.time() - t0:.1f}s\n{p.stdout}\n{p.stderr}\n")
    if p.returncode != 0:
        print(f"warning: {' '.join(cmd[:3])} ... exited {p.returncode} (see {log})", file=sys.stderr)
    return p.stdout + "\n" + p.stderr


def llama_bench(bin_dir, model, log, extra):
    out = run([os.path.join(bin_dir, "llama-bench"), "-m", model, "-t", "2", "-r", "1", "-o", "jsonl"] + extra, log)
    res = {}
    for line in out.splitlines():
        if line.startswith("{"):
            j = json.loads(line)
            p, n, d = j.get("n_prompt", 0), j.get("n_gen", 0), j.get("n_depth", 0)
            key = (f"pp{p}" if p else f"tg{n}") + (f"@d{d}" if d else "")
            res[key] = j["avg_ts"]
    return res


def mm1j_bench(model, log, extra):
    out = run([os.path.join(ROOT, "bin", "mm1j"), "bench", "--model", model, "-t", "2", "-r", "1"] + extra, log)
    res = {}
    for line in out.splitlines():
        m = re.match(r"\|\s*\S.*?\|\s*(pp\d+|tg\d+)\s*\|\s*([\d.]+) ±", line)
        if m:
            res[m.group(1)] = float(m.group(2))
        m = re.match(r"\|.*\|\s*(tg\d+) @ d(\d+)\s*\|\s*([\d.]+) ±", line)
        if m:
            res[f"{m.group(1)}@d{m.group(2)}"] = float(m.group(3))
        m = re.match(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*[\d.]+\s*\|\s*([\d.]+)\s*\|\s*[\d.]+\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|", line)
        if m:
            b = m.group(3)
            res[f"B{b} S_PP"], res[f"B{b} S_TG"], res[f"B{b} S"] = float(m.group(4)), float(m.group(5)), float(m.group(6))
    return res


def batched_bench(bin_dir, model, log):
    out = run([os.path.join(bin_dir, "llama-batched-bench"), "-m", model, "-c", "8192", "-b", "2048", "-ub", "512",
               "-npp", "128", "-ntg", "32", "-npl", "8,32", "-t", "2", "-tb", "2", "--output-format", "jsonl"], log)
    res = {}
    for line in out.splitlines():
        if line.startswith("{"):
            j = json.loads(line)
            b = j["pl"]
            res[f"B{b} S_PP"], res[f"B{b} S_TG"], res[f"B{b} S"] = j["speed_pp"], j["speed_tg"], j["speed"]
    return res


def llama3_java(classes, model, log):
    prompt = " ".join(["the"] * 120)  # ~128 tokens with the chat template's header tokens
    java = os.path.join(ROOT, "bin", "with-jdk25")
    out = run([java, "java", "--add-modules", "jdk.incubator.vector", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
               "-cp", classes, "com.llama4j.Llama3", "-m", model, "--prompt", prompt, "-n", "192", "--stream", "false",
               "--temperature", "0"], log)
    m = re.search(r"prompt: ([\d.]+) tokens/s \((\d+)\) generation: ([\d.]+) tokens/s \((\d+)\)", out)
    return {"pp128": float(m.group(1)), "tg64": float(m.group(3))} if m else {}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llamacpp", required=True, help="llama.cpp bin directory (llama-bench, llama-batched-bench)")
    ap.add_argument("--models", required=True, help="folder with llama-3.2-1b-random-{F16,Q8_0,Q4_0}.gguf")
    ap.add_argument("--llama3java", help="classes folder of mukel/llama3.java's compiled Llama3.java (optional)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--skip", default="", help="comma-separated: basic,batched,depth,llama3java")
    ap.add_argument("--out", default=f"/tmp/side-by-side-{time.strftime('%Y%m%d-%H%M')}")
    ap.add_argument("--wait", type=int, default=900, help="seconds to wait for idle CPUs before each round (0: do not wait)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "raw.log")
    skip = set(a.skip.split(","))
    results = {}  # (engine, type, test) -> [values]

    def add(engine, t, res):
        for k, v in res.items():
            results.setdefault((engine, t, k), []).append(v)

    for r in range(a.rounds):
        idle = wait_idle(a.wait) if a.wait > 0 else 0
        print(f"round {r + 1}/{a.rounds} (CPUs {idle:.0f}% idle at start) {time.strftime('%H:%M:%S')}", file=sys.stderr)
        for t in a.types.split(","):
            model = os.path.join(a.models, f"llama-3.2-1b-random-{t}.gguf")
            first, second = (0, 1) if r % 2 == 0 else (1, 0)  # alternate which engine goes first
            steps = []
            if "basic" not in skip:
                steps.append((("llama.cpp", lambda: llama_bench(a.llamacpp, model, log, ["-p", "128", "-n", "64"])),
                              ("mm1j", lambda: mm1j_bench(model, log, ["-p", "128", "-n", "64"]))))
            if "batched" not in skip:
                steps.append((("llama.cpp", lambda: batched_bench(a.llamacpp, model, log)),
                              ("mm1j", lambda: mm1j_bench(model, log, ["--parallel", "8,32", "-p", "128", "-n", "32"]))))
            if "depth" not in skip:
                steps.append((("llama.cpp", lambda: llama_bench(a.llamacpp, model, log, ["-p", "0", "-n", "32", "-d", "100,4000"])),
                              ("mm1j", lambda: mm1j_bench(model, log, ["--depth", "100,4000", "--ctx", "4096", "-n", "32", "--kv-type", "f16"]))))
            for pair in steps:
                for i in (first, second):
                    engine, fn = pair[i]
                    add(engine, t, fn())
            if a.llama3java and "llama3java" not in skip and t != "F16":
                add("llama3.java", t, llama3_java(a.llama3java, model, log))
        write(results, a.out)
    print(write(results, a.out))


def write(results, out):
    tests = sorted({k[2] for k in results}, key=lambda s: (not s.startswith("pp"), not s.startswith("tg"), s))
    lines = ["| weights | test | llama.cpp | mm1j | mm1j / llama.cpp | llama3.java | mm1j / llama3.java | runs |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in TYPES:
        for test in tests:
            vals = {e: results.get((e, t, test)) for e in ("llama.cpp", "mm1j", "llama3.java")}
            if not any(vals.values()):
                continue
            med = {e: statistics.median(v) if v else None for e, v in vals.items()}
            f = lambda x: f"{x:.2f}" if x is not None else ""
            ratio = lambda x, y: f"{x / y:.2f}" if x is not None and y else ""
            runs = "/".join(str(len(v or [])) for v in vals.values())
            lines.append(f"| {t} | {test} | {f(med['llama.cpp'])} | {f(med['mm1j'])} | {ratio(med['mm1j'], med['llama.cpp'])} "
                         f"| {f(med['llama3.java'])} | {ratio(med['mm1j'], med['llama3.java'])} | {runs} |")
    table = "\n".join(lines)
    with open(os.path.join(out, "table.md"), "w") as fh:
        fh.write(table + "\n")
    with open(os.path.join(out, "results.json"), "w") as fh:
        json.dump({"|".join(k): v for k, v in results.items()}, fh, indent=1)
    return table


if __name__ == "__main__":
    main()
