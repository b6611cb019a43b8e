package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/**
 * Channels-last spatial ops: conv2d (patchify, 1×1, depthwise 3×3 with padding 1, strided depthwise, a general
 * 3×3; quantized weights for 32×32 patches), adaptive average pooling (overlapping bins 7→3 and 5→3, exact, identity, non-square) and bicubic
 * resize (up 5→7 and 27→37, down 37→27, mixed, identity).
 */
public final class SpatialCases {
    private SpatialCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType w : List.of(DType.F32, DType.F16, DType.BF16)) {
            Budget budget = Budget.matmul(w);
            l.add(conv(w, budget, "patchify x=[28,28,3] w=[33,3,14,14] stride 14", new long[] {28, 28, 3}, new long[] {33, 3, 14, 14}, 14, 0, 1));
            l.add(conv(w, budget, "patchify x=[2,15,15,3] w=[8,3,7,7] stride 7 (crops the last row and column)", new long[] {2, 15, 15, 3}, new long[] {8, 3, 7, 7}, 7, 0, 1));
            l.add(conv(w, budget, "1x1 x=[7,5,31] w=[65,31,1,1]", new long[] {7, 5, 31}, new long[] {65, 31, 1, 1}, 1, 0, 1));
            l.add(conv(w, budget, "depthwise 3x3 pad 1 x=[7,9,33] w=[33,1,3,3]", new long[] {7, 9, 33}, new long[] {33, 1, 3, 3}, 1, 1, 33));
            l.add(conv(w, budget, "depthwise 3x3 pad 1 stride 2 x=[8,7,16] w=[16,1,3,3]", new long[] {8, 7, 16}, new long[] {16, 1, 3, 3}, 2, 1, 16));
            l.add(conv(w, budget, "3x3 pad 1 x=[6,5,4] w=[5,4,3,3]", new long[] {6, 5, 4}, new long[] {5, 4, 3, 3}, 1, 1, 1));
            l.add(OpCase.of(Op.CONV2D, w, "depthwise 3x3 pad 1 x=[9,7,33]ᵀ (strided) w=[33,1,3,3]", budget, b -> {
                Tensor x = b.in(DType.F32, 9, 7, 33).transpose(0, 1);
                b.ops().conv2d(b.out(DType.F32, 7, 9, 33), x, b.in(w, 33, 1, 3, 3), 1, 1, 33);
            }));
        }
        for (DType w : List.of(DType.Q8_0, DType.Q4_0)) { // quantized weights need KW to be whole blocks: 32x32 patches (ViT-B/32)
            l.add(conv(w, Budget.matmul(w), "patchify x=[64,64,3] w=[8,3,32,32] stride 32", new long[] {64, 64, 3}, new long[] {8, 3, 32, 32}, 32, 0, 1));
        }
        long[][][] pools = {{{7, 7, 33}, {3, 3}}, {{5, 5, 3}, {3, 3}}, {{24, 24, 16}, {12, 12}}, {{9, 9, 4}, {9, 9}}, {{7, 5, 65}, {3, 2}}, {{1, 1, 7}, {1, 1}}};
        for (long[][] p : pools) {
            long[] x = p[0], o = {p[1][0], p[1][1], x[2]};
            l.add(OpCase.of(Op.ADAPTIVE_AVG_POOL2D, DType.F32, "x=" + s(x) + " -> " + s(o), Budget.F32,
                b -> b.ops().adaptiveAvgPool2d(b.out(DType.F32, o), b.in(DType.F32, x))));
        }
        l.add(OpCase.of(Op.ADAPTIVE_AVG_POOL2D, DType.F32, "x=[7,6,5]ᵀ (strided) -> [3,3,5]", Budget.F32,
            b -> b.ops().adaptiveAvgPool2d(b.out(DType.F32, 3, 3, 5), b.in(DType.F32, 7, 6, 5).transpose(0, 1))));
        long[][][] resizes = {{{5, 5, 3}, {7, 7}}, {{27, 27, 4}, {37, 37}}, {{37, 37, 4}, {27, 27}}, {{7, 4, 33}, {2, 9}}, {{4, 4, 16}, {4, 4}}, {{1, 1, 5}, {3, 2}}};
        for (long[][] p : resizes) {
            long[] x = p[0], o = {p[1][0], p[1][1], x[2]};
            l.add(OpCase.of(Op.RESIZE_BICUBIC, DType.F32, "x=" + s(x) + " -> " + s(o), Budget.F32,
                b -> b.ops().resizeBicubic(b.out(DType.F32, o), b.in(DType.F32, x))));
        }
        l.add(OpCase.of(Op.RESIZE_BICUBIC, DType.F32, "x=[5,6,3]ᵀ (strided) -> [9,7,3]", Budget.F32,
            b -> b.ops().resizeBicubic(b.out(DType.F32, 9, 7, 3), b.in(DType.F32, 5, 6, 3).transpose(0, 1))));
        return l;
    }

    private static OpCase conv(DType w, Budget budget, String params, long[] x, long[] wShape, int stride, int pad, int groups) {
        return OpCase.of(Op.CONV2D, w, params, budget, b -> {
            int r = x.length;
            long h = x[r - 3], wd = x[r - 2];
            long oh = (h + 2L * pad - wShape[2]) / stride + 1, ow = (wd + 2L * pad - wShape[3]) / stride + 1;
            long[] out = r == 4 ? new long[] {x[0], oh, ow, wShape[0]} : new long[] {oh, ow, wShape[0]};
            b.ops().conv2d(b.out(DType.F32, out), b.in(DType.F32, x), b.in(w, wShape), stride, pad, groups);
        });
    }
}
