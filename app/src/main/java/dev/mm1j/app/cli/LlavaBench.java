package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.llava.LlavaConfig;
import dev.mm1j.model.llava.LlavaModel;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import dev.mm1j.model.vision.VisionConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code mm1j bench --model PATH [--mmproj FILE] --images N} on a LLaVA checkpoint (a Hugging Face folder or a GGUF
 * pair), like llama.cpp's mtmd timings: per image the preprocessing (resize, crop or anyres tiles) and the encoding
 * (every view through the CLIP tower and the projector, NeXT's packing: what mtmd reports as "image slice encoded"),
 * then the prompt (BOS, the images' rows, -p − 1 random text ids) prefilled, then -n tokens generated one at a time.
 */
final class LlavaBench {
    static final String USAGE = """
        usage: mm1j bench --model PATH [--mmproj FILE] --images N [--image FILE ...] [--image-size WxH] [-p 64] [-n 32] [-r 3]
                                                                   (a LLaVA folder or GGUF pair)
          --images N        images in the prompt (default: the --image files, else 1)
          --image FILE      real images (repeatable; reused in turn when --images asks for more)
          --image-size WxH  size of the random images otherwise (default: the encoder's square, e.g. 336x336;
                            LLaVA-NeXT: any size, its anyres tiles are encoded as the processor makes them)
        """;

    record Options(int images, List<String> files, int width, int height) {
        static Options read(Args args) {
            List<String> files = args.all("image");
            int images = args.getInt("images", files.isEmpty() ? 1 : files.size());
            String size = args.get("image-size", null);
            int w = 0, h = 0;
            if (size != null) {
                String[] wh = size.toLowerCase(Locale.ROOT).split("x");
                try {
                    if (wh.length != 2) throw new NumberFormatException();
                    w = Integer.parseInt(wh[0]);
                    h = Integer.parseInt(wh[1]);
                } catch (NumberFormatException e) {
                    throw new CliException("--image-size '" + size + "': expected WIDTHxHEIGHT, e.g. 672x336");
                }
                if (w < 1 || h < 1 || (long) w * h > ImageDecoder.DEFAULT_MAX_PIXELS) throw new CliException("--image-size " + size + " is out of range");
            }
            if (images < 1) throw new CliException("--images must be at least 1 for a LLaVA model, got " + images);
            return new Options(images, files, w, h);
        }
    }

    static void measure(LoadedModel model, LlavaModel llava, String weightType, Options o, int p, int n, int r, long seed, DType kv, int threads,
                        PrintStream out, PrintStream err) {
        Ops ops = model.ops();
        LlavaConfig config = llava.config();
        TextConfig tc = config.text();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x11a7aL);
        int s = config.vision().imageSize();
        List<RgbImage> images = new ArrayList<>();
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
        for (int i = 0; i < o.images(); i++) {
            if (!o.files().isEmpty()) images.add(decoder.decode(Path.of(o.files().get(i % o.files().size()))));
            else images.add(randomImage(rnd, o.width() > 0 ? o.width() : s, o.height() > 0 ? o.height() : s));
        }
        int imageId = llava.imageTokenId();
        int[] ids = new int[images.size() + p];
        ids[0] = Math.max(tc.bosTokenId(), 0);
        for (int i = 1; i <= images.size(); i++) ids[i] = imageId;
        for (int i = images.size() + 1; i < ids.length; i++) ids[i] = randomText(rnd, tc.vocabSize(), imageId);
        double[] prepMs = new double[r], encodeMs = new double[r], prefillTps = new double[r], genTps = new double[r];
        int views = 0, rows = 0, positions = 0;
        try (DecodeBatch batch = model.text().newDecodeBatch(1); Tensor last = ops.allocate(DType.F32, 1, tc.vocabSize())) {
            KvCache cache = null;
            try {
                for (int run = -1; run < r; run++) {
                    long a = System.nanoTime();
                    List<ImageEncoder.Input> inputs = new ArrayList<>();
                    ImageEncoder.Encoded enc = null;
                    try {
                        for (RgbImage img : images) inputs.add(llava.prepare(img));
                        long b = System.nanoTime();
                        enc = llava.encode(inputs);
                        ops.synchronize();
                        long c = System.nanoTime();
                        int[] rowCounts = inputs.stream().mapToInt(ImageEncoder.Input::rows).toArray();
                        views = inputs.stream().mapToInt(in -> (int) in.pixels().dim(0)).sum();
                        rows = java.util.Arrays.stream(rowCounts).sum();
                        int[] expanded = ImageSplice.expand(ids, imageId, rowCounts);
                        positions = expanded.length;
                        if (cache == null) cache = model.text().newCache(positions + n, kv);
                        cache.reset();
                        ImageSplice.prefill(model.text(), cache, expanded, enc.rows(), 0, expanded.length, last);
                        ops.synchronize();
                        long d = System.nanoTime();
                        KvCache[] one = {cache};
                        int[] tok = new int[1];
                        for (int i = 0; i < n; i++) {
                            tok[0] = randomText(rnd, tc.vocabSize(), imageId);
                            batch.step(one, tok, 1);
                            batch.copyLogitsToHost(1);
                        }
                        long e = System.nanoTime();
                        if (run >= 0) {
                            prepMs[run] = (b - a) / 1e6 / images.size();
                            encodeMs[run] = (c - b) / 1e6 / images.size();
                            prefillTps[run] = positions * 1e9 / (d - c);
                            genTps[run] = n == 0 ? 0 : n * 1e9 / (e - d);
                        } else {
                            err.printf(Locale.ROOT, "mm1j bench: warm-up: %d image%s, %d views, %d rows, %d prompt positions%n", images.size(),
                                images.size() == 1 ? "" : "s", views, rows, positions);
                        }
                    } finally {
                        if (enc != null) enc.close();
                        inputs.forEach(ImageEncoder.Input::close);
                    }
                }
            } finally {
                if (cache != null) cache.close();
            }
        }
        double flopsPerView = viewFlops(config);
        String name = model.name();
        String imageDesc = images.getFirst().width() + "x" + images.getFirst().height() + (images.size() > 1 ? " x" + images.size() : "");
        out.printf(Locale.ROOT, "| %-22s | %-8s | %-10s | %7s | %-28s | %22s | %-24s |%n", "model", "weights", "backend", "threads", "test", "result", "implies");
        out.printf(Locale.ROOT, "| %-22s | %-8s | %-10s | %7s | %-28s | %22s | %-24s |%n", "-".repeat(22), "-".repeat(8), "-".repeat(10), "-".repeat(7), "-".repeat(28),
            "-".repeat(22), "-".repeat(24));
        String row = "| %-22s | %-8s | %-10s | %7d | %-28s | %22s | %-24s |%n";
        String backend = ops.backend().name();
        double enc = Mm1Bench.mean(encodeMs);
        out.printf(Locale.ROOT, row, name, weightType, backend, threads, "image encode " + imageDesc, Mm1Bench.meanSd(encodeMs, "ms/image"),
            String.format(Locale.ROOT, "%.1f GFLOP/s, %d view%s", flopsPerView * views / images.size() / (enc / 1e3) / 1e9, views, views == 1 ? "" : "s"));
        out.printf(Locale.ROOT, row, name, weightType, backend, threads, "image preprocess", Mm1Bench.meanSd(prepMs, "ms/image"), rows + " rows");
        out.printf(Locale.ROOT, row, name, weightType, backend, threads, "pp" + p + "+" + rows + " image", Mm1Bench.meanSd(prefillTps, "t/s"), positions + " positions");
        if (n > 0) {
            out.printf(Locale.ROOT, row, name, weightType, backend, threads, "tg" + n, Mm1Bench.meanSd(genTps, "t/s"),
                String.format(Locale.ROOT, "weights %.1f GB/s", Mm1Bench.mean(genTps) * model.text().bytesPerToken() / 1e9));
        }
        out.printf(Locale.ROOT, "(encoder: %d of %d CLIP layers run, %.1f GFLOP per %dpx view incl. the projector; KV cache %s)%n", config.layersToRun(),
            config.vision().numHiddenLayers(), flopsPerView / 1e9, s, kv);
    }

    /** Multiply-adds ×2 of one view: patch embedding, the layers run, the projector on the kept rows. */
    static double viewFlops(LlavaConfig c) {
        VisionConfig v = c.vision();
        int g = v.imageSize() / v.patchSize();
        double len = (double) g * g + 1, w = v.hiddenSize(), inter = v.intermediateSize(), p = v.patchSize();
        double patch = 2.0 * g * g * w * 3 * p * p;
        double layer = 2 * len * w * (4 * w + 2 * inter) + 4 * len * len * w;
        double in = c.featureWidth(), d = c.text().hiddenSize();
        double projector = 2.0 * c.tokensPerView() * (in * d + d * d);
        return patch + c.layersToRun() * layer + projector;
    }

    private static RgbImage randomImage(SplittableRandom rnd, int w, int h) {
        RgbImage img = RgbImage.blank(w, h);
        byte[] px = img.rgb();
        for (int i = 0; i < px.length; i++) px[i] = (byte) rnd.nextInt(256);
        return img;
    }

    private static int randomText(SplittableRandom rnd, int vocab, int image) {
        int id;
        do {
            id = rnd.nextInt(vocab);
        } while (id == image);
        return id;
    }
}
