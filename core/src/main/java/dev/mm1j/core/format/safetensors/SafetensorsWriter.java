package dev.mm1j.core.format.safetensors;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.json.Json;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes host tensors as a safetensors file that every reader loads (the Python {@code safetensors}
 * package, candle, ...): an 8-byte little-endian header length, the JSON header padded with spaces so the
 * data starts 8-byte aligned, then the tensors back to back, widest element type first (then by name), so
 * every tensor is aligned to its element size. Written to a temporary file and moved into place, so a
 * reader never sees half a file.
 */
public final class SafetensorsWriter {
    private static final long CHUNK = 1L << 30;

    private SafetensorsWriter() {}

    /** Writes {@code tensors} (host, any plain dtype, any strides) and optional string {@code metadata} to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> e : order) {
            Tensor t = e.getValue();
            if (e.getKey().equals("__metadata__")) throw new Mm1jException("[safetensors] '__metadata__' is reserved and cannot name a tensor");
            if (SafetensorsFile.nameOf(t.dtype()) == null) throw new Mm1jException("[safetensors] tensor '" + e.getKey() + "' is " + t + ": safetensors holds no block-quantized types; convert it first");
            if (!t.isHost()) throw new Mm1jException("[safetensors] tensor '" + e.getKey() + "' is in device memory; copy it to the host first");
        }
        order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -e.getValue().dtype().blockBytes()).thenComparing(Map.Entry::getKey));

        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, Tensor> e : order) {
            Tensor t = e.getValue();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", SafetensorsFile.nameOf(t.dtype()));
            info.put("shape", t.shape());
            info.put("data_offsets", List.of(offset, offset + t.byteSize()));
            header.put(e.getKey(), info);
            offset += t.byteSize();
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeFully(ch, head);
            for (Map.Entry<String, Tensor> e : order) writeTensor(ch, e.getValue());
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes {@code tensors} without metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    private static void writeTensor(FileChannel ch, Tensor t) throws IOException {
        if (t.isContiguous()) {
            MemorySegment seg = t.data();
            for (long o = 0; o < seg.byteSize(); o += CHUNK) writeFully(ch, seg.asSlice(o, Math.min(CHUNK, seg.byteSize() - o)).asByteBuffer());
            return;
        }
        // strided view: gather rows of the last dimension element by element
        int w = t.dtype().blockBytes();
        int rank = t.rank();
        long[] shape = t.shape(), strides = t.strides();
        long rowLen = rank == 0 ? 1 : shape[rank - 1];
        long rows = rowLen == 0 ? 0 : t.numel() / rowLen;
        ByteBuffer row = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, rowLen * w));
        long[] idx = new long[Math.max(rank - 1, 0)];
        MemorySegment seg = t.segment();
        for (long r = 0; r < rows; r++) {
            long base = t.offset();
            for (int d = 0; d < idx.length; d++) base += idx[d] * strides[d];
            long st = rank == 0 ? 0 : strides[rank - 1];
            row.clear();
            for (long j = 0; j < rowLen; j++) {
                row.put(seg.asSlice((base + j * st) * w, w).asByteBuffer());
                if (!row.hasRemaining()) {
                    row.flip();
                    writeFully(ch, row);
                    row.clear();
                }
            }
            row.flip();
            writeFully(ch, row);
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
