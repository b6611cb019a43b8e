package dev.mm1j.core.format.gguf;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.format.Progress;
import dev.mm1j.core.weights.WeightSource;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A llama-family GGUF file ({@code general.architecture} {@code llama} — Llama 2/3, Mistral, Mixtral — or
 * {@code qwen2}) presented under Hugging Face tensor names, so one decoder loads both formats:
 *
 * <pre>
 * token_embd.weight              model.embed_tokens.weight          output.weight  lm_head.weight
 * output_norm.weight             model.norm.weight
 * blk.{i}.attn_norm.weight       model.layers.{i}.input_layernorm.weight
 * blk.{i}.attn_{q,k,v}.weight    model.layers.{i}.self_attn.{q,k,v}_proj.weight   (and .bias)
 * blk.{i}.attn_output.weight     model.layers.{i}.self_attn.o_proj.weight
 * blk.{i}.ffn_norm.weight        model.layers.{i}.post_attention_layernorm.weight
 * blk.{i}.ffn_{gate,up,down}     model.layers.{i}.mlp.{gate,up,down}_proj.weight
 * blk.{i}.ffn_gate_inp.weight    model.layers.{i}.block_sparse_moe.gate.weight
 * blk.{i}.ffn_{gate,down,up}_exps.weight [E, ., .] and blk.{i}.ffn_{gate,down,up}.{e}.weight
 *                                model.layers.{i}.block_sparse_moe.experts.{e}.{w1,w2,w3}.weight
 * </pre>
 *
 * Other tensors keep their GGUF names (so they show up as unused); {@code rope_freqs.weight} (Llama 3.x
 * rope scaling) is read by {@link GgufConfig} instead.
 *
 * <p>Tensors in F32, F16, BF16, Q8_0 and Q4_0 are memory-mapped views. Other readable types (Q4_1, Q5_0,
 * Q5_1, Q4_K, Q5_K, Q6_K, Q8_K) are dequantized on first use into {@code dequantTo} (default Q8_0: within
 * 1e-4 of the stored values, fast matmuls, 8.5 bits per weight instead of 32 for F32), or into F32 when a
 * tensor has one dimension or rows that are not a multiple of 32. Unreadable types (IQ*, Q2_K, Q3_K, ...)
 * fail when the tensor is used, naming the type.
 *
 * <p>llama.cpp's converter permutes the rows of q_proj and k_proj of {@code llama}-architecture models
 * (each head's rows are interleaved, {@code [h][2][hd/2] -> [h][hd/2][2]}, to suit its rope); this source
 * undoes that so the tensors match the Hugging Face half-split layout. {@code qwen2} files are not permuted.
 */
public final class GgufWeights implements WeightSource {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(.+)");
    private static final Pattern EXPERT = Pattern.compile("ffn_(gate|down|up)\\.(\\d{1,6})\\.weight");
    /** Most experts a stacked expert tensor may declare. */
    private static final int MAX_EXPERTS = 1 << 16;
    private static final Map<String, String> LAYER_NAMES = Map.ofEntries(
        Map.entry("attn_norm.weight", "input_layernorm.weight"),
        Map.entry("attn_q.weight", "self_attn.q_proj.weight"), Map.entry("attn_q.bias", "self_attn.q_proj.bias"),
        Map.entry("attn_k.weight", "self_attn.k_proj.weight"), Map.entry("attn_k.bias", "self_attn.k_proj.bias"),
        Map.entry("attn_v.weight", "self_attn.v_proj.weight"), Map.entry("attn_v.bias", "self_attn.v_proj.bias"),
        Map.entry("attn_output.weight", "self_attn.o_proj.weight"), Map.entry("attn_output.bias", "self_attn.o_proj.bias"),
        Map.entry("ffn_norm.weight", "post_attention_layernorm.weight"),
        Map.entry("ffn_gate.weight", "mlp.gate_proj.weight"), Map.entry("ffn_up.weight", "mlp.up_proj.weight"),
        Map.entry("ffn_down.weight", "mlp.down_proj.weight"),
        Map.entry("ffn_gate_inp.weight", "block_sparse_moe.gate.weight"));
    private static final Map<String, String> EXPERT_NAMES = Map.of("gate", "w1", "down", "w2", "up", "w3");

    /** Where a Hugging Face name comes from: a GGUF tensor, optionally one expert of a stacked tensor, optionally row-permuted. */
    private record Source(String gguf, int expert, int permuteHeads) {}

    private final GgufFile file;
    private final DType dequantTo;
    private final boolean ownsFile;
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final Map<String, Tensor> loaded = new HashMap<>(); // by GGUF name (+ "#permuted")
    private final List<Tensor> owned = new ArrayList<>();
    private Progress progress;

    /**
     * Presents {@code file} under Hugging Face names; readable non-engine types are dequantized to
     * {@code dequantTo} (F32, F16, BF16, Q8_0 or Q4_0; null means Q8_0). Closing this closes the file when
     * {@code ownsFile}.
     */
    public GgufWeights(GgufFile file, DType dequantTo, boolean ownsFile) {
        this.file = file;
        this.dequantTo = dequantTo != null ? dequantTo : DType.Q8_0;
        if (!(this.dequantTo.isFloat() || this.dequantTo == DType.Q8_0 || this.dequantTo == DType.Q4_0)) {
            throw new IllegalArgumentException("GGUF tensors dequantize to F32, F16, BF16, Q8_0 or Q4_0, not " + dequantTo);
        }
        this.ownsFile = ownsFile;
        String arch = GgufConfig.architecture(file);
        boolean permute = arch.equals("llama");
        int heads = permute ? file.count(arch + ".attention.head_count", 0) : 0;
        int kvHeads = permute ? file.count(arch + ".attention.head_count_kv", heads) : 0;
        if (permute && (heads <= 0 || kvHeads <= 0)) throw new ModelFormatException(file.name() + ": " + arch + ".attention.head_count and head_count_kv must be positive");
        for (GgufFile.TensorInfo t : file.tensors().values()) map(t, heads, kvHeads);
    }

    /** Opens a GGUF file, dequantizing non-engine types to {@code dequantTo} (null: Q8_0). */
    public static GgufWeights open(Path path, DType dequantTo) {
        GgufFile f = GgufFile.open(path);
        try {
            return new GgufWeights(f, dequantTo, true);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private void map(GgufFile.TensorInfo t, int heads, int kvHeads) {
        String g = t.name();
        switch (g) {
            case "token_embd.weight" -> add("model.embed_tokens.weight", new Source(g, -1, 0));
            case "output_norm.weight" -> add("model.norm.weight", new Source(g, -1, 0));
            case "output.weight" -> add("lm_head.weight", new Source(g, -1, 0));
            case "rope_freqs.weight" -> { } // read by GgufConfig (Llama 3.x rope scaling)
            default -> {
                Matcher m = BLOCK.matcher(g);
                if (!m.matches()) {
                    add(g, new Source(g, -1, 0));
                    return;
                }
                String layer = "model.layers." + m.group(1) + ".";
                String rest = m.group(2);
                String hf = LAYER_NAMES.get(rest);
                if (hf != null) {
                    int p = rest.startsWith("attn_q.") ? heads : rest.startsWith("attn_k.") ? kvHeads : 0;
                    add(layer + hf, new Source(g, -1, p));
                    return;
                }
                Matcher e = EXPERT.matcher(rest);
                if (e.matches()) {
                    add(layer + "block_sparse_moe.experts." + Integer.parseInt(e.group(2)) + "." + EXPERT_NAMES.get(e.group(1)) + ".weight", new Source(g, -1, 0));
                    return;
                }
                if (rest.matches("ffn_(gate|down|up)_exps\\.weight")) {
                    if (t.shape().length != 3) throw new ModelFormatException(file.name() + ": tensor '" + g + "' should have 3 dimensions (experts first), has shape " + java.util.Arrays.toString(t.shape()));
                    String w = EXPERT_NAMES.get(rest.substring(4, rest.indexOf("_exps")));
                    if (t.shape()[0] > MAX_EXPERTS) throw new ModelFormatException(file.name() + ": tensor '" + g + "' declares " + t.shape()[0] + " experts (at most " + MAX_EXPERTS + ")");
                    for (int x = 0; x < t.shape()[0]; x++) add(layer + "block_sparse_moe.experts." + x + "." + w + ".weight", new Source(g, x, 0));
                    return;
                }
                add(g, new Source(g, -1, 0));
            }
        }
    }

    private void add(String hf, Source s) {
        Source prev = sources.putIfAbsent(hf, s);
        if (prev != null) throw new ModelFormatException(file.name() + ": tensors '" + prev.gguf() + "' and '" + s.gguf() + "' both map to '" + hf + "'");
    }

    public GgufFile file() {
        return file;
    }

    /** The Hugging Face {@code config.json} equivalent of the file's metadata (see {@link GgufConfig}). */
    public Map<String, Object> config() {
        return GgufConfig.hfConfig(file);
    }

    /** The tokenizer data ({@code tokenizer.ggml.*}). */
    public GgufVocabulary vocabulary() {
        return GgufVocabulary.read(file);
    }

    /** The GGUF tensor a Hugging Face name comes from, or null. */
    public String ggufName(String hfName) {
        Source s = sources.get(hfName);
        return s == null ? null : s.gguf();
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(sources.keySet());
    }

    @Override
    public synchronized Tensor tensor(String name) {
        Source s = sources.get(name);
        if (s == null) return null;
        Tensor t = load(s.gguf(), s.permuteHeads());
        return s.expert() >= 0 ? t.select(0, s.expert()) : t;
    }

    /** The GGUF tensor as the engine uses it: mapped, or dequantized once and cached; permuted once when asked. */
    private Tensor load(String gguf, int permuteHeads) {
        String key = permuteHeads > 0 ? gguf + "#permuted" : gguf;
        Tensor t = loaded.get(key);
        if (t != null) return t;
        GgufFile.TensorInfo info = file.tensorInfo(gguf);
        Tensor base;
        if (info.type().dtype() != null) {
            base = file.tensor(gguf);
        } else {
            boolean blocksFit = info.shape().length >= 2 && info.ne()[0] % dequantTo.blockSize() == 0;
            if (progress == null) progress = Progress.bytes("dequantizing " + file.name() + " to " + dequantTo, 0);
            base = file.load(gguf, blocksFit ? dequantTo : DType.F32);
            owned.add(base);
            progress.advance(info.byteSize());
        }
        if (permuteHeads > 0) {
            Tensor permuted = unpermute(gguf, base, permuteHeads);
            if (owned.remove(base)) base.close();
            base = permuted;
            owned.add(base);
        }
        loaded.put(key, base);
        return base;
    }

    /** Undoes llama.cpp's q/k row permutation: HF row {@code h·hd + i·hd/2 + j} is GGUF row {@code h·hd + 2j + i}. */
    private Tensor unpermute(String gguf, Tensor t, int heads) {
        if (t.rank() == 0) throw new ModelFormatException(file.name() + ": tensor '" + gguf + "' is a scalar, expected rows to un-permute");
        long rows = t.dim(0);
        if (rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new ModelFormatException(file.name() + ": tensor '" + gguf + "' has " + rows + " rows, which do not split into " + heads + " heads of even size");
        }
        long hd = rows / heads;
        Tensor out = Tensor.allocateHost(t.dtype(), t.shape());
        long rowBytes = t.byteSize() / rows;
        MemorySegment src = t.data(), dst = out.data();
        for (long h = 0; h < heads; h++) {
            for (long i = 0; i < 2; i++) {
                for (long j = 0; j < hd / 2; j++) {
                    long to = h * hd + i * (hd / 2) + j, from = h * hd + 2 * j + i;
                    MemorySegment.copy(src, from * rowBytes, dst, to * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return file.name();
    }

    @Override
    public synchronized void close() {
        if (progress != null) progress.close();
        owned.forEach(Tensor::close);
        owned.clear();
        loaded.clear();
        if (ownsFile) file.close();
    }
}
