package dev.mm1j.model.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.model.mm1.Mm1Model;
import dev.mm1j.model.nn.Params;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MM1 side of {@code mm1j logits} (spec §8): images given as preprocessed {@code pixel_values}, encoded
 * as one batch, spliced at the {@code <image>} ids; outputs {@code logits} over the expanded sequence,
 * {@code vision_features} and {@code image_embeds}.
 */
final class Mm1Logits {
    private Mm1Logits() {}

    /** Reads {@code pixel_values} [N, 3, S, S] from a safetensors file into a host F32 tensor (S a multiple of {@code patch}). */
    static Tensor readPixels(Path file, int patch) {
        if (!Files.isRegularFile(file)) throw new CliException("--pixels: " + file + ": no such file");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor t = f.tensor("pixel_values");
            if (t == null) throw new Mm1jException("--pixels: " + file + " has no tensor 'pixel_values' (it holds " + f.names() + ")");
            long[] s = t.shape();
            if (t.rank() != 4 || s[0] < 1 || s[1] != 3 || s[2] != s[3] || s[2] < patch || s[2] % patch != 0 || !t.dtype().isFloat()) {
                throw new Mm1jException("--pixels: pixel_values is " + t + ", expected F32 [N, 3, S, S] with N >= 1 and S a multiple of patch_size " + patch);
            }
            Tensor copy = Tensor.allocateHost(DType.F32, s);
            Tensor f32 = Params.toF32(t);
            MemorySegment.copy(f32.segment(), f32.byteOffset(), copy.data(), 0, copy.byteSize());
            if (f32 != t) f32.close();
            return copy;
        }
    }

    /**
     * Runs the model over {@code ids} with the images of {@code pixels} (null: none) and returns the host
     * tensors to write: logits [T', V] (positions before {@code decodeFrom} in one prefill, the rest one at a
     * time through the KV cache), and with images vision_features [N, g², W] and image_embeds [N, tokens, d].
     * {@code decodeFrom} counts positions of the expanded sequence; -1 means all of them in one prefill.
     */
    static Map<String, Tensor> outputs(Mm1Model model, int[] ids, Tensor pixels, int decodeFrom, DType kv) {
        int vocab = model.config().text().vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) throw new Mm1jException("--tokens: id " + ids[i] + " (at " + i + ") is outside the vocabulary [0, " + vocab + ")");
        }
        int images = model.countImages(ids);
        int given = pixels == null ? 0 : (int) pixels.dim(0);
        if (images != given) {
            int image = model.config().imageTokenId();
            throw new Mm1jException(pixels == null
                ? "the ids hold " + images + " image token" + (images == 1 ? "" : "s") + " (image_token_id=" + image + "): give their pixel_values with --pixels"
                : "the ids hold " + images + " image token" + (images == 1 ? "" : "s") + " (image_token_id=" + image + ") but --pixels has " + given
                    + " image" + (given == 1 ? "" : "s") + ": one image per token");
        }
        Ops ops = model.ops();
        Map<String, Tensor> out = new LinkedHashMap<>();
        Mm1Model.Encoded enc = null;
        try {
            int tokens = 0;
            if (images > 0) {
                enc = model.encode(pixels);
                tokens = (int) enc.embeds().dim(1);
                out.put("vision_features", host(ops, enc.features()));
                out.put("image_embeds", host(ops, enc.embeds()));
            }
            int[] expanded = model.expand(ids, images, tokens);
            int t = expanded.length;
            int k = decodeFrom < 0 ? t : decodeFrom;
            if (k > t) throw new CliException("--decode-from must be between 0 and the number of positions (" + t + " with the images expanded), got " + k);
            Tensor embeds = enc == null ? null : enc.embeds();
            Tensor logits = Tensor.allocateHost(DType.F32, t, vocab);
            out.put("logits", logits);
            MemorySegment hostData = logits.data();
            try (KvCache cache = model.text().newCache(t, kv)) {
                if (k > 0) {
                    try (Tensor l = ops.allocate(DType.F32, k, vocab)) {
                        model.prefill(cache, expanded, embeds, 0, k, l);
                        ops.backend().copyOut(l, hostData.asSlice(0, (long) k * vocab * 4));
                    }
                }
                if (k < t) {
                    try (DecodeBatch batch = model.text().newDecodeBatch(1); Tensor one = ops.allocate(DType.F32, 1, vocab)) {
                        KvCache[] seq = {cache};
                        for (int i = k; i < t; i++) {
                            MemorySegment row = hostData.asSlice((long) i * vocab * 4, (long) vocab * 4);
                            if (expanded[i] >= 0) {
                                ops.backend().copyOut(batch.step(seq, new int[] {expanded[i]}, 1), row);
                            } else { // an image position: its embedding through the cache, one position
                                model.prefill(cache, expanded, embeds, i, i + 1, one);
                                ops.backend().copyOut(one, row);
                            }
                        }
                    }
                }
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.values().forEach(Tensor::close);
            throw e;
        } finally {
            if (enc != null) enc.close();
        }
    }

    private static Tensor host(Ops ops, Tensor t) {
        Tensor h = Tensor.allocateHost(DType.F32, t.shape());
        ops.backend().copyOut(t, h.data());
        return h;
    }
}
