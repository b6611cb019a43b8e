// llama.cpp on this machine, for docs/PERFORMANCE.md's "Text decoder vs llama.cpp": the same pp128 / tg64 that
// `llama-bench -t 2 -p 128 -n 64` and `mm1j bench -p 128 -n 64 -t 2` report, through node-llama-cpp's prebuilt
// CPU binaries (the npm registry is reachable here, llama.cpp's own releases are not). ggml picks its CPU
// variant for this machine at load time; Q4_0 weights are repacked by llama.cpp (CPU_REPACK).
//
//   cd tools/text/llamacpp && npm install && node bench.mjs ../../../models/bench/llama-3.2-1b-random-Q8_0.gguf 3
//
// Prompt: 128 fixed token ids in one batch; generation: 64 tokens one at a time, greedy. Mean ± sd over the
// runs after one warm-up run (a fresh context each run). Not used by the build or CI.
import {getLlama} from "node-llama-cpp";
const [,, path, reps = "3"] = process.argv;
const llama = await getLlama({gpu: false, maxThreads: 2, logLevel: process.env.LOGLEVEL ?? "warn"});
const model = await llama.loadModel({modelPath: path, gpuLayers: 0, useMmap: true});
const pp = [], tg = [];
for (let r = 0; r < Number(reps) + 1; r++) {
  const ctx = await model.createContext({contextSize: 512, batchSize: 512, threads: {ideal: 2, min: 2}, flashAttention: false});
  const seq = ctx.getSequence();
  const prompt = Array.from({length: 128}, (_, i) => 1000 + ((i * 7919) % 50000));
  let t0 = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  let t1 = performance.now();
  // 64 generated tokens, one at a time (greedy)
  let n = 0, last = prompt[prompt.length - 1];
  const t2 = performance.now();
  for await (const tok of seq.evaluate([last], {temperature: 0})) { if (++n >= 64) break; }
  const t3 = performance.now();
  if (r > 0) { pp.push(128 / ((t1 - t0) / 1000)); tg.push(64 / ((t3 - t2) / 1000)); }
  await ctx.dispose();
}
const mean = a => a.reduce((x, y) => x + y, 0) / a.length, sd = a => Math.sqrt(mean(a.map(x => (x - mean(a)) ** 2)));
console.log(`${path.split("/").pop()}: pp128 ${mean(pp).toFixed(2)} ± ${sd(pp).toFixed(2)} t/s, tg64 ${mean(tg).toFixed(2)} ± ${sd(tg).toFixed(2)} t/s (node-llama-cpp build of llama.cpp ${llama.llamaCppRelease?.release ?? "?"}, ${llama.cpuMathCores} math cores)`);
