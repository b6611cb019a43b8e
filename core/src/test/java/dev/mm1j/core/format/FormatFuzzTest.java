package dev.mm1j.core.format;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.gguf.GgufFile;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates valid safetensors, GGUF and JSON files (bit flips, truncations, size and count fields set to
 * extremes, numbers in headers replaced, bytes inserted and deleted) and loads each result completely:
 * every tensor read (dequantized for GGUF), the Hugging Face view, config and vocabulary built. Each case
 * must either load or fail with a {@link ModelFormatException} (JSON errors are its subclass); anything
 * else — an IndexOutOfBoundsException, an OutOfMemoryError from a declared size, a ShapeException from
 * a tensor constructor, a StackOverflowError — fails the test with the case that caused it.
 *
 * <p>Cases per format: {@value #CASES} (times {@code -Dmm1j.fuzz.scale}); seeded, so failures reproduce.
 */
class FormatFuzzTest {
    static final int CASES = 2500;
    static final long[] EXTREMES = {0, 1, -1, 7, 255, 1L << 31, (1L << 32) - 1, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, 3_000_000_000L};
    static final String[] EXTREME_NUMBERS = {"0", "-1", "1e30", "18446744073709551615", "18446744073709551616", "9223372036854775807", "4294967296",
        "1099511627776", "2.5", "-0", "99999999999999999999999999999"};

    private final List<String> failures = new ArrayList<>();
    private final StringBuilder report = new StringBuilder();

    /** Runs {@code load} on every mutation; counts loads and clean rejections; records anything else. */
    private void fuzz(String format, List<byte[]> seeds, Mutator mutator, Consumer<byte[]> load, long seed) {
        Random r = new Random(seed);
        int cases = CASES * Integer.getInteger("mm1j.fuzz.scale", 1), loaded = 0, rejected = 0;
        for (int i = 0; i < cases; i++) {
            byte[] original = seeds.get(i % seeds.size());
            String[] how = new String[1];
            byte[] mutated = mutator.mutate(original, r, how);
            try {
                load.accept(mutated);
                loaded++;
            } catch (ModelFormatException e) {
                rejected++;
                if (e.getMessage() == null || e.getMessage().isBlank()) failures.add(format + " case " + i + " (" + how[0] + "): empty message");
            } catch (Throwable t) { // the point of the test: nothing else may escape, not even Errors
                StringWriter sw = new StringWriter();
                t.printStackTrace(new PrintWriter(sw));
                failures.add(format + " case " + i + " (seed " + (i % seeds.size()) + ", " + how[0] + "): " + sw.toString().lines().limit(8).reduce((a, b) -> a + "\n    " + b).orElse(""));
            }
        }
        report.append(String.format("%-12s %5d cases: %5d loaded, %5d rejected with ModelFormatException%n", format, cases, loaded, rejected));
        assertTrue(loaded > cases / 100 && rejected > cases / 100, format + ": mutations should both load and fail sometimes (" + loaded + "/" + rejected + ")");
    }

    interface Mutator {
        byte[] mutate(byte[] in, Random r, String[] how);
    }

    // ------------------------------------------------------------------ generic mutations

    static byte[] flipBits(byte[] in, Random r, int region, String[] how) {
        byte[] b = in.clone();
        int n = 1 + r.nextInt(8);
        for (int k = 0; k < n; k++) {
            int at = r.nextInt(4) > 0 ? r.nextInt(Math.max(1, Math.min(region, b.length))) : r.nextInt(b.length);
            b[at] ^= (byte) (1 << r.nextInt(8));
        }
        how[0] = n + " bit flips";
        return b;
    }

    static byte[] truncate(byte[] in, Random r, int region, String[] how) {
        int len = r.nextBoolean() ? r.nextInt(Math.max(1, Math.min(region + 16, in.length))) : r.nextInt(in.length);
        how[0] = "truncated to " + len;
        return java.util.Arrays.copyOf(in, len);
    }

    static byte[] putExtreme(byte[] in, Random r, int at, int width, String[] how) {
        byte[] b = in.clone();
        long v = r.nextInt(4) == 0 ? r.nextLong() : EXTREMES[r.nextInt(EXTREMES.length)];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 8 && at + 8 <= b.length) bb.putLong(at, v);
        else if (at + 4 <= b.length) bb.putInt(at, (int) v);
        how[0] = "u" + width * 8 + " at " + at + " = " + v;
        return b;
    }

    // ------------------------------------------------------------------ safetensors

    static int safetensorsHeaderEnd(byte[] b) {
        return (int) Math.min(b.length, 8 + ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    }

    /** Replaces one number of the JSON header with an extreme one (and fixes the header length). */
    static byte[] extremeHeaderNumber(byte[] in, Random r, String[] how) {
        int end = safetensorsHeaderEnd(in);
        String header = new String(in, 8, end - 8, StandardCharsets.UTF_8);
        List<int[]> numbers = new ArrayList<>();
        Matcher m = Pattern.compile("-?\\d+").matcher(header);
        while (m.find()) numbers.add(new int[] {m.start(), m.end()});
        if (numbers.isEmpty()) return in;
        int[] pick = numbers.get(r.nextInt(numbers.size()));
        String repl = EXTREME_NUMBERS[r.nextInt(EXTREME_NUMBERS.length)];
        String h2 = header.substring(0, pick[0]) + repl + header.substring(pick[1]);
        how[0] = "header number '" + header.substring(pick[0], pick[1]) + "' -> " + repl;
        byte[] hb = h2.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + hb.length + in.length - end).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hb.length).put(hb).put(in, end, in.length - end);
        return out.array();
    }

    static final String[] DTYPE_NAMES = {"F32", "F16", "BF16", "I8", "U8", "I16", "I32", "I64", "F64", "BOOL", "U16", "U32", "U64", "F8_E4M3", "F4", "Q8_0", "F33", ""};

    /** Replaces one dtype of the header with another name (and fixes the header length). */
    static byte[] otherDtype(byte[] in, Random r, String[] how) {
        int end = safetensorsHeaderEnd(in);
        String header = new String(in, 8, end - 8, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"dtype\":\"([A-Z0-9_]*)\"").matcher(header);
        List<int[]> at = new ArrayList<>();
        while (m.find()) at.add(new int[] {m.start(1), m.end(1)});
        if (at.isEmpty()) return in;
        int[] pick = at.get(r.nextInt(at.size()));
        String repl = DTYPE_NAMES[r.nextInt(DTYPE_NAMES.length)];
        how[0] = "dtype " + header.substring(pick[0], pick[1]) + " -> " + repl;
        byte[] hb = (header.substring(0, pick[0]) + repl + header.substring(pick[1])).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + hb.length + in.length - end).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hb.length).put(hb).put(in, end, in.length - end);
        return out.array();
    }

    static byte[] mutateSafetensors(byte[] in, Random r, String[] how) {
        int region = safetensorsHeaderEnd(in);
        return switch (r.nextInt(6)) {
            case 0 -> flipBits(in, r, region, how);
            case 1 -> otherDtype(in, r, how);
            case 2 -> truncate(in, r, region, how);
            case 3 -> putExtreme(in, r, 0, 8, how);
            default -> extremeHeaderNumber(in, r, how);
        };
    }

    static void loadSafetensors(byte[] b) {
        SafetensorsFile f = SafetensorsFile.parse(MemorySegment.ofArray(b), "fuzz.safetensors");
        for (String name : f.names()) touch(f.tensor(name));
        f.metadata().size();
    }

    /** Reads every element (dequantizing when needed) so that a bad view cannot hide. */
    static void touch(Tensor t) {
        if (t.numel() <= 1 << 16) {
            t.toFloatArray();
        } else {
            MemorySegment d = t.data();
            d.get(ValueLayout.JAVA_BYTE, 0);
            d.get(ValueLayout.JAVA_BYTE, d.byteSize() - 1);
        }
    }

    static List<byte[]> safetensorsSeeds(Path dir) throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4));
        m.put("model.norm.weight", Tensor.allocateHost(DType.BF16, 4));
        m.put("ids", Tensor.ofInts(new int[] {1, 2, 3}, 3));
        m.put("half", Tensor.allocateHost(DType.F16, 3, 1));
        m.put("mask", Tensor.allocateHost(DType.BOOL, 5));
        m.put("big", Tensor.allocateHost(DType.I64, 2));
        Path f = dir.resolve("seed.safetensors");
        SafetensorsWriter.write(f, m, Map.of("format", "pt"));
        seeds.add(Files.readAllBytes(f));
        seeds.add(Files.readAllBytes(Path.of("src/test/resources/formats/python_written.safetensors")));
        return seeds;
    }

    // ------------------------------------------------------------------ GGUF

    /** Offsets and widths (4 or 8) of the numeric header fields of a GGUF file: counts, lengths, types, dims, offsets. */
    static List<int[]> ggufFields(byte[] b) {
        List<int[]> f = new ArrayList<>();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int[] p = {4};
        f.add(new int[] {4, 4});
        f.add(new int[] {8, 8});
        f.add(new int[] {16, 8});
        long nTensors = bb.getLong(8), nKv = bb.getLong(16);
        p[0] = 24;
        for (long i = 0; i < nKv; i++) {
            skipString(bb, p, f);
            f.add(new int[] {p[0], 4});
            int type = bb.getInt(p[0]);
            p[0] += 4;
            skipValue(bb, p, f, type);
        }
        for (long i = 0; i < nTensors; i++) {
            skipString(bb, p, f);
            f.add(new int[] {p[0], 4});
            int dims = bb.getInt(p[0]);
            p[0] += 4;
            for (int d = 0; d < dims; d++) {
                f.add(new int[] {p[0], 8});
                p[0] += 8;
            }
            f.add(new int[] {p[0], 4});
            f.add(new int[] {p[0] + 4, 8});
            p[0] += 12;
        }
        return f;
    }

    private static void skipString(ByteBuffer bb, int[] p, List<int[]> f) {
        f.add(new int[] {p[0], 8});
        p[0] += 8 + (int) bb.getLong(p[0]);
    }

    private static void skipValue(ByteBuffer bb, int[] p, List<int[]> f, int type) {
        int[] sizes = {1, 1, 2, 2, 4, 4, 4, 1, -1, -1, 8, 8, 8};
        if (type == 8) {
            skipString(bb, p, f);
        } else if (type == 9) {
            f.add(new int[] {p[0], 4});
            int et = bb.getInt(p[0]);
            f.add(new int[] {p[0] + 4, 8});
            long n = bb.getLong(p[0] + 4);
            p[0] += 12;
            if (sizes[et] > 0) {
                p[0] += (int) (n * sizes[et]);
            } else {
                for (long i = 0; i < n; i++) {
                    if (et == 8 && i > 4) { // long vocabularies: record the first lengths only
                        p[0] += 8 + (int) bb.getLong(p[0]);
                        continue;
                    }
                    skipValue(bb, p, f, et);
                }
            }
        } else {
            if (sizes[type] >= 4) f.add(new int[] {p[0], sizes[type]});
            p[0] += sizes[type];
        }
    }

    static byte[] mutateGguf(byte[] in, List<int[]> fields, Random r, String[] how) {
        int region = fields.get(fields.size() - 1)[0] + 8;
        return switch (r.nextInt(6)) {
            case 0 -> flipBits(in, r, region, how);
            case 1 -> { // tensor data only: the dequantizers meet arbitrary bytes (NaN and infinite scales included)
                byte[] b = in.clone();
                for (int k = 1 + r.nextInt(64); k > 0 && b.length > region; k--) b[region + r.nextInt(b.length - region)] = (byte) r.nextInt();
                how[0] = "data bytes";
                yield b;
            }
            case 2 -> truncate(in, r, region, how);
            case 3 -> { // a small value in a field: another tensor type, dimension, count or length
                int[] field = fields.get(r.nextInt(fields.size()));
                byte[] b = in.clone();
                int v = r.nextInt(42);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(field[0], v);
                how[0] = "field at " + field[0] + " = " + v;
                yield b;
            }
            default -> {
                int[] field = fields.get(r.nextInt(fields.size()));
                yield putExtreme(in, r, field[0], field[1], how);
            }
        };
    }

    static void loadGguf(byte[] b) {
        GgufFile f = GgufFile.parse(MemorySegment.ofArray(b), "fuzz.gguf");
        for (String name : f.tensors().keySet()) {
            try (Tensor t = f.load(name, DType.F32)) {
                touch(t);
            } catch (ModelFormatException e) {
                if (!e.getMessage().contains("cannot read")) throw e; // unreadable types are fine; go on with the others
            }
        }
        for (Object v : f.metadata().values()) {
            if (v instanceof dev.mm1j.core.format.gguf.GgufArray a && a.size() < 1 << 20) {
                switch (a.elementType()) {
                    case STRING -> a.strings();
                    case ARRAY -> a.arrays();
                    case FLOAT32, FLOAT64 -> a.floats();
                    default -> a.longs();
                }
            }
        }
        if (f.string("general.architecture") != null && !f.string("general.architecture").equals("test")) {
            try (GgufWeights w = new GgufWeights(f, null, false)) {
                for (String name : w.names()) touch(w.tensor(name));
                w.config();
                w.vocabulary();
            }
        }
    }

    // ------------------------------------------------------------------ JSON

    static byte[] mutateJson(byte[] in, Random r, String[] how) {
        String s = new String(in, StandardCharsets.UTF_8);
        String[] inserts = {"{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\ud800", "\\udc00", "0", "-", "e", ".", "null", "\u0000", "\n", "é", "1e999"};
        switch (r.nextInt(6)) {
            case 0:
                return flipBits(in, r, in.length, how);
            case 1:
                return truncate(in, r, in.length, how);
            case 2: {
                int at = r.nextInt(s.length() + 1);
                String ins = inserts[r.nextInt(inserts.length)];
                how[0] = "insert " + ins + " at " + at;
                return (s.substring(0, at) + ins + s.substring(at)).getBytes(StandardCharsets.UTF_8);
            }
            case 3: {
                int at = r.nextInt(s.length()), len = 1 + r.nextInt(Math.min(8, s.length() - at));
                how[0] = "delete " + len + " at " + at;
                return (s.substring(0, at) + s.substring(at + len)).getBytes(StandardCharsets.UTF_8);
            }
            case 4: {
                Matcher m = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?").matcher(s);
                List<int[]> nums = new ArrayList<>();
                while (m.find()) nums.add(new int[] {m.start(), m.end()});
                if (nums.isEmpty()) return in;
                int[] pick = nums.get(r.nextInt(nums.size()));
                String repl = EXTREME_NUMBERS[r.nextInt(EXTREME_NUMBERS.length)];
                how[0] = "number -> " + repl;
                return (s.substring(0, pick[0]) + repl + s.substring(pick[1])).getBytes(StandardCharsets.UTF_8);
            }
            default: {
                int depth = r.nextInt(2) == 0 ? 10 : 100_000;
                int at = r.nextInt(s.length() + 1);
                how[0] = "nest " + depth + " at " + at;
                return (s.substring(0, at) + "[".repeat(depth) + s.substring(at)).getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    static void loadJson(byte[] b) {
        Object v = Json.parse(b, "fuzz.json");
        if (v instanceof Map<?, ?>) {
            JsonObject o = JsonObject.of(v, "fuzz.json");
            for (String k : o.keys()) {
                Object x = o.get(k);
                if (x instanceof Long) o.optInt(k, 0);
                if (x instanceof Map<?, ?>) o.getObject(k).keys();
                if (x instanceof List<?>) o.getList(k).size();
            }
        }
        Json.write(v);
    }

    static List<byte[]> jsonSeeds() {
        return List.of(
            """
            {"model_type": "mm1", "text_config": {"hidden_size": 3072, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
             "tie_word_embeddings": true, "rope_scaling": null, "layers": [1, 2, 3]}, "image_token_id": 49151,
             "image_preprocess": {"mean": [0.48145466, 0.4578275, 0.40821073], "resize": "squash"}}
            """.getBytes(StandardCharsets.UTF_8),
            """
            {"version": "1.0", "added_tokens": [{"id": 0, "content": "<|endoftext|>", "special": true}],
             "model": {"type": "BPE", "vocab": {"\\u0120the": 262, "\\ud83d\\ude00": 263, "a\\"b\\\\c": 264, "é": 265},
             "merges": ["\\u0120 t", "h e"]}, "normalizer": null}
            """.getBytes(StandardCharsets.UTF_8),
            "{\"metadata\": {\"total_size\": 123}, \"weight_map\": {\"a.weight\": \"model-00001-of-00002.safetensors\"}}".getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ the test

    @Test
    void mutatedFilesLoadOrFailWithModelFormatException(@TempDir Path dir) throws IOException {
        long start = System.nanoTime();
        fuzz("safetensors", safetensorsSeeds(dir), FormatFuzzTest::mutateSafetensors, FormatFuzzTest::loadSafetensors, 1);

        Path gguf = Path.of("src/test/resources/formats/gguf");
        List<byte[]> ggufSeeds = new ArrayList<>();
        List<List<int[]>> fields = new ArrayList<>();
        for (String name : List.of("types_v3.gguf", "types_v2.gguf", "tiny_qwen2.gguf", "tiny_llama.gguf", "tiny_mixtral.gguf")) {
            byte[] b = Files.readAllBytes(gguf.resolve(name));
            ggufSeeds.add(b);
            fields.add(ggufFields(b));
        }
        fuzz("gguf", ggufSeeds, (in, r, how) -> mutateGguf(in, fields.get(ggufSeeds.indexOf(in)), r, how), FormatFuzzTest::loadGguf, 2);

        fuzz("json", jsonSeeds(), FormatFuzzTest::mutateJson, FormatFuzzTest::loadJson, 3);

        System.out.printf("format fuzz (%.1f s):%n%s", (System.nanoTime() - start) / 1e9, report);
        assertTrue(failures.isEmpty(), failures.size() + " cases escaped with something other than ModelFormatException:\n" + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
    }
}
