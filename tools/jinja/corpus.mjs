// The chat-template corpus: which templates, which conversations, how a conversation becomes a template context.
// make_golden.mjs renders every (template x conversation) pair with @huggingface/jinja; check_jinja2.py renders the
// same contexts with Python's jinja2 set up as transformers sets it up. See README.md.

// Templates (files under the test resources' jinja/templates/, origins in the README there) and their special tokens.
const LLAMA3 = { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>" };
const SPM = { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>" };
const QWEN = { eos_token: "<|im_end|>", pad_token: "<|endoftext|>" };
export const TEMPLATES = {
  "llama3-8b-instruct": LLAMA3,
  "llama3.1-8b-instruct": LLAMA3,
  "llama3.2-3b-instruct": LLAMA3,
  "llama2-chat": SPM,
  "mistral-7b-instruct-v0.1": SPM,
  "mistral-7b-instruct-v0.2": SPM,
  "mistral-7b-instruct-v0.3": SPM,
  "mixtral-8x7b-instruct-v0.1": SPM,
  "mistral-nemo-instruct-2407": SPM,
  "qwen2-7b-instruct": QWEN,
  "qwen2.5-7b-instruct": QWEN,
  "qwen2-vl-7b-instruct": QWEN,
  "vicuna": SPM,
  "vicuna-13b-1.1": SPM,
  "zephyr-7b-beta": SPM,
  "phi-3.5-mini-instruct": { bos_token: "<s>", eos_token: "<|endoftext|>" },
  "deepseek-r1-distill-llama-8b": { bos_token: "<｜begin▁of▁sentence｜>", eos_token: "<｜end▁of▁sentence｜>" },
  "llava-1.5-7b-hf": SPM,
  "llava-v1.6-mistral-7b-hf": SPM,
  "llama3-llava-next-8b-hf": LLAMA3,
  "mm1-demo": { bos_token: "<s>", eos_token: "</s>", pad_token: "<pad>" },
};

// The fixed clock strftime_now reads in the corpus (both references and the Java test use it).
export const NOW = { year: 2025, month: 2, day: 3, hour: 4, minute: 5, second: 6 };

// How message content reaches a template, the rule mm1j's adapter (JinjaChatTemplate) applies: a template that reads
// content['text'] takes a list of parts ({"type":"image"} / {"type":"text","text":...}, as transformers' processors
// pass them); any other takes the text as a string, plus "images" (the count) when it reads message['images'] (the
// MM1 demo's template does).
export function contentStyle(source) {
  return /\[\s*(['"])text\1\s*\]|\.text\b/.test(source) ? "parts" : "text";
}

export function readsImageCount(source) {
  return /\[\s*(['"])images\1\s*\]|\.images\b/.test(source);
}

export function toContextMessage(m, style, imageCount) {
  if (style === "parts") {
    return { role: m.role, content: m.parts.map((p) => (p.image ? { type: "image" } : { type: "text", text: p.text })) };
  }
  const out = { role: m.role, content: m.parts.filter((p) => !p.image).map((p) => p.text).join("") };
  if (imageCount) out.images = m.parts.filter((p) => p.image).length;
  return out;
}

const t = (text) => ({ text });
const IMG = { image: true };
const msg = (role, ...parts) => ({ role, parts: parts.map((p) => (typeof p === "string" ? t(p) : p)) });

// Conversations every template gets (the adapter can express these: roles system/user/assistant, text and images).
export const CONVERSATIONS = [
  { id: "single_user", agp: [true, false], messages: [msg("user", "Hello!")] },
  { id: "system_user", agp: [true], messages: [msg("system", "You are a helpful assistant."), msg("user", "What is the capital of France?")] },
  { id: "multi_turn", agp: [true, false], messages: [msg("user", "Hi, who are you?"), msg("assistant", "I am an assistant."), msg("user", "Tell me a joke.")] },
  { id: "ends_with_assistant", agp: [false, true], messages: [msg("system", "Answer briefly."), msg("user", "2+2?"), msg("assistant", "4"), msg("user", "And 3+3?"), msg("assistant", "6")] },
  { id: "image_first", agp: [true], messages: [msg("user", IMG, "What is shown in this image?")] },
  { id: "image_after_text", agp: [true], messages: [msg("user", "Describe this picture:", IMG)] },
  { id: "two_images", agp: [true], messages: [msg("user", IMG, "Which of these two is larger?", IMG)] },
  { id: "image_second_turn", agp: [true], messages: [msg("user", "Hello"), msg("assistant", "Hi! Send me a picture."), msg("user", IMG, "Here it is. What colour is the car?")] },
  { id: "image_only", agp: [true], messages: [msg("user", IMG)] },
  { id: "image_with_system", agp: [true], messages: [msg("system", "You are a vision assistant."), msg("user", IMG, "Caption this."), msg("assistant", "A cat on a mat."), msg("user", "Is it sleeping?")] },
  { id: "empty_user", agp: [true], messages: [msg("user", "")] },
  { id: "empty_assistant", agp: [false], messages: [msg("user", "Say nothing."), msg("assistant", "")] },
  { id: "unicode", agp: [true], messages: [
    msg("system", "Réponds en français. 日本語もOK."),
    msg("user", "Grüße! 😀 Ça va? “curly” \"double\" 'single' \\ backslash\ttab"),
    msg("assistant", "Très bien 👍 — merci"),
    msg("user", "Ελληνικά; עברית; 中文; ﬁ ligature; é vs é"),
  ] },
  { id: "whitespace", agp: [true], messages: [msg("user", "  padded question\n\n"), msg("assistant", "\n answer with a leading newline "), msg("user", "\tlast\t")] },
  { id: "multiline", agp: [true], messages: [msg("system", "Line one.\nLine two.\n\nLine four."), msg("user", "First line\nsecond line")] },
  { id: "jinja_lookalike", agp: [true], messages: [msg("user", "{{ not a tag }} {% neither %} {# nor #} <|im_start|> [INST] </s>")] },
  { id: "long", agp: [true], messages: [
    msg("user", "Q1"), msg("assistant", "A1"), msg("user", "Q2"), msg("assistant", "A2"),
    msg("user", "Q3"), msg("assistant", "A3"), msg("user", "Q4"),
  ] },
  { id: "not_alternating", agp: [true], messages: [msg("user", "one"), msg("user", "two")] },
  { id: "assistant_first", agp: [true], messages: [msg("assistant", "I speak first."), msg("user", "Hmm?")] },
  { id: "system_only", agp: [true], messages: [msg("system", "Only a system prompt.")] },
  { id: "date_string", agp: [true], extra: { date_string: "05 Mar 2025" }, messages: [msg("system", "Be brief."), msg("user", "What day is it?")] },
  { id: "default_prompt_flag", agp: [true], extra: { USE_DEFAULT_PROMPT: true }, messages: [msg("user", "Use your default prompt.")] },
];

// Tool-calling contexts, given as the raw messages those templates read (tool_calls, tool results, tools).
const TOOLS = [
  { type: "function", function: { name: "get_current_weather", description: "Get the current weather in a given location",
    parameters: { type: "object", properties: { location: { type: "string", description: "The city, e.g. Paris" },
      unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location"] } } },
  { type: "function", function: { name: "get_time", description: "Current time in a time zone — ISO 8601 (e.g. “Europe/Paris”)",
    parameters: { type: "object", properties: { tz: { type: "string" }, precision: { type: "integer", maximum: 6 } }, required: [] } } },
];
const WEATHER_CALL = { name: "get_current_weather", arguments: { location: "Paris", unit: "celsius" } };
export const RAW = [
  { id: "llama_tools_in_user", templates: ["llama3.1-8b-instruct", "llama3.2-3b-instruct"], agp: [true],
    context: { tools: TOOLS, messages: [{ role: "system", content: "You can call tools." }, { role: "user", content: "Weather in Paris?" }] } },
  { id: "llama_tools_in_system", templates: ["llama3.1-8b-instruct", "llama3.2-3b-instruct"], agp: [true],
    context: { tools: TOOLS, tools_in_user_message: false, messages: [{ role: "user", content: "Weather in Paris?" }] } },
  { id: "llama_tool_call_and_result", templates: ["llama3.1-8b-instruct", "llama3.2-3b-instruct"], agp: [true],
    context: { messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", tool_calls: [{ type: "function", function: WEATHER_CALL }] },
      { role: "tool", content: { temperature: 21.5, sky: "clear" } },
      { role: "ipython", content: "plain text result" },
    ] } },
  { id: "llama_two_tool_calls", templates: ["llama3.1-8b-instruct"], agp: [true],
    context: { messages: [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [{ function: WEATHER_CALL }, { function: WEATHER_CALL }] }] } },
  { id: "llama_builtin_tools", templates: ["llama3.1-8b-instruct"], agp: [true],
    context: { builtin_tools: ["brave_search", "code_interpreter", "wolfram_alpha"], messages: [
      { role: "user", content: "Search for the news." },
      { role: "assistant", tool_calls: [{ function: { name: "brave_search", arguments: { query: "news today" } } }] },
    ] } },
  { id: "llama_tools_no_user", templates: ["llama3.1-8b-instruct"], agp: [true], context: { tools: TOOLS, messages: [{ role: "system", content: "s" }] } },
  { id: "qwen_tools", templates: ["qwen2.5-7b-instruct"], agp: [true, false],
    context: { tools: TOOLS, messages: [
      { role: "system", content: "You are a weather bot." },
      { role: "user", content: "Weather and time in Paris?" },
      { role: "assistant", content: "Let me check.", tool_calls: [{ type: "function", function: WEATHER_CALL }, { type: "function", function: { name: "get_time", arguments: { tz: "Europe/Paris" } } }] },
      { role: "tool", content: "{\"temperature\": 21.5}" },
      { role: "tool", content: "12:00" },
      { role: "assistant", content: "It is 21.5 °C at noon." },
    ] } },
  { id: "qwen_tools_no_system", templates: ["qwen2.5-7b-instruct"], agp: [true],
    context: { tools: TOOLS, messages: [{ role: "user", content: "Hi" }, { role: "assistant", tool_calls: [{ function: WEATHER_CALL }] }] } },
  { id: "mistral_tools", templates: ["mistral-7b-instruct-v0.3", "mistral-nemo-instruct-2407"], agp: [true],
    context: { tools: TOOLS, messages: [
      { role: "system", content: "Use tools when useful." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", tool_calls: [{ id: "abcDEF123", type: "function", function: WEATHER_CALL }] },
      { role: "tool", tool_call_id: "abcDEF123", content: "{\"temperature\": 21.5}" },
      { role: "assistant", content: "It is 21.5 °C." },
      { role: "user", content: "Thanks! And tomorrow?" },
    ] } },
  { id: "mistral_bad_tool_call_id", templates: ["mistral-7b-instruct-v0.3", "mistral-nemo-instruct-2407"], agp: [true],
    context: { messages: [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [{ id: "short", function: WEATHER_CALL }] }] } },
  { id: "unknown_role", templates: ["mistral-7b-instruct-v0.1", "mistral-7b-instruct-v0.2", "llava-v1.6-mistral-7b-hf", "llama2-chat"], agp: [true],
    context: { messages: [{ role: "user", content: "x" }, { role: "critic", content: "y" }] } },
  { id: "deepseek_think_and_tools", templates: ["deepseek-r1-distill-llama-8b"], agp: [true],
    context: { messages: [
      { role: "system", content: "Think first." },
      { role: "user", content: "What is 6*7?" },
      { role: "assistant", content: "<think>\n6*7 is 42.\n</think>\n\n42" },
      { role: "user", content: "Call the tool." },
      { role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "calc", arguments: "{\"x\": 42}" } }, { type: "function", function: { name: "calc", arguments: "{\"x\": 43}" } }] },
      { role: "tool", content: "42" },
      { role: "tool", content: "43" },
    ] } },
  { id: "qwen2vl_vision_ids", templates: ["qwen2-vl-7b-instruct"], agp: [true],
    context: { add_vision_id: true, messages: [
      { role: "user", content: [{ type: "image" }, { type: "video" }, { type: "text", text: "Compare." }, { image: "file.jpg" }] },
      { role: "assistant", content: "Plain string content." },
    ] } },
];
