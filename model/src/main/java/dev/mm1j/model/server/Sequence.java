package dev.mm1j.model.server;

import dev.mm1j.model.generation.Sampler;
import dev.mm1j.model.generation.StopStrings;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.tokenizer.StreamingDecoder;
import dev.mm1j.model.tokenizer.Tokenizer;

/**
 * One request's generation inside the engine: its KV cache (a slot of the pool), its sampler with its own seed,
 * its streaming decoder and stop strings. {@link #accept} takes each sampled token and says whether the
 * sequence goes on; the visible text goes to the request as {@link GenRequest.Delta}s, with text that may start a
 * stop string held back until it is decided. Engine thread only.
 */
final class Sequence {
    final GenRequest request;
    final int slot;
    final KvCache cache;
    final Sampler sampler;
    private final StreamingDecoder decoder;
    private final StopStrings stops;
    private final int[] stopTokens;
    private boolean stripSpace;
    ServedModel.PrefillJob prefill; // non-null until the prompt is in the cache
    int pending = -1;               // the sampled token the next decode step feeds
    int generated;
    long firstTokenNanos;

    Sequence(GenRequest request, int slot, KvCache cache, int vocab, Tokenizer tok, int[] stopTokens) {
        this.request = request;
        this.slot = slot;
        this.cache = cache;
        this.sampler = new Sampler(request.sampling, vocab);
        this.decoder = tok.streamingDecoder(true);
        this.stops = new StopStrings(request.stops);
        this.stopTokens = request.ignoreEos ? new int[0] : stopTokens;
        this.stripSpace = request.stripLeadingSpace;
    }

    /**
     * Takes the token sampled after the last position: emits its text and returns true when generation goes on
     * ({@link #pending} is then the token to feed), false when the request is done (its {@link GenRequest.Done}
     * emitted).
     */
    boolean accept(int id) {
        if (generated == 0) firstTokenNanos = System.nanoTime();
        for (int s : stopTokens) {
            if (s == id) return finish("stop", true);
        }
        generated++;
        sampler.accept(id);
        emit(stops.push(decoder.step(id)));
        if (stops.stopped()) return finish("stop", false);
        if (generated >= request.maxTokens || cache.position() >= cache.capacity()) return finish("length", true);
        pending = id;
        return true;
    }

    private boolean finish(String reason, boolean flush) {
        if (flush) emit(stops.push(decoder.flush()) + stops.flush());
        request.emit(new GenRequest.Done(reason, request.promptPositions, generated));
        return false;
    }

    private void emit(String text) {
        if (stripSpace && !text.isEmpty()) {
            stripSpace = false;
            if (text.charAt(0) == ' ') text = text.substring(1);
        }
        if (!text.isEmpty()) request.emit(new GenRequest.Delta(text));
    }
}
