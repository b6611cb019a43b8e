package dev.mm1j.spark;

import dev.mm1j.core.Mm1jException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkFiles;

/**
 * Finds the model folder on an executor. In order: the path as given (storage every executor sees: a shared or
 * network file system, or the same local path on every machine); the executor's working folder (where
 * {@code --archives model.zip#NAME} unpacks to {@code NAME}); {@code SparkFiles.get(NAME)} (what {@code --files}
 * or {@code SparkContext.addFile} shipped); and {@code SparkFiles}' root itself when NAME is {@code .} (the model's
 * files shipped one by one with {@code --files config.json,model.safetensors,...}).
 */
final class ModelLocation {
    private ModelLocation() {}

    static Path resolve(String model) {
        List<Path> tried = new ArrayList<>();
        Path given = Path.of(model);
        if (isModel(given, tried)) return given.toAbsolutePath();
        if (!given.isAbsolute()) {
            Path cwd = Path.of("").toAbsolutePath().resolve(model);
            if (isModel(cwd, tried)) return cwd;
            try {
                Path shipped = model.equals(".") ? Path.of(SparkFiles.getRootDirectory()) : Path.of(SparkFiles.get(model));
                if (isModel(shipped, tried)) return shipped;
            } catch (RuntimeException e) {
                // no SparkContext on this JVM (SparkFiles needs one): only the paths above count
            }
        }
        throw new Mm1jException("mm1j-spark: no model '" + model + "' on this executor (looked for a folder with config.json in " + tried
            + "); give a path every executor sees, or ship the model with --archives model.zip#NAME (or --files) and give NAME");
    }

    private static boolean isModel(Path p, List<Path> tried) {
        tried.add(p);
        return Files.isDirectory(p) && Files.isRegularFile(p.resolve("config.json"));
    }
}
