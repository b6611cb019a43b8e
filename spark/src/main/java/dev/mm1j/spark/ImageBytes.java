package dev.mm1j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * The bytes of a row's image: a binary column as is (Spark's {@code binaryFile} {@code content}, or any bytes
 * column), or a string column read as a path: local paths and {@code file:} URIs directly, other schemes
 * ({@code hdfs:}, {@code s3a:} ...) through Hadoop's file systems with the job's {@code spark.hadoop.*} settings; each
 * executor reads its own images.
 */
final class ImageBytes {
    private static volatile Configuration hadoop;

    private ImageBytes() {}

    /** A path's bytes, at most {@code maxBytes}; errors say what is wrong with the path. */
    static byte[] read(String path, long maxBytes) throws IOException {
        java.nio.file.Path local = localPath(path);
        if (local != null) {
            // the local file system directly: Hadoop's local file system would also look for a .crc file
            if (!Files.exists(local)) throw new IOException(path + ": no such file");
            if (Files.isDirectory(local)) throw new IOException(path + ": a folder, not an image file");
            long size = Files.size(local);
            if (size > maxBytes) throw new IOException(path + ": " + size + " bytes, more than the limit of " + maxBytes);
            return Files.readAllBytes(local);
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        FileSystem fs = p.getFileSystem(conf());
        FileStatus st;
        try {
            st = fs.getFileStatus(p);
        } catch (java.io.FileNotFoundException e) {
            throw new IOException(path + ": no such file");
        }
        if (st.isDirectory()) throw new IOException(path + ": a folder, not an image file");
        if (st.getLen() > maxBytes) throw new IOException(path + ": " + st.getLen() + " bytes, more than the limit of " + maxBytes);
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    /** The local file a {@code file:} URI or a plain path names, or null for other schemes (hdfs:, s3a:, ...). */
    static java.nio.file.Path localPath(String path) {
        try {
            if (path.startsWith("file:")) return java.nio.file.Path.of(new URI(path.startsWith("file://") ? path : "file://" + path.substring(5)));
            if (!path.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*")) return java.nio.file.Path.of(path);
        } catch (URISyntaxException | IllegalArgumentException e) { // InvalidPathException too
            return null;
        }
        return null;
    }

    private static Configuration conf() {
        Configuration c = hadoop;
        if (c == null) {
            SparkEnv env = SparkEnv.get();
            c = env != null ? SparkHadoopUtil.get().newConfiguration(env.conf()) : new Configuration();
            hadoop = c;
        }
        return c;
    }
}
