package dev.mm1j.cpu.simd;

import dev.mm1j.cpu.SpeciesClassLoader;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species of this copy of the kernels (constants, so that the JIT emits SIMD code; see
 * {@link SpeciesClassLoader}) and in-register conversions of 16-bit floats.
 */
final class Vec {
    private Vec() {}

    /** Vector width in bits: the loader's, or the preferred one for the class-path copy. */
    static final int BITS = Vec.class.getClassLoader() instanceof SpeciesClassLoader s ? s.bits() : FloatVector.SPECIES_PREFERRED.vectorBitSize();
    /** Floats. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    /** Float lanes. */
    static final int L = F.length();
    /** Ints, as many lanes as {@link #F}. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    /** Shorts, as many lanes as {@link #F} (half the width). */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(BITS / 2));
    /** Bytes: {@link #BPARTS} × L lanes (a quarter of the width, at least 64 bits). */
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(Math.max(64, BITS / 4)));
    /** Int vectors one byte vector widens into. */
    static final int BPARTS = B.length() / L;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // ------------------------------------------------------------------ 16-bit floats

    /** L bfloat16 values at byte {@code off}, widened to floats. */
    static FloatVector loadBf16(MemorySegment seg, long off) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, off, LE);
        return ((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** L IEEE half-precision values at byte {@code off}, widened to floats (exact, subnormals, Inf and NaN included). */
    static FloatVector loadF16(MemorySegment seg, long off) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, off, LE);
        IntVector h = ((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16);
        return f16High(h);
    }

    /**
     * Floats from half-precision values held in the high 16 bits of each int lane (low bits ignored):
     * the exponent and mantissa shifted into place and scaled by 2^112 (exact for normal and subnormal
     * halves), Inf/NaN given the float exponent, the sign copied.
     */
    static FloatVector f16High(IntVector h) {
        IntVector em = h.and(0x7fff0000).lanewise(VectorOperators.LSHR, 3);
        IntVector sign = h.and(0x80000000);
        IntVector bits = em.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x0f800000);
        bits = bits.blend(em.or(0x70000000), special);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** L values of a float row at byte {@code off}, read as F32, F16 or BF16 (dtype code of {@link RowIo}). */
    static FloatVector load(int kind, MemorySegment seg, long off) {
        return switch (kind) {
            case RowIo.F32 -> FloatVector.fromMemorySegment(F, seg, off, LE);
            case RowIo.BF16 -> loadBf16(seg, off);
            default -> loadF16(seg, off);
        };
    }

    /** Stores L floats as bfloat16 (round to nearest even, NaN kept quiet) at byte {@code off}. */
    static void storeBf16(FloatVector v, MemorySegment seg, long off) {
        IntVector bits = v.reinterpretAsInts();
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7fffffff).compare(VectorOperators.GT, 0x7f800000);
        rounded = rounded.blend(bits.lanewise(VectorOperators.LSHR, 16).or(0x40), nan);
        ((ShortVector) rounded.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(seg, off, LE);
    }
}
