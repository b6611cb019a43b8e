package dev.mm1j.spark;

import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.mm1.Prompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code mm1j run} answers (the same API call, greedy, 256 tokens at most, the answer stripped) for each case. */
final class Reference {
    private Reference() {}

    static Path demoModel() {
        Path p = Path.of(System.getProperty("mm1j.home", "..")).resolve("models/mm1-demo").toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve("config.json"))) throw new IllegalStateException("no demo model at " + p);
        return p;
    }

    /** The answers by image file name. */
    static Map<String, String> answers(List<ShapesWorld.Case> cases) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (Mm1 model = Mm1.load(demoModel(), Mm1Options.defaults())) {
            for (ShapesWorld.Case c : cases) {
                Prompt p = Prompt.builder().image(c.image()).question(c.question()).build();
                m.put(c.image().getFileName().toString(), model.generate(p, SamplingParams.greedy(), 256, List.of(), null).text().strip());
            }
        }
        return m;
    }

    /** Files that are not images: a truncated PNG, an empty file, a text file. */
    static List<Path> badFiles(Path dir, Path aPng) throws IOException {
        byte[] png = Files.readAllBytes(aPng);
        Path truncated = Files.write(dir.resolve("zz-truncated.png"), java.util.Arrays.copyOf(png, Math.min(png.length, 60)));
        Path empty = Files.write(dir.resolve("zz-empty.png"), new byte[0]);
        Path text = Files.writeString(dir.resolve("zz-notes.png"), "not an image\n");
        return List.of(truncated, empty, text);
    }
}
