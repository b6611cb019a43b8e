package dev.mm1j.model.llava;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.WeightSource;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.vision.RgbImage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A LLaVA-1.5 or LLaVA-NeXT model: a Hugging Face folder ({@code LlavaForConditionalGeneration} /
 * {@code LlavaNextForConditionalGeneration}, either generation of tensor names, F32/F16/BF16) or llama.cpp's GGUF
 * pair (a text GGUF and an mmproj GGUF, spec §9.1).
 *
 * <pre>{@code
 * try (LlavaModel m = LlavaModel.open(folder, null, ops, null);
 *      LlavaModel.Encoded e = m.encode(List.of(image))) {        // rows [R, d]: every row spliced, in order
 *     int[] expanded = m.expand(ids, e.rowsPerImage());          // each image token -> its rows (marked -1)
 *     m.prefill(cache, expanded, e.rows(), 0, expanded.length, logits);
 * }
 * }</pre>
 * Images are preprocessed by the checkpoint's own processor ({@link #processor()}), encoded as one batch of views,
 * and each image token of the prompt (the config's {@code image_token_index}, or {@link #IMAGE} — the only way for a
 * GGUF pair, whose vocabulary has no image token) becomes that image's rows; positions count through them and the
 * KV cache records −1 there. One forward at a time: use it from one thread.
 */
public final class LlavaModel implements AutoCloseable {
    /** Marks an image position in prompt ids for any LLaVA model (spec §9's {@code img}). */
    public static final int IMAGE = -2;

    private final LlavaConfig config;
    private final ProcessorConfig processorConfig;
    private final LlavaImageProcessor processor;
    private final Ops ops;
    private final LlavaVision vision;
    private final TextModel text;
    private final AutoCloseable[] owned; // weights and files, closed last

    private LlavaModel(LlavaConfig config, ProcessorConfig processor, Ops ops, LlavaVision vision, TextModel text, AutoCloseable... owned) {
        this.config = config;
        this.processorConfig = processor;
        this.processor = new LlavaImageProcessor(processor);
        this.ops = ops;
        this.vision = vision;
        this.text = text;
        this.owned = owned;
    }

    /**
     * Opens a Hugging Face folder (config.json of model_type llava or llava_next, preprocessor_config.json, safetensors
     * under either name generation). {@code matrixDtype} (nullable) converts matmul weights on load; {@code warnings}
     * (nullable: stderr) hears about unused tensors.
     */
    public static LlavaModel open(Path folder, DType matrixDtype, Ops ops, Consumer<String> warnings) throws IOException {
        Checkpoint ckpt = Checkpoint.open(folder, matrixDtype);
        Weights w = null;
        try {
            LlavaConfig config = LlavaConfig.fromJson(ckpt.config());
            ProcessorConfig proc = ProcessorConfig.load(folder);
            checkProcessor(config, proc);
            w = new Weights(LlavaNames.of(ckpt.weights()), matrixDtype);
            if (warnings != null) w.warnings(warnings);
            LlavaVision v = LlavaVision.load(w, config, ops);
            TextModel t;
            try {
                t = TextModel.load(config.text(), w.prefix("language_model"), ops);
            } catch (RuntimeException | Error e) {
                v.close();
                throw e;
            }
            acceptUnused(w, config);
            w.finish();
            return new LlavaModel(config, proc, ops, v, t, w, ckpt);
        } catch (RuntimeException | Error e) {
            if (w != null) w.close();
            ckpt.close();
            throw e;
        }
    }

    /**
     * Opens llama.cpp's pair: {@code textGguf} (llama architecture) and {@code mmproj} (clip, projector mlp), with the
     * semantics of spec §9.1 (every stored block runs, the original LLaVA preprocessing, (width, height) pinpoints).
     */
    public static LlavaModel openGguf(Path textGguf, Path mmproj, DType matrixDtype, Ops ops, Consumer<String> warnings) {
        Mmproj m = Mmproj.open(mmproj);
        GgufWeights g = null;
        Weights tw = null, vw = null;
        try {
            g = GgufWeights.open(textGguf, matrixDtype);
            TextConfig tc = TextConfig.fromJson(JsonObject.of(g.config(), textGguf.getFileName() + " metadata"));
            List<int[]> pins = m.pinpoints();
            LlavaConfig config = new LlavaConfig(pins != null, m.vision(), tc, -1, UnaryOp.GELU, m.hiddenStates(), false, m.projectorBias(), pins, false);
            vw = new Weights(m, matrixDtype);
            tw = new Weights(g, matrixDtype);
            if (warnings != null) {
                vw.warnings(warnings);
                tw.warnings(warnings);
            }
            LlavaVision v = LlavaVision.load(vw, config, ops);
            TextModel t;
            try {
                t = TextModel.load(tc, tw, ops);
            } catch (RuntimeException | Error e) {
                v.close();
                throw e;
            }
            vw.finish();
            tw.finish();
            return new LlavaModel(config, m.processor(), ops, v, t, vw, tw, m, g);
        } catch (RuntimeException | Error e) {
            if (vw != null) vw.close();
            if (tw != null) tw.close();
            if (g != null) g.close();
            m.close();
            throw e;
        }
    }

    /** The processor's views must be what the encoder takes: image_size squares. */
    static void checkProcessor(LlavaConfig c, ProcessorConfig p) {
        int s = c.vision().imageSize();
        if (c.next() != p.isNext()) {
            throw new Mm1jException("preprocessor_config.json: image_processor_type " + p.type() + " does not go with model_type " + (c.next() ? "llava_next" : "llava"));
        }
        boolean ok = p.isNext() ? p.cropH() == s && p.baseSize() == s
            : p.doCenterCrop() ? p.cropH() == s && p.cropW() == s : p.doResize() && p.sizeH() == s && p.sizeW() == s;
        if (!ok) throw new Mm1jException("preprocessor_config.json: " + p + " does not make the " + s + "x" + s + " views vision_config.image_size needs");
        if (p.isNext()) {
            List<String> a = p.pinpoints().stream().map(Arrays::toString).toList(), b = c.pinpoints().stream().map(Arrays::toString).toList();
            if (!a.equals(b)) throw new Mm1jException("image_grid_pinpoints differ between preprocessor_config.json " + a + " and config.json " + b);
        }
    }

    /**
     * Marks as used what every CLIPVisionModel checkpoint carries but LLaVA never reads: the layers after the deepest
     * selected hidden state, post_layernorm, and the position_ids buffer of old checkpoints (so only real leftovers warn).
     */
    private static void acceptUnused(Weights w, LlavaConfig c) {
        Weights vm = w.prefix("vision_tower.vision_model");
        for (int i = c.layersToRun(); i < c.vision().numHiddenLayers(); i++) {
            for (String n : w.unused()) if (n.startsWith(vm.fullName("encoder.layers." + i + "."))) w.get(n);
        }
        for (String n : List.of("post_layernorm.weight", "post_layernorm.bias", "embeddings.position_ids")) vm.getOptional(n);
    }

    public LlavaConfig config() {
        return config;
    }

    /** The checkpoint's image processor (preprocessor_config.json, or the mmproj's §9.1 preprocessing). */
    public LlavaImageProcessor processor() {
        return processor;
    }

    public ProcessorConfig processorConfig() {
        return processorConfig;
    }

    public Ops ops() {
        return ops;
    }

    /** The language model (for decoding after {@link #prefill}). */
    public TextModel text() {
        return text;
    }

    // ================================================================== images

    /**
     * Encoded images.
     *
     * @param rows         [R, d]: every row the images put into the sequence, in order (spec §9's image_embeds)
     * @param rowsPerImage how many of them each image takes
     * @param features     [views, tokens, W·layers]: the selected hidden states of every view, before the projector
     */
    public record Encoded(Tensor rows, int[] rowsPerImage, Tensor features) implements AutoCloseable {
        @Override
        public void close() {
            rows.close();
            features.close();
        }
    }

    /** Preprocesses and encodes decoded images (all their views as one batch). */
    public Encoded encode(List<RgbImage> images) {
        List<LlavaImageProcessor.Processed> p = new ArrayList<>();
        try {
            for (RgbImage i : images) p.add(processor.process(i));
            return encodeProcessed(p);
        } finally {
            p.forEach(LlavaImageProcessor.Processed::close);
        }
    }

    /** Encodes preprocessed images (their views as one batch). */
    public Encoded encodeProcessed(List<LlavaImageProcessor.Processed> images) {
        if (images.isEmpty()) throw new Mm1jException("[llava] no images to encode");
        int s = config.vision().imageSize();
        long views = 0;
        for (LlavaImageProcessor.Processed p : images) views += p.views();
        List<int[]> sizes = new ArrayList<>();
        int[] counts = new int[images.size()];
        try (Tensor pixels = Tensor.allocateHost(DType.F32, views, 3, s, s)) {
            long at = 0;
            for (int i = 0; i < images.size(); i++) {
                LlavaImageProcessor.Processed p = images.get(i);
                if (config.next() && p.views() != config.anyres().views(p.height(), p.width())) {
                    throw new Mm1jException("[llava] image " + i + " (" + p.width() + "x" + p.height() + ") has " + p.views() + " views, its grid needs "
                        + config.anyres().views(p.height(), p.width()));
                }
                long bytes = p.pixels().byteSize();
                MemorySegment.copy(p.pixels().data(), 0, pixels.data(), at * (bytes / p.views()), bytes);
                at += p.views();
                sizes.add(new int[] {p.height(), p.width()});
                counts[i] = vision.rowsFor(p.height(), p.width());
            }
            Tensor f = vision.features(pixels);
            try {
                return new Encoded(vision.rows(f, sizes), counts, f);
            } catch (RuntimeException | Error e) {
                f.close();
                throw e;
            }
        }
    }

    /** Rows an image of {@code height × width} pixels takes in the sequence. */
    public int rowsFor(int height, int width) {
        return vision.rowsFor(height, width);
    }

    // ================================================================== the sequence

    /** Whether {@code id} marks an image: the config's image token, or {@link #IMAGE}. */
    public boolean isImage(int id) {
        return id == IMAGE || id >= 0 && id == config.imageTokenIndex();
    }

    /** The expanded sequence: the k-th image position becomes {@code rowsPerImage[k]} positions marked −1. */
    public int[] expand(int[] ids, int[] rowsPerImage) {
        int found = 0;
        long length = 0;
        for (int id : ids) {
            if (isImage(id)) {
                if (found < rowsPerImage.length) length += rowsPerImage[found];
                found++;
            } else {
                if (id < 0 || id >= config.text().vocabSize()) throw new Mm1jException("[llava] token id " + id + " is outside the vocabulary (" + config.text().vocabSize() + ")");
                length++;
            }
        }
        if (found != rowsPerImage.length) {
            throw new Mm1jException("the prompt has " + found + " image position" + (found == 1 ? "" : "s") + " but " + rowsPerImage.length + " image"
                + (rowsPerImage.length == 1 ? " is" : "s are") + " given: each image needs exactly one");
        }
        int[] out = new int[Math.toIntExact(length)];
        int j = 0, k = 0;
        for (int id : ids) {
            if (isImage(id)) {
                Arrays.fill(out, j, j + rowsPerImage[k], -1);
                j += rowsPerImage[k++];
            } else {
                out[j++] = id;
            }
        }
        return out;
    }

    /**
     * Appends positions [{@code from}, {@code to}) of {@code expanded} to {@code cache}, batched: ids embedded, the
     * positions marked −1 taking the next rows of {@code rows} [R, d] (the k-th marked position of the whole sequence
     * takes row k). {@code logits}: null, [1, V] (last position) or [to − from, V].
     */
    public void prefill(KvCache cache, int[] expanded, Tensor rows, int from, int to, Tensor logits) {
        if (from < 0 || to > expanded.length || to <= from) throw new Mm1jException("[prefill] positions " + from + ".." + to + " of " + expanded.length + " are empty");
        long marked = Arrays.stream(expanded).filter(i -> i < 0).count();
        long have = rows == null ? 0 : rows.dim(0);
        if (rows != null && (rows.rank() != 2 || rows.dim(1) != config.text().hiddenSize() || rows.dtype() != DType.F32)) {
            throw new Mm1jException("[prefill] image rows " + rows + ": expected F32 [R, " + config.text().hiddenSize() + "]");
        }
        if (marked != have) throw new Mm1jException("[prefill] the sequence has " + marked + " image positions but " + have + " image rows are given");
        try (Tensor hidden = ops.allocate(DType.F32, to - from, config.text().hiddenSize())) {
            splice(hidden, expanded, rows, from);
            text.forward(cache, hidden, Arrays.copyOfRange(expanded, from, to), logits);
        }
    }

    /** {@code hidden} [n, d] = embeddings of positions [from, from + n): token rows, and image rows where expanded is −1. */
    void splice(Tensor hidden, int[] expanded, Tensor rows, int from) {
        int n = (int) hidden.dim(0);
        int[] ids = new int[n];
        int row = 0;
        for (int i = 0; i < from; i++) if (expanded[i] < 0) row++;
        for (int i = 0; i < n; i++) ids[i] = Math.max(expanded[from + i], 0);
        text.embed(hidden, ids);
        for (int i = 0; i < n; ) {
            if (expanded[from + i] >= 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && expanded[from + j] < 0) j++;
            ops.copy(hidden.slice(0, i, j), rows.slice(0, row, row + (j - i)));
            row += j - i;
            i = j;
        }
    }

    @Override
    public void close() {
        text.close();
        vision.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new Mm1jException("closing " + c + ": " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "LlavaModel[" + config.describe() + "]";
    }
}
