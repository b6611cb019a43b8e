package dev.mm1j.model.llava;

import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.ModelFamily;
import dev.mm1j.model.Network;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * LLaVA-1.5 and LLaVA-NeXT at the loading seam:
 * <ul>
 *   <li>Hugging Face folders of {@code LlavaForConditionalGeneration} ({@code model_type} llava) and
 *       {@code LlavaNextForConditionalGeneration} (llava_next): config.json, preprocessor_config.json, safetensors
 *       under either generation of tensor names ({@link LlavaNames});</li>
 *   <li>llama.cpp's pair: the text GGUF as the model path and the mmproj GGUF as {@link Mm1Options#mmproj()}
 *       ({@link Mmproj}, spec §9.1: every stored block runs, the original LLaVA preprocessing).</li>
 * </ul>
 * The network is the decoder under {@code language_model.} (the GGUF's own names for a pair) and the image half
 * {@link LlavaModel}.
 */
public final class LlavaFamily implements ModelFamily {

    @Override
    public String name() {
        return "llava";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("llava", "llava_next");
    }

    /** LLaVA folders, and any checkpoint opened with an mmproj (refused in {@link #load} unless it is a text GGUF). */
    @Override
    public boolean accepts(Checkpoint c, Mm1Options options) {
        return options.mmproj() != null || modelTypes().contains(c.modelType());
    }

    @Override
    public Network load(Checkpoint c, Ops ops, Mm1Options options) {
        Consumer<String> log = options.log() != null ? options.log() : line -> {};
        return options.mmproj() != null ? loadPair(c, ops, options, log) : loadFolder(c, ops, options, log);
    }

    private static Network loadFolder(Checkpoint c, Ops ops, Mm1Options options, Consumer<String> log) {
        LlavaConfig config = LlavaConfig.fromJson(c.config());
        ProcessorConfig processor;
        try {
            processor = ProcessorConfig.load(c.folder());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Weights w = new Weights(LlavaNames.view(c.source()), options.weights()).warnings(log);
        LlavaModel images = null;
        try {
            images = LlavaModel.load(config, processor, w, ops);
            TextModel text = TextModel.load(config.text(), w.prefix("language_model"), ops);
            acceptUnused(w, config);
            w.finish();
            return new Network(text, images, config.describe(), w);
        } catch (RuntimeException | Error e) {
            if (images != null) images.close();
            w.close();
            throw e;
        }
    }

    private static Network loadPair(Checkpoint c, Ops ops, Mm1Options options, Consumer<String> log) {
        if (!c.isGguf()) {
            throw new dev.mm1j.core.Mm1jException("--mmproj " + options.mmproj() + " goes with a text GGUF file (llama.cpp's pair); " + c.path() + " is not one");
        }
        Mmproj m = Mmproj.open(options.mmproj());
        Weights vw = null;
        LlavaModel images = null;
        try {
            TextConfig tc = TextConfig.fromJson(c.config());
            List<int[]> pins = m.pinpoints();
            LlavaConfig config = new LlavaConfig(pins != null, m.vision(), tc, -1, UnaryOp.GELU, m.hiddenStates(), false, m.projectorBias(), pins, false);
            vw = new Weights(m, options.weights()).warnings(log);
            images = LlavaModel.load(config, m.processor(), vw, ops);
            TextModel text = TextModel.load(tc, c.weights(), ops);
            vw.finish();
            c.weights().finish();
            return new Network(text, images, config.describe() + " (GGUF pair, " + options.mmproj().getFileName() + ")", vw, m);
        } catch (RuntimeException | Error e) {
            if (images != null) images.close();
            if (vw != null) vw.close();
            m.close();
            throw e;
        }
    }

    /**
     * Marks as used what every CLIPVisionModel checkpoint carries but LLaVA never reads: the layers after the deepest
     * selected hidden state, post_layernorm, and the position_ids buffer of old checkpoints (so only real leftovers warn).
     */
    static void acceptUnused(Weights w, LlavaConfig c) {
        Weights vm = w.prefix("vision_tower.vision_model");
        for (String n : w.unused()) {
            for (int i = c.layersToRun(); i < c.vision().numHiddenLayers(); i++) {
                if (n.startsWith(vm.fullName("encoder.layers." + i + "."))) w.get(n);
            }
        }
        for (String n : List.of("post_layernorm.weight", "post_layernorm.bias", "embeddings.position_ids")) vm.getOptional(n);
    }

    /**
     * The chat format when the checkpoint has no template, as each LLaVA was trained (and as llava-hf's processor
     * templates render it): a Mistral text model (llava-v1.6-mistral) {@link ChatTemplate#MISTRAL}
     * ({@code [INST] <image>\n... [/INST]}); a Llama 3 vocabulary (llama3-llava-next) {@link ChatTemplate#LLAMA3};
     * Qwen2 {@link ChatTemplate#CHATML}; any other Llama (llava-1.5, the Vicuna-based llava-v1.6)
     * {@link ChatTemplate#VICUNA} ({@code USER: <image>\n... ASSISTANT:}). A GGUF pair's text file says only
     * {@code llama}: there a file or {@code general.name} naming Mistral picks MISTRAL. With a template, the format it
     * is recognised as (its end-of-turn tokens; the template itself renders).
     */
    @Override
    public ChatTemplate defaultTemplate(Checkpoint c, int vocabSize) {
        String textType = c.config().has("text_config") ? c.config().getObject("text_config").optString("model_type", "llama") : c.modelType();
        if (c.chatTemplate() != null) return ChatTemplate.detect(c.chatTemplate(), textType, vocabSize);
        return switch (textType) {
            case "mistral", "mixtral" -> ChatTemplate.MISTRAL;
            case "qwen2" -> ChatTemplate.CHATML;
            default -> vocabSize >= 128000 ? ChatTemplate.LLAMA3 : namesMistral(c) ? ChatTemplate.MISTRAL : ChatTemplate.VICUNA;
        };
    }

    /** Whether a GGUF file's name or {@code general.name} says Mistral (llava-v1.6-mistral-7b.Q4_K_M.gguf). */
    private static boolean namesMistral(Checkpoint c) {
        if (!c.isGguf()) return false;
        String name = c.name();
        if (c.source() instanceof GgufWeights g && g.file().has("general.name")) name += " " + g.file().string("general.name");
        return name.toLowerCase(java.util.Locale.ROOT).contains("mistral");
    }
}
