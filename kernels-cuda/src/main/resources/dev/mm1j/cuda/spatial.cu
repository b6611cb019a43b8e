// spatial.cu (CudaSpatial): channels-last grids. Direct 2-D convolution (any stride, padding, groups: the
// C-Abstractor's depthwise 3x3), adaptive average pooling and bicubic resize. One thread per output element, channel
// fastest so neighbouring threads touch neighbouring memory.
#include "common.cuh"

// out [N, OH, OW, Cout] contiguous; x [N, H, W, Cin] with strides (xn, xh, xw, xc); w [Cout, Cin/G, KH, KW]
// contiguous, F32/F16/BF16. F32 accumulation.
extern "C" __global__ void conv2d_direct(float* out, const float* x, const void* w, int wdt, int N, int H, int W,
                                         int Cin, int OH, int OW, int Cout, int KH, int KW, int stride, int pad,
                                         int groups, i64 xn, i64 xh, i64 xw, i64 xc) {
    i64 total = (i64)N * OH * OW * Cout;
    int cinG = Cin / groups, coutG = Cout / groups;
    for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
        int co = (int)(e % Cout);
        i64 r = e / Cout;
        int ox = (int)(r % OW);
        r /= OW;
        int oy = (int)(r % OH);
        int n = (int)(r / OH);
        int gidx = co / coutG;
        float acc = 0.f;
        for (int ky = 0; ky < KH; ky++) {
            int iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < KW; kx++) {
                int ix = ox * stride - pad + kx;
                if (ix < 0 || ix >= W) continue;
                const float* xp = x + n * xn + iy * xh + ix * xw + (i64)gidx * cinG * xc;
                for (int c = 0; c < cinG; c++) {
                    i64 wi = (((i64)co * cinG + c) * KH + ky) * KW + kx;
                    acc += xp[c * xc] * load_elem(w, wdt, wi);
                }
            }
        }
        out[e] = acc;
    }
}

// out [OH, OW, C] contiguous; cell (i, j) averages rows floor(i*H/OH) .. ceil((i+1)*H/OH) - 1, columns alike
extern "C" __global__ void adaptive_avg_pool2d(float* out, const float* x, int H, int W, int C, int OH, int OW,
                                               i64 xh, i64 xw, i64 xc) {
    i64 total = (i64)OH * OW * C;
    for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
        int c = (int)(e % C);
        i64 r = e / C;
        int j = (int)(r % OW), i = (int)(r / OW);
        int y0 = (int)(((i64)i * H) / OH), y1 = (int)(((i64)(i + 1) * H + OH - 1) / OH);
        int x0 = (int)(((i64)j * W) / OW), x1 = (int)(((i64)(j + 1) * W + OW - 1) / OW);
        float s = 0.f;
        for (int y = y0; y < y1; y++)
            for (int xx = x0; xx < x1; xx++) s += x[y * xh + xx * xw + c * xc];
        out[e] = s / (float)((y1 - y0) * (x1 - x0));
    }
}

// Keys cubic weights, a = -0.75, in float like PyTorch and the reference
__device__ __forceinline__ void cubic_weights(float t, float* wts) {
    const float a = -0.75f;
    float x1 = t + 1.f, x2 = t, x3 = 1.f - t, x4 = 2.f - t;
    wts[0] = ((a * x1 - 5.f * a) * x1 + 8.f * a) * x1 - 4.f * a;
    wts[1] = ((a + 2.f) * x2 - (a + 3.f)) * x2 * x2 + 1.f;
    wts[2] = ((a + 2.f) * x3 - (a + 3.f)) * x3 * x3 + 1.f;
    wts[3] = ((a * x4 - 5.f * a) * x4 + 8.f * a) * x4 - 4.f * a;
}

// PyTorch bicubic, align_corners=False, no antialias; out [OH, OW, C] contiguous. Taps clamped to the grid.
extern "C" __global__ void resize_bicubic(float* out, const float* x, int H, int W, int C, int OH, int OW, i64 xh,
                                          i64 xw, i64 xc) {
    i64 total = (i64)OH * OW * C;
    float sy = (float)H / (float)OH, sx = (float)W / (float)OW;
    for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
        int c = (int)(e % C);
        i64 r = e / C;
        int j = (int)(r % OW), i = (int)(r / OW);
        float ry = sy * ((float)i + 0.5f) - 0.5f, rx = sx * ((float)j + 0.5f) - 0.5f;
        float fy = floorf(ry), fx = floorf(rx);
        int iy = (int)fy, ix = (int)fx;
        float wy[4], wx[4];
        cubic_weights(ry - fy, wy);
        cubic_weights(rx - fx, wx);
        float col[4];
        for (int ty = 0; ty < 4; ty++) {
            int yy = min(max(iy - 1 + ty, 0), H - 1);
            float s = 0.f;
            for (int tx = 0; tx < 4; tx++) {
                int xx = min(max(ix - 1 + tx, 0), W - 1);
                s += x[yy * xh + xx * xw + c * xc] * wx[tx];
            }
            col[ty] = s;
        }
        out[e] = col[0] * wy[0] + col[1] * wy[1] + col[2] * wy[2] + col[3] * wy[3];
    }
}
