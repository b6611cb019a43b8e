package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.text.TextCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Opens a checkpoint for serving: MM1 with its image encoder, or a text-only decoder. */
public final class ServedModels {
    private ServedModels() {}

    /**
     * @param matrixDtype converts the matmul weights on load (nullable: as stored)
     * @param template    the chat format (nullable: recognised from the checkpoint)
     * @param warnings    hears unused tensors and similar notes
     */
    public static ServedModel open(Path path, DType matrixDtype, Ops ops, DType kvDtype, ChatTemplate template, Consumer<String> warnings) throws IOException {
        TextCheckpoint ckpt = TextCheckpoint.open(path, matrixDtype);
        try {
            return TextServedModel.load(ckpt, ops, kvDtype, template, warnings);
        } catch (IOException | RuntimeException | Error e) {
            ckpt.close();
            throw e;
        }
    }
}
