// Drives `mm1j serve` with the official openai npm package, the way an existing application would.
//
//   cd tools/openai && npm install            (once; node_modules is ignored by git)
//   bin/mm1j serve --model models/mm1-demo --port 8080 &
//   node tools/openai/client.mjs [--base http://127.0.0.1:8080/v1] [--key KEY] [--image PNG] [--question TEXT]
//
// Checks: the model list; a chat with an image (non-streaming); the same request streamed with the same seed
// reassembles to the same text and reports usage; a bad request surfaces as openai.BadRequestError (400); with
// --key, a wrong key as openai.AuthenticationError (401).
// Prints one line per check and exits non-zero on the first failure. Not run by CI.
import OpenAI from "openai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const base = opt("base", process.env.MM1J_BASE_URL ?? "http://127.0.0.1:8080/v1");
const key = opt("key", process.env.MM1J_API_KEY ?? "none");
const image = opt("image", path.join(here, "../../examples/shapes1.png"));
const question = opt("question", "What colour is the star?");
const client = new OpenAI({ baseURL: base, apiKey: key, maxRetries: 0, timeout: 120_000 });

function check(ok, what) {
  if (!ok) {
    console.error(`FAIL ${what}`);
    process.exit(1);
  }
  console.log(`ok   ${what}`);
}

const models = await client.models.list();
const model = models.data[0].id;
check(models.data.length === 1, `models.list: ${model}`);

const png = readFileSync(image).toString("base64");
const messages = [{
  role: "user",
  content: [
    { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
    { type: "text", text: question },
  ],
}];
const params = { model, messages, temperature: 0.7, seed: 42, max_tokens: 48 };

let t0 = performance.now();
const whole = await client.chat.completions.create(params);
const answer = whole.choices[0].message.content;
check(whole.object === "chat.completion" && typeof answer === "string",
  `chat with an image (${path.basename(image)}): "${question}" -> "${answer}" (finish ${whole.choices[0].finish_reason}, `
  + `usage ${JSON.stringify(whole.usage)}, ${(performance.now() - t0).toFixed(0)} ms)`);

t0 = performance.now();
const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
let text = "", chunks = 0, finish = null, usage = null, firstMs = null;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  const c = chunk.choices[0];
  if (!c) continue;
  if (c.delta?.content) {
    if (firstMs === null) firstMs = performance.now() - t0;
    text += c.delta.content;
  }
  if (c.finish_reason) finish = c.finish_reason;
}
check(text === answer && finish === whole.choices[0].finish_reason,
  `streamed the same request: ${chunks} chunks reassemble to the same answer, finish ${finish}, first text after ${firstMs?.toFixed(0)} ms`);
check(usage && usage.total_tokens === whole.usage.total_tokens, `stream_options.include_usage: ${JSON.stringify(usage)}`);

try {
  await client.chat.completions.create({ model, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,aGVsbG8=" } }] }] });
  check(false, "an invalid image is refused");
} catch (e) {
  check(e instanceof OpenAI.BadRequestError && e.status === 400, `an invalid image is refused: ${e.status} ${e.message}`);
}
if (key !== "none") {
  try {
    await new OpenAI({ baseURL: base, apiKey: key + "-wrong", maxRetries: 0 }).models.list();
    check(false, "a wrong API key is refused");
  } catch (e) {
    check(e instanceof OpenAI.AuthenticationError && e.status === 401, `a wrong API key is refused: ${e.status} ${e.message}`);
  }
}
console.log("all checks passed");
