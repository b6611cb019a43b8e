package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code mm1j serve} in a process of its own, as users start it: without --model it serves the demo model, and the
 * JDK server's process-wide limits it sets (idle kept-alive connections, connections that send nothing) work.
 */
class ServeCommandTest {

    @Test
    void servesTheDefaultModelAndClosesIdleAndSilentConnections() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "--add-opens", "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED", "-Xmx512m", "-Dmm1j.home=..",
            "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "serve", "--port", "0", "--warmup", "0", "--threads", "1", "--idle-timeout", "1", "--request-timeout", "1"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null, "serve printed nothing (exit " + (p.isAlive() ? "-" : p.exitValue()) + ")");
            Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/v1").matcher(line);
            assertTrue(m.find(), line);
            int port = Integer.parseInt(m.group(1));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Map<?, ?> models = (Map<?, ?>) Json.parse(readAnswer(s.getInputStream()));
                assertEquals("mm1-demo", ((Map<?, ?>) ((List<?>) models.get("data")).getFirst()).get("id"), "the demo model by default");
                // the connection is kept alive, then closed by the server after --idle-timeout 1 (checked every second)
                assertClosedWithin(s, 4000);
            }
            try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertClosedWithin(silent, 4000); // sends nothing: closed after --request-timeout 1
            }
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook closes the server
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    static String readAnswer(InputStream in) throws IOException {
        int length = -1;
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\r') continue;
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            if (line.isEmpty()) break;
            if (line.toString().toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
            line.setLength(0);
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    static void assertClosedWithin(Socket s, int millis) throws IOException {
        long t0 = System.nanoTime();
        s.setSoTimeout(millis);
        try {
            assertEquals(-1, s.getInputStream().read(), "no more data, the end of the stream");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + millis + " ms");
        } catch (IOException e) {
            // reset: closed too
        }
        System.err.println("closed by the server after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
}
