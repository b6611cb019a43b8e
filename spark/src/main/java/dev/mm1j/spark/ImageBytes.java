package dev.mm1j.spark;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * The bytes of a row's image: a binary column as is (Spark's {@code binaryFile} {@code content}, or any bytes
 * column), or a string column read as a path through Hadoop's file systems ({@code file:}, {@code hdfs:},
 * {@code s3a:} ... with the job's {@code spark.hadoop.*} settings), so each executor reads its own images.
 */
final class ImageBytes {
    private static volatile Configuration hadoop;

    private ImageBytes() {}

    /** A path's bytes, at most {@code maxBytes}; errors say what is wrong with the path. */
    static byte[] read(String path, long maxBytes) throws IOException {
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
