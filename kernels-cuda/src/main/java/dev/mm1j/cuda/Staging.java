package dev.mm1j.cuda;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.reference.ReferenceBackend;

/**
 * One op call's temporaries. Device operands pass through untouched (the fast path allocates nothing);
 * host operands are uploaded to pooled device buffers, and host outputs are computed on the device and
 * copied back when the call closes. Strided operands a kernel cannot address are made contiguous with
 * the copy kernel. Instances are reused per thread and per nesting depth (fused defaults call other ops).
 */
final class Staging implements AutoCloseable {
    private static final int MAX = 16;
    private static final ThreadLocal<Staging[]> STACK = ThreadLocal.withInitial(() -> new Staging[8]);
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final ReferenceBackend HOST = new ReferenceBackend();

    private final Tensor[] temps = new Tensor[MAX];
    private final Tensor[] commitTo = new Tensor[MAX];
    private int n;
    private CudaBackend backend;

    static Staging open(CudaBackend backend) {
        int[] d = DEPTH.get();
        Staging[] stack = STACK.get();
        if (d[0] >= stack.length) throw new IllegalStateException("[cuda] ops nested too deeply");
        Staging s = stack[d[0]];
        if (s == null) s = stack[d[0]] = new Staging();
        d[0]++;
        s.backend = backend;
        s.n = 0;
        return s;
    }

    private Tensor keep(Tensor temp, Tensor commit) {
        if (n == MAX) throw new IllegalStateException("[cuda] too many temporaries in one op");
        temps[n] = temp;
        commitTo[n++] = commit;
        return temp;
    }

    /** {@code t} in device memory (null stays null). */
    Tensor in(Tensor t) {
        if (t == null || !t.isHost()) return check(t);
        return keep(upload(t), null);
    }

    /** The output {@code t} in device memory; a host output is staged (with its contents) and written back on close. */
    Tensor out(Tensor t) {
        if (!t.isHost()) return check(t);
        return keep(upload(t), t);
    }

    /** {@code t} (on the device) as a contiguous tensor: itself when it already is, else a copy. */
    Tensor contiguous(Tensor t) {
        if (t.isContiguous()) return t;
        Tensor c = temp(t.dtype(), t.shape());
        backend.copy(c, t);
        return c;
    }

    /** {@code t} with a unit stride in its last dim: itself, or a contiguous copy. */
    Tensor unitLastStride(Tensor t) {
        return t.rank() == 0 || t.stride(-1) == 1 || t.dim(-1) == 1 ? t : contiguous(t);
    }

    /** A pooled contiguous device tensor (contents undefined), released on close. */
    Tensor temp(DType dtype, long... shape) {
        long bytes = dtype.byteSize(Tensor.numel(shape));
        long p = backend.scratch().take(bytes);
        CudaStorage s = new CudaStorage(backend, p, Scratch.sizeClass(bytes), Scratch.sizeClass(bytes), true);
        return keep(Tensor.contiguous(s, dtype, shape, true), null);
    }

    /** A device output for {@code out} that the kernel can write contiguously; copied into {@code out} on close if it is not. */
    Tensor contiguousOut(Tensor out) {
        if (out.isContiguous()) return out;
        Tensor c = temp(out.dtype(), out.shape());
        backend.copy(c, out); // ops like index_add read their output
        commitTo[n - 1] = out;
        return c;
    }

    private Tensor upload(Tensor host) {
        Tensor h = host;
        if (!h.isContiguous()) {
            h = Tensor.allocateHost(host.dtype(), host.shape());
            HOST.copy(h, host);
        }
        Tensor d = tempNoKeep(h.dtype(), h.shape());
        backend.device().copyToDevice(CudaBackend.ptr(d), h.data(), h.byteSize());
        if (h != host) h.close();
        return d;
    }

    private Tensor tempNoKeep(DType dtype, long[] shape) {
        long bytes = dtype.byteSize(Tensor.numel(shape));
        long p = backend.scratch().take(bytes);
        CudaStorage s = new CudaStorage(backend, p, Scratch.sizeClass(bytes), Scratch.sizeClass(bytes), true);
        return Tensor.contiguous(s, dtype, shape, true);
    }

    private static Tensor check(Tensor t) {
        if (t != null && !(t.storage() instanceof CudaStorage)) {
            throw new Mm1jException("[cuda] " + t + " lives in memory of another backend (" + t.storage().owner().name() + ")");
        }
        return t;
    }

    @Override
    public void close() {
        try {
            for (int i = n - 1; i >= 0; i--) {
                Tensor target = commitTo[i];
                if (target == null) continue;
                if (target.isHost()) {
                    Tensor h = target.isContiguous() ? target : Tensor.allocateHost(target.dtype(), target.shape());
                    backend.device().copyToHost(h.data(), CudaBackend.ptr(temps[i]), h.byteSize());
                    if (h != target) {
                        HOST.copy(target, h);
                        h.close();
                    }
                } else {
                    backend.copy(target, temps[i]);
                }
            }
        } finally {
            for (int i = 0; i < n; i++) {
                temps[i].close();
                temps[i] = null;
                commitTo[i] = null;
            }
            n = 0;
            DEPTH.get()[0]--;
        }
    }
}
