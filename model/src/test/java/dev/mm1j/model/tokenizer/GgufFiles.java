package dev.mm1j.model.tokenizer;

import dev.mm1j.core.format.gguf.GgufVocabulary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a GGUF file holding only tokenizer metadata (no tensors), for loading tests. */
public final class GgufFiles {
    private GgufFiles() {}

    /** The demo tokenizer (models/mm1-demo/tokenizer.json) as a GGUF file at {@code file}. */
    public static Path writeDemo(Path file) throws IOException {
        return write(GgufTokenizerTest.vocabulary(Fixtures.load("mm1-demo"), "gpt2", null, true), file);
    }

    public static Path write(GgufVocabulary v, Path file) throws IOException {
        Out o = new Out();
        List<Runnable> kvs = new ArrayList<>();
        kvs.add(() -> o.str("tokenizer.ggml.model").u32(8).str(v.model()));
        if (v.pre() != null) kvs.add(() -> o.str("tokenizer.ggml.pre").u32(8).str(v.pre()));
        kvs.add(() -> {
            o.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(v.tokens().size());
            v.tokens().forEach(o::str);
        });
        if (v.tokenTypes() != null) kvs.add(() -> {
            o.str("tokenizer.ggml.token_type").u32(9).u32(5).u64(v.tokenTypes().length);
            for (int t : v.tokenTypes()) o.u32(t);
        });
        if (v.scores() != null) kvs.add(() -> {
            o.str("tokenizer.ggml.scores").u32(9).u32(6).u64(v.scores().length);
            for (float s : v.scores()) o.u32(Float.floatToIntBits(s));
        });
        if (v.merges() != null) kvs.add(() -> {
            o.str("tokenizer.ggml.merges").u32(9).u32(8).u64(v.merges().size());
            v.merges().forEach(o::str);
        });
        if (v.bosId() >= 0) kvs.add(() -> o.str("tokenizer.ggml.bos_token_id").u32(4).u32(v.bosId()));
        if (v.eosId() >= 0) kvs.add(() -> o.str("tokenizer.ggml.eos_token_id").u32(4).u32(v.eosId()));
        if (v.addBos() != null) kvs.add(() -> o.str("tokenizer.ggml.add_bos_token").u32(7).u8(v.addBos() ? 1 : 0));
        o.raw("GGUF".getBytes(StandardCharsets.ISO_8859_1)).u32(3).u64(0).u64(kvs.size());
        kvs.forEach(Runnable::run);
        Files.write(file, o.b.toByteArray());
        return file;
    }

    private static final class Out {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Out raw(byte[] x) {
            b.writeBytes(x);
            return this;
        }

        Out u8(int v) {
            b.write(v);
            return this;
        }

        Out u32(long v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Out u64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Out str(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            return u64(x.length).raw(x);
        }
    }
}
