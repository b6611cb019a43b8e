package dev.mm1j.model.serving;

import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.generation.SamplingParams;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One generation handed to the {@link Engine}: the prompt (its expanded ids, image positions marked -1, and the
 * images prepared for the encoder), what to generate, and the channel back: the engine emits {@link Event}s, the
 * caller {@link #next polls} them. Either side may end it: the caller by {@link #cancel} (its client went away),
 * the engine by a final event ({@link Done} or {@link Failed}).
 */
public final class Request {
    /** What the engine tells the caller. */
    public sealed interface Event {}

    /** New visible text (never empty). */
    public record Delta(String text) implements Event {}

    /**
     * The end. {@code finishReason}: "stop" (a stop token or string) or "length" (max tokens or the context);
     * {@code promptTokens} counts the prompt's positions (images expanded).
     */
    public record Done(String finishReason, int promptTokens, int completionTokens) implements Event {}

    /** The end, with an error. */
    public record Failed(EngineException error) implements Event {}

    final String id;
    final int[] expanded;                   // the prompt, image rows marked -1 (ImageSplice.expand)
    final List<ImageEncoder.Input> images;  // closed by release()
    final int maxTokens;
    final SamplingParams sampling;
    final List<String> stops;
    final boolean ignoreEos;
    final boolean stripLeadingSpace;        // the format puts one space before the answer (MM1's 'Answer: ...')
    final long arrivalNanos;
    final long deadlineNanos;

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    private volatile boolean released;
    private Runnable wakeEngine = () -> {};

    /**
     * @param expanded the prompt's ids with each image expanded to its rows, marked -1
     * @param images   the prompt's images, in order (the request owns them from now on)
     * @param timeoutNanos from now to the last token
     */
    public Request(String id, int[] expanded, List<ImageEncoder.Input> images, int maxTokens, SamplingParams sampling, List<String> stops,
                   boolean ignoreEos, boolean stripLeadingSpace, long timeoutNanos) {
        this.id = id;
        this.expanded = expanded;
        this.images = List.copyOf(images);
        this.maxTokens = maxTokens;
        this.sampling = sampling;
        this.stops = List.copyOf(stops);
        this.ignoreEos = ignoreEos;
        this.stripLeadingSpace = stripLeadingSpace;
        this.arrivalNanos = System.nanoTime();
        this.deadlineNanos = arrivalNanos + timeoutNanos;
    }

    public String id() {
        return id;
    }

    /** Positions of the prompt (images expanded). */
    public int promptPositions() {
        return expanded.length;
    }

    /** Engine side. */
    void emit(Event e) {
        events.add(e);
    }

    void onCancel(Runnable wake) {
        this.wakeEngine = wake;
    }

    /** The next event, or null after {@code millis} without one. */
    public Event next(long millis) throws InterruptedException {
        return events.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The client is gone (or its handler failed); the engine drops the sequence at its next step. */
    public void cancel() {
        cancelled = true;
        wakeEngine.run();
    }

    public boolean cancelled() {
        return cancelled;
    }

    boolean timedOut(long now) {
        return now - deadlineNanos > 0;
    }

    /** Closes the images' pixels (idempotent; whoever is done with them last). */
    public synchronized void release() {
        if (released) return;
        released = true;
        for (ImageEncoder.Input i : images) i.close();
    }
}
