package dev.mm1j.core.format.safetensors;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.format.Progress;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The tensors of a Hugging Face checkpoint in safetensors form, memory-mapped: one file, or a sharded
 * checkpoint described by {@code model.safetensors.index.json} ({@code {"weight_map": {tensor: shard}}}).
 * Opening maps and validates every file (see {@link SafetensorsFile}); tensors are zero-copy views.
 */
public final class SafetensorsWeights implements WeightSource {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";

    private final String description;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byName;

    private SafetensorsWeights(String description, List<SafetensorsFile> files, Map<String, SafetensorsFile> byName) {
        this.description = description;
        this.files = files;
        this.byName = byName;
    }

    /**
     * Opens {@code path}: a {@code .safetensors} file, an index file, or a folder holding
     * {@value #INDEX_FILE}, {@value #SINGLE_FILE}, or else every {@code *.safetensors} in it.
     */
    public static SafetensorsWeights open(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(INDEX_FILE))) return openIndex(path.resolve(INDEX_FILE));
            if (Files.isRegularFile(path.resolve(SINGLE_FILE))) return openFiles(path.toString(), List.of(path.resolve(SINGLE_FILE)));
            List<Path> all;
            try (Stream<Path> s = Files.list(path)) {
                all = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            } catch (IOException e) {
                throw new ModelFormatException("cannot list " + path + ": " + e.getMessage(), e);
            }
            if (all.isEmpty()) throw new ModelFormatException(path + ": no " + INDEX_FILE + ", " + SINGLE_FILE + " or other .safetensors file in this folder");
            return openFiles(path.toString(), all);
        }
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".index.json")) return openIndex(path);
        return openFiles(path.toString(), List.of(path));
    }

    /** Opens the files and presents the union of their tensors (a name in two files is an error). */
    public static SafetensorsWeights openFiles(String description, List<Path> paths) {
        List<SafetensorsFile> files = openAll(paths);
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        for (SafetensorsFile f : files) {
            for (String n : f.names()) {
                SafetensorsFile prev = byName.putIfAbsent(n, f);
                if (prev != null) {
                    closeAll(files);
                    throw new ModelFormatException(description + ": tensor '" + n + "' is in both " + prev.name() + " and " + f.name());
                }
            }
        }
        return new SafetensorsWeights(description, files, Collections.unmodifiableMap(byName));
    }

    /** Opens a sharded checkpoint from its index file. */
    public static SafetensorsWeights openIndex(Path index) {
        JsonObject json;
        try {
            json = JsonObject.read(index);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + index + ": " + e.getMessage(), e);
        }
        JsonObject map = json.getObject("weight_map");
        Path dir = index.toAbsolutePath().getParent();
        Map<String, String> shardOf = new LinkedHashMap<>();
        Map<String, Path> shards = new LinkedHashMap<>();
        for (String tensor : map.keys()) {
            String shard = map.getString(tensor);
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".") || shard.equals("..") || shard.indexOf('\0') >= 0) {
                throw new ModelFormatException(index.getFileName() + ": weight_map." + tensor + ": shard '" + shard + "' must be a file name in the index's folder");
            }
            shardOf.put(tensor, shard);
            shards.computeIfAbsent(shard, dir::resolve);
        }
        List<SafetensorsFile> files = openAll(new ArrayList<>(shards.values()));
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (SafetensorsFile f : files) fileOf.put(f.name(), f);
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            SafetensorsFile f = fileOf.get(e.getValue());
            if (f.entry(e.getKey()) == null) {
                closeAll(files);
                throw new ModelFormatException(index.getFileName() + ": lists tensor '" + e.getKey() + "' in " + e.getValue() + ", which does not hold it");
            }
            byName.put(e.getKey(), f);
        }
        return new SafetensorsWeights(index.toString(), files, Collections.unmodifiableMap(byName));
    }

    private static List<SafetensorsFile> openAll(List<Path> paths) {
        List<SafetensorsFile> files = new ArrayList<>();
        try (Progress p = Progress.items("mapping " + paths.size() + " safetensors files", paths.size())) {
            for (Path path : paths) {
                files.add(SafetensorsFile.open(path));
                p.advance(1);
            }
        } catch (RuntimeException e) {
            closeAll(files);
            throw e;
        }
        return files;
    }

    private static void closeAll(List<SafetensorsFile> files) {
        for (SafetensorsFile f : files) f.close();
    }

    /** The files, in opening order. */
    public List<SafetensorsFile> files() {
        return Collections.unmodifiableList(files);
    }

    /** The {@code __metadata__} of the first file. */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.get(0).metadata();
    }

    /** The header entry of {@code name} (dtype, shape, offsets), or null. */
    public SafetensorsFile.Entry entry(String name) {
        SafetensorsFile f = byName.get(name);
        return f == null ? null : f.entry(name);
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public Tensor tensor(String name) {
        SafetensorsFile f = byName.get(name);
        return f == null ? null : f.tensor(name);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        closeAll(files);
    }
}
