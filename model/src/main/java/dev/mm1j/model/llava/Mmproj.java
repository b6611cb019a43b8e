package dev.mm1j.model.llava;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.format.gguf.GgufArray;
import dev.mm1j.core.format.gguf.GgufFile;
import dev.mm1j.core.weights.WeightSource;
import dev.mm1j.model.vision.VisionConfig;
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
 * llama.cpp's mmproj GGUF (the CLIP tower and LLaVA projector of a GGUF pair) as the model reads it: the
 * {@code clip.*} metadata as a vision config, feature layers and preprocessing, and the {@code v.*} / {@code mm.*}
 * tensors under the Hugging Face names of {@link LlavaNames}:
 * <pre>
 * v.class_embd, v.patch_embd.weight, v.position_embd.weight   vision_tower.vision_model.embeddings.{class_embedding, patch_embedding.weight, position_embedding.weight}
 * v.pre_ln.*, v.post_ln.*                                     .pre_layrnorm.*, .post_layernorm.*
 * v.blk.{i}.attn_{q,k,v,out}.*                                .encoder.layers.{i}.self_attn.{q,k,v,out}_proj.*
 * v.blk.{i}.ln1.*, ln2.*                                      .encoder.layers.{i}.layer_norm{1,2}.*
 * v.blk.{i}.ffn_up.*, ffn_down.*                              .encoder.layers.{i}.mlp.fc1.*, fc2.* — or the other way round: the legacy
 *                                                             converter wrote fc1 as ffn_down; as in llama.cpp, an ffn_down whose rows
 *                                                             have embedding_length values is fc1
 * mm.0.*, mm.2.*                                              multi_modal_projector.linear_1.*, linear_2.*
 * model.image_newline (v.image_newline)                       image_newline
 * </pre>
 * Semantics are spec §9.1's: the converter keeps the blocks up to the feature layer, so every stored block runs
 * ({@code clip.vision.block_count}) and the features are the last block's output, or the hidden states listed in
 * {@code clip.vision.feature_layer}; the CLS row is dropped; preprocessing is the original LLaVA's.
 *
 * <p>F32, F16, BF16, Q8_0 and Q4_0 tensors are memory-mapped views; other readable types (K-quants, Q4_1, Q5_*) are
 * dequantized to F32 once (a vision tower is small next to its text model).
 */
final class Mmproj implements WeightSource {
    private static final Pattern BLOCK = Pattern.compile("v\\.blk\\.(\\d+)\\.(.+)");
    private static final String VT = "vision_tower.vision_model.";
    private static final Map<String, String> LAYER = Map.of("attn_q", "self_attn.q_proj", "attn_k", "self_attn.k_proj", "attn_v", "self_attn.v_proj",
        "attn_out", "self_attn.out_proj", "ln1", "layer_norm1", "ln2", "layer_norm2");

    private final GgufFile file;
    private final Map<String, String> sources = new LinkedHashMap<>(); // HF name -> GGUF name
    private final Map<String, Tensor> dequantized = new HashMap<>();
    private final VisionConfig vision;
    private final int[] hiddenStates;
    private final double[] mean, std;
    private final List<int[]> pinpointsHw; // null for llava-1.5
    private final boolean projectorBias;

    private Mmproj(GgufFile file) {
        this.file = file;
        String arch = file.string("general.architecture");
        if (!"clip".equals(arch)) throw bad("general.architecture is '" + arch + "', expected 'clip' (an mmproj file)");
        if (Boolean.FALSE.equals(file.bool("clip.has_vision_encoder"))) throw bad("clip.has_vision_encoder is false: no image encoder in this file");
        String proj = file.string("clip.projector_type");
        if (proj == null) proj = Boolean.TRUE.equals(file.bool("clip.has_llava_projector")) ? "mlp" : null;
        if (!"mlp".equals(proj)) throw bad("clip.projector_type is '" + proj + "'; only LLaVA's 'mlp' projector is supported");
        if (Boolean.TRUE.equals(file.bool("clip.use_silu"))) throw bad("clip.use_silu: a SiLU vision tower is not a CLIP ViT");
        int blocks = required("clip.vision.block_count");
        vision = new VisionConfig(required("clip.vision.embedding_length"), required("clip.vision.feed_forward_length"), blocks,
            required("clip.vision.attention.head_count"), required("clip.vision.image_size"), required("clip.vision.patch_size"), 3,
            Boolean.TRUE.equals(file.bool("clip.use_gelu")) ? "gelu" : "quick_gelu", file.number("clip.vision.attention.layer_norm_epsilon", 1e-5));
        GgufArray fl = file.array("clip.vision.feature_layer");
        hiddenStates = fl == null || fl.size() == 0 ? new int[] {blocks} : fl.ints();
        for (int h : hiddenStates) {
            if (h < 0 || h > blocks) throw bad("clip.vision.feature_layer " + h + " is outside the " + blocks + " stored blocks (0 .. " + blocks + ")");
        }
        mean = floats("clip.vision.image_mean", ProcessorConfig.CLIP_MEAN);
        std = floats("clip.vision.image_std", ProcessorConfig.CLIP_STD);
        GgufArray pins = file.array("clip.vision.image_grid_pinpoints");
        if (pins != null && pins.size() > 0) {
            int[] p = pins.ints();
            if (p.length % 2 != 0) throw bad("clip.vision.image_grid_pinpoints has " + p.length + " values, expected (width, height) pairs");
            String merge = file.string("clip.vision.mm_patch_merge_type");
            if (!"spatial_unpad".equals(merge)) {
                throw bad("clip.vision.mm_patch_merge_type is '" + merge + "'; grid pinpoints are supported with 'spatial_unpad' (LLaVA-1.6)");
            }
            List<int[]> hw = new ArrayList<>();
            for (int i = 0; i < p.length; i += 2) hw.add(new int[] {p[i + 1], p[i]}); // (width, height) -> (height, width), order kept
            pinpointsHw = hw;
        } else {
            pinpointsHw = null;
        }
        for (GgufFile.TensorInfo t : file.tensors().values()) map(t);
        projectorBias = sources.containsKey("multi_modal_projector.linear_1.bias");
    }

    /** Opens and validates an mmproj file. */
    static Mmproj open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            return new Mmproj(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private void map(GgufFile.TensorInfo t) {
        String g = t.name();
        String hf = switch (g) {
            case "v.class_embd" -> VT + "embeddings.class_embedding";
            case "v.patch_embd.weight" -> VT + "embeddings.patch_embedding.weight";
            case "v.position_embd.weight" -> VT + "embeddings.position_embedding.weight";
            case "v.pre_ln.weight" -> VT + "pre_layrnorm.weight";
            case "v.pre_ln.bias" -> VT + "pre_layrnorm.bias";
            case "v.post_ln.weight" -> VT + "post_layernorm.weight";
            case "v.post_ln.bias" -> VT + "post_layernorm.bias";
            case "mm.0.weight" -> "multi_modal_projector.linear_1.weight";
            case "mm.0.bias" -> "multi_modal_projector.linear_1.bias";
            case "mm.2.weight" -> "multi_modal_projector.linear_2.weight";
            case "mm.2.bias" -> "multi_modal_projector.linear_2.bias";
            case "model.image_newline", "v.image_newline" -> "image_newline";
            default -> block(g);
        };
        String prev = sources.putIfAbsent(hf, g);
        if (prev != null) throw bad("tensors '" + prev + "' and '" + g + "' both map to '" + hf + "'");
    }

    /** A v.blk.* name under its Hugging Face name (others unchanged). */
    private String block(String g) {
        Matcher m = BLOCK.matcher(g);
        if (!m.matches()) return g;
        String layer = VT + "encoder.layers." + m.group(1) + ".", rest = m.group(2);
        int dot = rest.lastIndexOf('.');
        if (dot < 0) return g;
        String part = rest.substring(0, dot), kind = rest.substring(dot);
        if (LAYER.containsKey(part)) return layer + LAYER.get(part) + kind;
        if (part.equals("ffn_up") || part.equals("ffn_down")) {
            // fc1 is [intermediate, embedding]: its rows have embedding_length values (the GGUF ne[0])
            GgufFile.TensorInfo down = file.tensorInfo("v.blk." + m.group(1) + ".ffn_down.weight");
            boolean legacy = down != null && down.ne().length == 2 && down.ne()[0] == vision.hiddenSize();
            boolean fc1 = part.equals("ffn_up") != legacy;
            return layer + (fc1 ? "mlp.fc1" : "mlp.fc2") + kind;
        }
        return g;
    }

    private int required(String key) {
        if (!file.has(key)) throw bad("missing metadata " + key);
        return file.count(key, 0);
    }

    private double[] floats(String key, double[] fallback) {
        GgufArray a = file.array(key);
        if (a == null) return fallback.clone();
        float[] f = a.floats();
        if (f.length != 3) throw bad(key + " has " + f.length + " values, expected 3");
        return new double[] {f[0], f[1], f[2]};
    }

    private ModelFormatException bad(String what) {
        return new ModelFormatException(file.name() + ": " + what);
    }

    VisionConfig vision() {
        return vision;
    }

    /** The hidden states the features are made of (non-negative indices; by default the last stored block's output). */
    int[] hiddenStates() {
        return hiddenStates.clone();
    }

    /** The processor spec §9.1 gives this file: pad to square (llava-1.5) or anyres with its pinpoints (llava-1.6). */
    ProcessorConfig processor() {
        return ProcessorConfig.forMmproj(vision.imageSize(), mean, std, pinpointsHw);
    }

    /** (height, width) pinpoints, converted from the file's (width, height) pairs, or null. */
    List<int[]> pinpoints() {
        return pinpointsHw == null ? null : pinpointsHw.stream().map(int[]::clone).toList();
    }

    boolean projectorBias() {
        return projectorBias;
    }

    GgufFile file() {
        return file;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(sources.keySet());
    }

    @Override
    public synchronized Tensor tensor(String name) {
        String g = sources.get(name);
        if (g == null) return null;
        GgufFile.TensorInfo info = file.tensorInfo(g);
        if (info.type().dtype() != null) return file.tensor(g);
        return dequantized.computeIfAbsent(g, k -> file.load(k, DType.F32));
    }

    @Override
    public String describe() {
        return file.name();
    }

    @Override
    public synchronized void close() {
        dequantized.values().forEach(Tensor::close);
        dequantized.clear();
        file.close();
    }
}
