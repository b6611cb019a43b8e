package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LLaVA-NeXT's anyres geometry against tools/llava/processors.py on 22 image sizes with llava-v1.6's pinpoints, read
 * as Hugging Face (height, width) pairs and as a GGUF file's (width, height) pairs: the best resolution, the resized
 * size, the padding, the tile grid and views, the unpadded feature grid (transformers' round(x, 7) and the original
 * int(x)) and the rows the image becomes.
 */
class AnyresTest {
    static final List<int[]> HF = List.of(new int[] {336, 672}, new int[] {672, 336}, new int[] {672, 672}, new int[] {1008, 336}, new int[] {336, 1008});
    /** The same flattened list as an mmproj stores it, read as (width, height): each pair swapped, order kept. */
    static final List<int[]> GGUF = HF.stream().map(p -> new int[] {p[1], p[0]}).toList();

    static int[] ints(JsonObject o, String key) {
        return java.util.Arrays.stream(o.getLongs(key)).mapToInt(Math::toIntExact).toArray();
    }

    @Test
    void matchesThePythonPortOn22AspectRatios() throws Exception {
        Path f = Path.of("src/test/resources/golden/llava/preprocess/anyres.json");
        List<Object> rows = (List<Object>) Json.parse(f);
        int n = 0, differ = 0;
        for (Object r : rows) {
            JsonObject o = JsonObject.of(r, "anyres.json");
            boolean hf = o.getString("pinpoints").equals("hf");
            Anyres a = new Anyres(hf ? HF : GGUF, 336);
            int w = o.getInt("width"), h = o.getInt("height");
            String at = w + "x" + h + " " + o.getString("pinpoints");
            int[] best = a.bestResolution(h, w);
            assertArrayEquals(ints(o, "best"), best, at + " best");
            int[] size = Anyres.resizedSize(h, w, best);
            assertArrayEquals(ints(o, "resized"), size, at + " resized");
            assertArrayEquals(ints(o, "pad_top_left"), new int[] {(best[0] - size[0]) / 2, (best[1] - size[1]) / 2}, at + " padding");
            int[] tiles = a.tiles(h, w);
            assertArrayEquals(ints(o, "tiles"), tiles, at + " tiles");
            assertEquals(o.getInt("views"), a.views(h, w), at + " views");
            int[] u = Anyres.unpadded(h, w, tiles[0] * 24, tiles[1] * 24, hf);
            assertArrayEquals(ints(o, "unpadded"), new int[] {u[1] - u[0], u[3] - u[2]}, at + " unpadded");
            int[] ui = Anyres.unpadded(h, w, tiles[0] * 24, tiles[1] * 24, false);
            assertArrayEquals(ints(o, "unpadded_int"), new int[] {ui[1] - ui[0], ui[3] - ui[2]}, at + " unpadded with int()");
            if (ui[1] - ui[0] != u[1] - u[0] || ui[3] - ui[2] != u[3] - u[2]) differ++;
            assertEquals(o.getInt("rows"), a.rows(h, w, 24, hf), at + " rows");
            n++;
        }
        assertEquals(44, n);
        System.out.println("[anyres] 22 sizes x {HF, GGUF} pinpoints match; round(x, 7) and int(x) differ on " + differ);
    }

    @Test
    void pinpointsMustBeWholeTiles() {
        Mm1jException e = assertThrows(Mm1jException.class, () -> new Anyres(List.of(new int[] {336, 500}), 336));
        assertEquals(true, e.getMessage().contains("[336, 500]"), e.getMessage());
        assertThrows(Mm1jException.class, () -> new Anyres(List.of(), 336));
    }

    @Test
    void pythonRoundTo7Decimals() {
        assertEquals(24.0, Anyres.round7(23.999999999999996));
        assertEquals(23.9999999, Anyres.round7(23.99999994));
        assertEquals(13.0, Anyres.round7(13.0));
    }
}
