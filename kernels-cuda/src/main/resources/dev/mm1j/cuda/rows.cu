// rows.cu (CudaRows): ops along the last dim of each row. softmax (optionally causal), LayerNorm, RMSNorm
// and mean run one block per row: a row r starts at x + r*xrs and its elements are xcs apart (any strides); the
// host merged the leading dims into rows. Sums are F32 tree reductions (the reference sums in double). rope, at
// the end, runs one thread per rotated pair.
#include "common.cuh"

// Stable softmax. With causal, row r is row (r % R) of its [R, C] matrix and sees columns j <= (r % R) + offset;
// the others (and whole rows that see nothing) become 0.
extern "C" __global__ void row_softmax(float* out, i64 ors, i64 ocs, const float* x, i64 xrs, i64 xcs,
                                       int cols, int causal, i64 R, i64 offset) {
    __shared__ float scratch[32];
    i64 r = blockIdx.x;
    const float* xr = x + r * xrs;
    float* orow = out + r * ors;
    i64 limit = causal ? (r % R) + offset : (i64)cols - 1;
    int vis = limit < 0 ? 0 : (limit >= cols ? cols : (int)limit + 1);
    float m = NEG_INF;
    for (int j = threadIdx.x; j < vis; j += blockDim.x) m = fmaxf(m, xr[j * xcs]);
    m = block_max(m, scratch);
    float s = 0.f;
    for (int j = threadIdx.x; j < vis; j += blockDim.x) s += expf(xr[j * xcs] - m);
    s = block_sum(s, scratch);
    float inv = 1.f / s;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) orow[j * ocs] = j < vis ? expf(xr[j * xcs] - m) * inv : 0.f;
}

// (x - mean) / sqrt(var + eps) * w + b, biased variance (two passes); w, b may be null
extern "C" __global__ void row_layernorm(float* out, i64 ors, i64 ocs, const float* x, i64 xrs, i64 xcs,
                                         const float* w, const float* b, int cols, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + blockIdx.x * xrs;
    float* orow = out + blockIdx.x * ors;
    float s = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += xr[j * xcs];
    float mean = block_sum(s, scratch) / cols;
    float v = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float d = xr[j * xcs] - mean;
        v += d * d;
    }
    float inv = rsqrtf(block_sum(v, scratch) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float y = (xr[j * xcs] - mean) * inv;
        if (w) y *= w[j];
        if (b) y += b[j];
        orow[j * ocs] = y;
    }
}

// x / sqrt(mean(x^2) + eps) * w
extern "C" __global__ void row_rmsnorm(float* out, i64 ors, i64 ocs, const float* x, i64 xrs, i64 xcs,
                                       const float* w, int cols, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + blockIdx.x * xrs;
    float* orow = out + blockIdx.x * ors;
    float s = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float t = xr[j * xcs];
        s += t * t;
    }
    float inv = rsqrtf(block_sum(s, scratch) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) orow[j * ocs] = xr[j * xcs] * inv * w[j];
}

// out[r * os] = mean of row r
extern "C" __global__ void row_mean(float* out, i64 os, const float* x, i64 xrs, i64 xcs, int cols) {
    __shared__ float scratch[32];
    const float* xr = x + blockIdx.x * xrs;
    float s = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += xr[j * xcs];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[blockIdx.x * os] = s / cols;
}

// Rotary embedding, half-split layout, on x [T, H, D] (strides xts, xhs, xds): theta = pos[t] * invFreq[j]
// (a float product, as Hugging Face computes it), cos/sin in double then rounded, like the reference.
// One thread per (t, h, j < D/2); it reads both halves before writing, so out may alias x.
extern "C" __global__ void rope(float* out, i64 ots, i64 ohs, i64 ods, const float* x, i64 xts, i64 xhs, i64 xds,
                                const int* pos, const float* inv, int T, int H, int D) {
    int half = D >> 1;
    i64 n = (i64)T * H * half;
    for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        int j = (int)(i % half);
        i64 th = i / half;
        int h = (int)(th % H);
        int t = (int)(th / H);
        float theta = (float)pos[t] * inv[j];
        double sd, cd;
        sincos((double)theta, &sd, &cd);
        float c = (float)cd, s = (float)sd;
        const float* xp = x + t * xts + h * xhs;
        float a = xp[j * xds], b = xp[(j + half) * xds];
        float* op = out + t * ots + h * ohs;
        op[j * ods] = a * c - b * s;
        op[(j + half) * ods] = b * c + a * s;
    }
}
