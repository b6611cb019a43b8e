package dev.mm1j.model.server;

import dev.mm1j.core.Tensor;
import dev.mm1j.model.generation.SamplingParams;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One generation handed from an HTTP thread to the engine: the prompt (ids with one {@code <image>} id per
 * image, and the images' pixels), what to generate, and the channel back: the engine {@link #emit}s events,
 * the HTTP thread {@link #next polls} them. Either side may end it: the HTTP thread by {@link #cancel} (the
 * client went away), the engine by a final event.
 */
final class GenRequest {
    /** What the engine tells the HTTP thread. */
    sealed interface Event {}

    /** New visible text (never empty). */
    record Delta(String text) implements Event {}

    /**
     * The end. {@code finishReason}: "stop" (a stop token or string) or "length" (max_tokens or the context);
     * {@code promptTokens} counts the prompt's positions (images expanded).
     */
    record Done(String finishReason, int promptTokens, int completionTokens) implements Event {}

    /** The end, with an error. */
    record Failed(ApiException error) implements Event {}

    final String id;
    final int[] ids;                // the prompt, one <image> id per image
    final int promptPositions;      // ids with images expanded
    final List<Tensor> pixels;      // one [k, 3, S, S] host tensor per image; closed by release()
    final int maxTokens;
    final SamplingParams sampling;
    final List<String> stops;
    final boolean ignoreEos;
    final boolean stripLeadingSpace; // the format puts one space before the answer (MM1's 'Answer: ...')
    final long arrivalNanos;
    final long deadlineNanos;

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    private volatile boolean released;
    private Runnable wakeEngine = () -> {};

    GenRequest(String id, int[] ids, int promptPositions, List<Tensor> pixels, int maxTokens, SamplingParams sampling, List<String> stops,
               boolean ignoreEos, boolean stripLeadingSpace, long timeoutNanos) {
        this.id = id;
        this.ids = ids;
        this.promptPositions = promptPositions;
        this.pixels = List.copyOf(pixels);
        this.maxTokens = maxTokens;
        this.sampling = sampling;
        this.stops = List.copyOf(stops);
        this.ignoreEos = ignoreEos;
        this.stripLeadingSpace = stripLeadingSpace;
        this.arrivalNanos = System.nanoTime();
        this.deadlineNanos = arrivalNanos + timeoutNanos;
    }

    /** Engine side. */
    void emit(Event e) {
        events.add(e);
    }

    void onCancel(Runnable wake) {
        this.wakeEngine = wake;
    }

    /** HTTP side: the next event, or null after {@code millis} without one. */
    Event next(long millis) throws InterruptedException {
        return events.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** HTTP side: the client is gone (or the handler failed); the engine drops the sequence at its next step. */
    void cancel() {
        cancelled = true;
        wakeEngine.run();
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean timedOut(long now) {
        return now - deadlineNanos > 0;
    }

    /** Closes the pixel tensors (idempotent; whoever is done with them last). */
    synchronized void release() {
        if (released) return;
        released = true;
        for (Tensor t : pixels) t.close();
    }
}
