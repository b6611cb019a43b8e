package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.format.gguf.GgufArray;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.vision.ImageDecoder;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A check that mm1j reads an mmproj's weights the way llama.cpp does (never needed by CI; run by
 * tools/llava/llamacpp/check.sh, which builds tools/llava/llamacpp/clip_embed.cpp against a llama.cpp tree). On the
 * same pixels (spec §9.1 preprocessing of a square image, so llama.cpp's own resize is out of the picture) and with
 * llama.cpp's block count (one block fewer than stored, or exactly clip.vision.feature_layer in ascending order):
 * <ol>
 *   <li>llama.cpp's clip_image_encode gives its embeddings;</li>
 *   <li>tools/llava/llamacpp/compare.py reads the same file on its own and checks that PyTorch, computing what this
 *       llama.cpp computes (its llava graph also appends the class token after the patches and keeps the outputs from
 *       row 1, and its projector GELU is the tanh form), gives llama.cpp's embeddings; then it writes the same
 *       forward with transformers' semantics (class token first, erf GELU);</li>
 *   <li>mm1j (that semantics) must equal the latter within 1e-4.</li>
 * </ol>
 * So mm1j and llama.cpp read the weights alike, and the remaining differences are llama.cpp's graph, not the file.
 *
 * <pre>
 * -Dmm1j.llamacpp.driver=PATH/clip_embed   required
 * -Dmm1j.llamacpp.mmproj=A.gguf,B.gguf     default: the golden mmproj files
 * -Dmm1j.llamacpp.image=IMG                default: golden/llava/images/square.png
 * -Dmm1j.llamacpp.python=PYTHON            default: /usr/bin/python3 (torch, numpy)
 * </pre>
 */
@EnabledIfSystemProperty(named = "mm1j.llamacpp.driver", matches = ".+")
class LlamaCppClipCheckTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/llava");

    @Test
    void embeddingsMatchLlamaCppsClip() throws Exception {
        Path driver = Path.of(System.getProperty("mm1j.llamacpp.driver"));
        String list = System.getProperty("mm1j.llamacpp.mmproj", "");
        List<Path> files = new ArrayList<>();
        if (list.isBlank()) {
            for (String f : List.of("gguf-llava15/mmproj-f16.gguf", "gguf-llava15/mmproj-q.gguf", "gguf-llava16/mmproj-f16.gguf", "gguf-llava16/mmproj-f16-names.gguf")) {
                files.add(GOLDEN.resolve(f));
            }
        } else {
            for (String f : list.split(",")) files.add(Path.of(f.trim()));
        }
        Path image = Path.of(System.getProperty("mm1j.llamacpp.image", GOLDEN.resolve("images/square.png").toString()));
        Path work = Files.createTempDirectory("llamacpp-check");
        for (Path f : files) check(driver, f, image, work);
    }

    static void check(Path driver, Path mmprojFile, Path image, Path work) throws Exception {
        try (Mmproj m = Mmproj.open(mmprojFile); Weights w = new Weights(m)) {
            int blocks = m.vision().numHiddenLayers();
            GgufArray fl = m.file().array("clip.vision.feature_layer");
            int[] states = fl == null || fl.size() == 0 ? new int[] {blocks - 1} : Arrays.stream(fl.ints()).sorted().toArray();
            long d = m.tensor("multi_modal_projector.linear_2.weight").dim(0);
            TextConfig text = new TextConfig("llama", (int) d, 1, 1, 1, 1, (int) d, 1e-5f, 1e4, null, 1, 1, false, "silu", false, 0, 0, 2, 1, -1, new int[0]);
            // one view, no packing: llama.cpp's clip_image_encode returns the projected tokens of the view
            LlavaConfig c = new LlavaConfig(false, m.vision(), text, -1, UnaryOp.GELU, states, false, m.projectorBias(), null, false);
            Ops ops = new Ops(new ReferenceBackend());
            int s = m.vision().imageSize();
            try (LlavaVision v = LlavaVision.load(w, c, ops);
                 LlavaImageProcessor.Processed px = new LlavaImageProcessor(m.processor()).process(ImageDecoder.withDefaultLimit().decode(image))) {
                Tensor view = px.pixels().slice(0, 0, 1); // the base view (for an anyres file: the squashed image)
                Path pixels = work.resolve("pixels.f32"), theirs = work.resolve("llamacpp.f32"), reference = work.resolve("pytorch.f32");
                write(pixels, view.toFloatArray());
                run(driver.toString(), mmprojFile.toString(), pixels.toString(), Integer.toString(s), theirs.toString(), "2");
                run(System.getProperty("mm1j.llamacpp.python", "/usr/bin/python3"), Path.of("../tools/llava/llamacpp/compare.py").toString(),
                    mmprojFile.toString(), pixels.toString(), theirs.toString(), reference.toString());
                float[] want = read(reference);
                try (Tensor f = v.features(view); Tensor rows = v.rows(f, List.of(new int[] {s, s}))) {
                    float[] mine = rows.toFloatArray();
                    assertEquals(want.length, mine.length, "PyTorch " + want.length / d + " tokens, mm1j " + mine.length / d);
                    double err = 0, scale = 0;
                    for (int i = 0; i < mine.length; i++) {
                        err = Math.max(err, Math.abs(mine[i] - want[i]));
                        scale = Math.max(scale, Math.abs(want[i]));
                    }
                    System.out.printf("[llama.cpp clip] %s: mm1j vs PyTorch on the same file, llama.cpp's block count %s, %d tokens x %d: max rel diff %.2e%n",
                        mmprojFile, Arrays.toString(states), mine.length / d, d, err / scale);
                    assertTrue(err / scale <= 1e-4, "mm1j differs from PyTorch on " + mmprojFile + " by " + err / scale);
                }
            }
        }
    }

    /** Runs a command, echoing its output; fails with that output when it exits non-zero. */
    static void run(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().merge("LD_LIBRARY_PATH", "/usr/lib/x86_64-linux-gnu/lapack", (a, b) -> a + ":" + b);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes());
        int status = p.waitFor();
        log.lines().filter(l -> l.startsWith("[llama.cpp clip]")).forEach(System.out::println);
        assertEquals(0, status, command[0] + " failed:\n" + log);
    }

    static void write(Path f, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        Files.write(f, b.array());
    }

    static float[] read(Path f) throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        float[] out = new float[bytes.length / 4];
        MemorySegment.copy(MemorySegment.ofArray(bytes), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0, out.length);
        return out;
    }
}
