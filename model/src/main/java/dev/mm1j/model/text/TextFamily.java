package dev.mm1j.model.text;

import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.model.ModelFamily;
import dev.mm1j.model.Network;
import dev.mm1j.model.mm1.Mm1Options;
import java.util.List;

/**
 * The text-only Llama family at the loading seam: Llama 2/3, Mistral, Qwen2 and Mixtral checkpoints, as Hugging
 * Face folders or GGUF files (tensors under Hugging Face names, spec §6).
 */
public final class TextFamily implements ModelFamily {

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public List<String> modelTypes() {
        return TextConfig.FAMILIES;
    }

    @Override
    public Network load(Checkpoint c, Ops ops, Mm1Options options) {
        TextConfig config = TextConfig.fromJson(c.config());
        TextModel m = TextModel.load(config, c.weights(), ops);
        c.weights().finish();
        return new Network(m, null, m.describe());
    }
}
