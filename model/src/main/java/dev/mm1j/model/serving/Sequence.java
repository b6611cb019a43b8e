package dev.mm1j.model.serving;

import dev.mm1j.model.ChatFormat;
import dev.mm1j.model.generation.Sampler;
import dev.mm1j.model.generation.StopStrings;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.text.KvCache;

/**
 * One request's generation inside the engine: its KV cache (a slot of the pool), its sampler with its own seed,
 * its text stream and stop strings. {@link #accept} takes each sampled token and says whether the
 * sequence goes on; the visible text goes to the request as {@link Request.Delta}s, with text that may start a
 * stop string held back until it is decided. Engine thread only.
 */
final class Sequence {
    final Request request;
    final int slot;
    final KvCache cache;
    final Sampler sampler;
    private final TextStream text;
    private final StopStrings stops;
    private final int[] stopTokens;
    private boolean stripSpace;
    Prefill prefill;                // non-null until the prompt is in the cache
    int pending = -1;               // the sampled token the next decode step feeds
    int generated;
    long firstTokenNanos;

    Sequence(Request request, int slot, KvCache cache, int vocab, ChatFormat chat) {
        this.request = request;
        this.slot = slot;
        this.cache = cache;
        this.sampler = new Sampler(request.sampling, vocab);
        this.text = chat.textStream();
        this.stops = new StopStrings(request.stops);
        this.stopTokens = request.ignoreEos ? new int[0] : chat.stopTokens();
        this.stripSpace = request.stripLeadingSpace;
    }

    /**
     * Takes the token sampled after the last position: emits its text and returns true when generation goes on
     * ({@link #pending} is then the token to feed), false when the request is done (its {@link Request.Done}
     * emitted).
     */
    boolean accept(int id) {
        if (generated == 0) firstTokenNanos = System.nanoTime();
        for (int s : stopTokens) {
            if (s == id) return finish("stop", true);
        }
        generated++;
        sampler.accept(id);
        emit(stops.push(text.step(id)));
        if (stops.stopped()) return finish("stop", false);
        if (generated >= request.maxTokens || cache.position() >= cache.capacity()) return finish("length", true);
        pending = id;
        return true;
    }

    private boolean finish(String reason, boolean flush) {
        if (flush) emit(stops.push(text.flush()) + stops.flush());
        request.emit(new Request.Done(reason, request.promptPositions(), generated));
        return false;
    }

    private void emit(String text) {
        if (stripSpace && !text.isEmpty()) {
            stripSpace = false;
            if (text.charAt(0) == ' ') text = text.substring(1);
        }
        if (!text.isEmpty()) request.emit(new Request.Delta(text));
    }
}
