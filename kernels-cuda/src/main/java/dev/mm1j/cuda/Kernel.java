package dev.mm1j.cuda;

import java.util.List;

/**
 * One {@code extern "C"} kernel: the resource family it lives in ({@code <family>.cu}), its name and its
 * parameter list. {@link LaunchArgs} checks every launch against the list, and {@code KernelSourcesTest}
 * checks the list against the PTX that nvcc produces, so Java and CUDA cannot drift apart unnoticed.
 */
record Kernel(String family, String name, List<Param> params) {

    /** Kernel parameter kinds, with the PTX type nvcc declares for each. */
    enum Param {
        PTR(8, 8, ".u64"),
        I32(4, 4, ".u32"),
        I64(8, 8, ".u64"),
        F32(4, 4, ".f32"),
        /** {@code struct Dims { long long n[6]; }} passed by value. */
        DIMS(48, 8, ".b8[48]");

        final int size;
        final int align;
        final String ptx;

        Param(int size, int align, String ptx) {
            this.size = size;
            this.align = align;
            this.ptx = ptx;
        }
    }

    static Kernel of(String family, String name, Param... params) {
        return new Kernel(family, name, List.of(params));
    }

    @Override
    public String toString() {
        return family + ".cu:" + name;
    }
}
