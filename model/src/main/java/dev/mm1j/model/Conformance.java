package dev.mm1j.model;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward pass behind {@code mm1j logits} (spec §8, §9), for every family: the images encoded as one batch and
 * spliced at their image ids, then the logits of every position of the expanded sequence, positions before
 * {@code decodeFrom} as one batched prefill and the rest one at a time through the KV cache.
 */
public final class Conformance {
    private Conformance() {}

    /**
     * The host tensors to write: {@code logits} F32 [T, V] over the expanded sequence, and with images the encoder's
     * outputs (spec §8 {@code vision_features} and {@code image_embeds} for MM1; §9 {@code image_embeds} [R, d]).
     * {@code ids} hold one image id per entry of {@code images} (checked by the caller, which names its options);
     * {@code decodeFrom} counts expanded positions, -1: all of them in one prefill.
     */
    public static Map<String, Tensor> logits(LoadedModel model, int[] ids, List<ImageEncoder.Input> images, int decodeFrom, DType kv) {
        TextModel text = model.text();
        Ops ops = model.ops();
        int vocab = text.config().vocabSize();
        Map<String, Tensor> out = new LinkedHashMap<>();
        ImageEncoder.Encoded enc = null;
        try {
            int[] expanded = ids;
            if (!images.isEmpty()) {
                ImageEncoder encoder = model.requireImages();
                enc = encoder.encode(images);
                for (Map.Entry<String, Tensor> e : enc.outputs().entrySet()) out.put(e.getKey(), ops.toHostF32(e.getValue()));
                int[] rows = new int[images.size()];
                for (int i = 0; i < rows.length; i++) rows[i] = images.get(i).rows();
                expanded = ImageSplice.expand(ids, encoder.imageTokenId(), rows);
            }
            int t = expanded.length;
            int k = decodeFrom < 0 ? t : decodeFrom;
            if (k > t) throw new Mm1jException("--decode-from must be between 0 and the number of positions (" + t + (images.isEmpty() ? "" : " with the images expanded") + "), got " + k);
            Tensor rows = enc == null ? null : enc.rows();
            Tensor logits = Tensor.allocateHost(DType.F32, t, vocab);
            out.put("logits", logits);
            MemorySegment host = logits.data();
            try (KvCache cache = text.newCache(t, kv)) {
                if (k > 0) {
                    try (Tensor l = ops.allocate(DType.F32, k, vocab)) {
                        if (rows == null) text.prefill(cache, Arrays.copyOf(expanded, k), l);
                        else ImageSplice.prefill(text, cache, expanded, rows, 0, k, l);
                        ops.copyOut(l, host.asSlice(0, (long) k * vocab * 4));
                    }
                }
                if (k < t) {
                    try (DecodeBatch batch = text.newDecodeBatch(1); Tensor one = ops.allocate(DType.F32, 1, vocab)) {
                        KvCache[] seq = {cache};
                        for (int i = k; i < t; i++) {
                            MemorySegment row = host.asSlice((long) i * vocab * 4, (long) vocab * 4);
                            if (expanded[i] >= 0) {
                                ops.copyOut(batch.step(seq, new int[] {expanded[i]}, 1), row);
                            } else { // an image position: its row through the cache, one position
                                ImageSplice.prefill(text, cache, expanded, rows, i, i + 1, one);
                                ops.copyOut(one, row);
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
}
