package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.text.TextCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Opens a checkpoint for serving: MM1 with its image encoder ({@code model_type} mm1), or a text-only decoder. */
public final class ServedModels {
    private ServedModels() {}

    /**
     * @param matrixDtype converts the matmul weights on load (nullable: as stored)
     * @param template    the chat format (nullable: recognised from the checkpoint)
     * @param warnings    hears unused tensors and similar notes
     */
    public static ServedModel open(Path path, DType matrixDtype, Ops ops, DType kvDtype, ChatTemplate template, Consumer<String> warnings) throws IOException {
        if (isMm1(path)) return Mm1ServedModel.open(path, matrixDtype, ops, kvDtype, template, warnings);
        TextCheckpoint ckpt = TextCheckpoint.open(path, matrixDtype);
        try {
            return TextServedModel.load(ckpt, ops, kvDtype, template, warnings);
        } catch (IOException | RuntimeException | Error e) {
            ckpt.close();
            throw e;
        }
    }

    static boolean isMm1(Path path) throws IOException {
        Path cfg = path.resolve("config.json");
        if (!Files.isDirectory(path) || !Files.isRegularFile(cfg)) return false;
        return "mm1".equals(JsonObject.of(Json.parse(cfg), "config.json").get("model_type"));
    }

    /** The chat_template of the folder's tokenizer_config.json (a string, or the "default" of a list), or null. */
    static String chatTemplate(Path folder) throws IOException {
        Path f = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(f)) return null;
        Object t = JsonObject.of(Json.parse(f), "tokenizer_config.json").get("chat_template");
        if (t instanceof String s) return s;
        if (t instanceof List<?> list) {
            for (Object e : list) if (e instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) return s;
        }
        return null;
    }
}
