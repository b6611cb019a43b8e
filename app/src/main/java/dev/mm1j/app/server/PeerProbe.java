package dev.mm1j.app.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Tells whether the client of an exchange is still connected while its answer is being computed. The JDK's
 * server gives no such signal: a write is the only way it finds out, and a non-streaming answer has nothing to
 * write until it is done (writing early would commit to status 200 before a timeout or other error is known).
 * So this looks at the exchange's socket itself, as llama.cpp's server and Starlette do: a non-blocking read of
 * one byte answers end-of-stream (the client closed), an error (reset), nothing (still there) or a byte (the
 * client pipelined its next request, which HTTP/1.1 clients must not do after a POST; the byte is lost, so the
 * caller closes the connection after the answer).
 *
 * <p>The socket is a field of the server's internal classes: this needs
 * {@code --add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED}, which {@code bin/mm1j} and the tests pass.
 * Without it {@link #available()} is false, {@link #probe} answers {@link State#UNKNOWN} and a vanished client is
 * noticed when its answer is written, bounded by the request timeout and {@code max_tokens}.
 */
final class PeerProbe {
    private PeerProbe() {}

    enum State { OPEN, CLOSED, PIPELINED, UNKNOWN }

    private static final Class<?> EXCHANGE;
    private static final Field IMPL, CONNECTION, CHANNEL;
    private static final String WHY_NOT;

    static {
        Class<?> exchange = null;
        Field impl = null, connection = null, channel = null;
        String why = null;
        try {
            exchange = Class.forName("sun.net.httpserver.HttpExchangeImpl");
            impl = exchange.getDeclaredField("impl");
            connection = Class.forName("sun.net.httpserver.ExchangeImpl").getDeclaredField("connection");
            channel = Class.forName("sun.net.httpserver.HttpConnection").getDeclaredField("chan");
            impl.setAccessible(true);
            connection.setAccessible(true);
            channel.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            exchange = null;
            why = e instanceof java.lang.reflect.InaccessibleObjectException
                ? "the JVM was started without --add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED"
                : "this JDK's HTTP server is laid out differently (" + e + ")";
        }
        EXCHANGE = exchange;
        IMPL = impl;
        CONNECTION = connection;
        CHANNEL = channel;
        WHY_NOT = why;
    }

    /** Whether disconnects can be seen before the answer is written. */
    static boolean available() {
        return EXCHANGE != null;
    }

    /** Why {@link #available()} is false (null when it is true). */
    static String unavailableReason() {
        return WHY_NOT;
    }

    /** The state of the client's side of the exchange's connection; call only after the request body was read. */
    static State probe(HttpExchange ex) {
        if (EXCHANGE == null || ex.getClass() != EXCHANGE) return State.UNKNOWN;
        SocketChannel ch;
        try {
            ch = (SocketChannel) CHANNEL.get(CONNECTION.get(IMPL.get(ex)));
        } catch (ReflectiveOperationException | ClassCastException e) {
            return State.UNKNOWN;
        }
        if (ch == null) return State.UNKNOWN;
        if (!ch.isOpen()) return State.CLOSED;
        synchronized (ch.blockingLock()) {
            boolean blocking = ch.isBlocking();
            try {
                if (blocking) ch.configureBlocking(false);
                try {
                    int n = ch.read(ByteBuffer.allocate(1));
                    return n < 0 ? State.CLOSED : n == 0 ? State.OPEN : State.PIPELINED;
                } catch (IOException e) {
                    return State.CLOSED; // reset by the peer
                } finally {
                    if (blocking) ch.configureBlocking(true);
                }
            } catch (IOException | RuntimeException e) {
                return State.UNKNOWN; // e.g. the channel is registered with a selector again
            }
        }
    }
}
