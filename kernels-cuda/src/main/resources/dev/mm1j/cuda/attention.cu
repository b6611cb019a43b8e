// attention.cu (CudaAttention): fused scaled dot-product attention, flash style (online softmax, no score
// matrix in memory).
//
// q [B, Tq, H, D] F32, k [B, Tk, KV, D] and v [B, Tk, KV, Dv] in F32, F16 or BF16 (a 16-bit KV cache),
// out [B, Tq, H, Dv] F32; any strides with the last dim contiguous (the host copies otherwise). Query head
// h reads kv head h / (H / KV) (GQA). With causal, query i sees keys j <= i + qOffset.
//
// Grid (ceil(Tq / QB), H, B * splits), QB = 4 queries per warp x warps per block. Block (x, h, z) handles
// its QB queries against keys [s * chunk, (s + 1) * chunk) of split s: key tiles of 32 are staged in shared
// memory as F32; each warp keeps, per query, the running max m, sum l and Dv/32 accumulators per lane.
// With one split the block writes out = acc / l; with several it writes (m, l, acc) to part and
// attn_combine merges the splits (flash decoding: many blocks even when Tq = 1).
// Scores and sums in F32 (the reference uses double); q is pre-multiplied by scale.
#include "common.cuh"

#define ATT_KT 32 // keys per tile
#define ATT_QPW 4 // queries per warp
#define ATT_MAXD 256

__device__ __forceinline__ float load_kv(const void* p, int dt, i64 e) {
    if (dt == DT_F32) return ((const float*)p)[e];
    u16 h = ((const u16*)p)[e];
    return dt == DT_F16 ? f16_to_f32(h) : bf16_to_f32(h);
}

// Dynamic shared memory: Ks[ATT_KT][D + 1], Vs[ATT_KT][Dv], Qs[QB][D] floats.
extern "C" __global__ void attn_fwd(float* out, const float* q, const void* k, const void* v, int kvdt, int Tq,
                                    int Tk, int H, int KV, int D, int Dv, i64 qb, i64 qt, i64 qh, i64 kb, i64 kt,
                                    i64 kh, i64 vb, i64 vt, i64 vh, i64 ob, i64 ot, i64 oh, float scale, int causal,
                                    i64 qOffset, int splits, int chunk, float* part) {
    extern __shared__ float smem[];
    int nw = blockDim.x >> 5, QB = nw * ATT_QPW;
    float* Ks = smem;
    float* Vs = Ks + ATT_KT * (D + 1);
    float* Qs = Vs + ATT_KT * Dv;
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int h = blockIdx.y, g = h / (H / KV);
    int b = blockIdx.z / splits, s = blockIdx.z % splits;
    int q0 = blockIdx.x * QB;
    const float* qbase = q + b * qb + h * qh;
    const u8* kbase = (const u8*)k;
    const u8* vbase = (const u8*)v;
    int esz = kvdt == DT_F32 ? 4 : 2;
    kbase += (b * kb + g * kh) * esz;
    vbase += (b * vb + g * vh) * esz;

    // this block's keys: its split, cut at the last key its last query may see
    i64 kStart = (i64)s * chunk, kEnd = kStart + chunk;
    if (kEnd > Tk) kEnd = Tk;
    if (causal) {
        i64 lastQ = q0 + QB - 1 < Tq ? q0 + QB - 1 : Tq - 1;
        i64 lim = lastQ + qOffset + 1;
        if (kEnd > lim) kEnd = lim;
    }

    for (int e = tid; e < QB * D; e += blockDim.x) {
        int qi = e / D, d = e - qi * D, i = q0 + qi;
        Qs[e] = i < Tq ? qbase[i * qt + d] * scale : 0.f;
    }

    float m[ATT_QPW], l[ATT_QPW], acc[ATT_QPW][ATT_MAXD / 32];
#pragma unroll
    for (int a = 0; a < ATT_QPW; a++) {
        m[a] = NEG_INF;
        l[a] = 0.f;
#pragma unroll
        for (int c = 0; c < ATT_MAXD / 32; c++) acc[a][c] = 0.f;
    }

    for (i64 j0 = kStart; j0 < kEnd; j0 += ATT_KT) {
        __syncthreads(); // previous tile consumed (and Qs written, on the first pass)
        for (int e = tid; e < ATT_KT * D; e += blockDim.x) {
            int r = e / D, d = e - r * D;
            i64 j = j0 + r;
            Ks[r * (D + 1) + d] = j < kEnd ? load_kv(kbase, kvdt, j * kt + d) : 0.f;
        }
        for (int e = tid; e < ATT_KT * Dv; e += blockDim.x) {
            int r = e / Dv, d = e - r * Dv;
            i64 j = j0 + r;
            Vs[r * Dv + d] = j < kEnd ? load_kv(vbase, kvdt, j * vt + d) : 0.f;
        }
        __syncthreads();
        i64 j = j0 + lane; // this lane's key
#pragma unroll
        for (int a = 0; a < ATT_QPW; a++) {
            int qi = warp * ATT_QPW + a;
            i64 i = q0 + qi;
            if (i >= Tq) break; // warp-uniform
            bool vis = j < kEnd && (!causal || j <= i + qOffset);
            float sc = NEG_INF;
            if (vis) {
                const float* qr = Qs + qi * D;
                const float* kr = Ks + lane * (D + 1);
                float dot = 0.f;
                for (int d = 0; d < D; d++) dot += qr[d] * kr[d];
                sc = dot;
            }
            float tmax = warp_max(sc);
            if (tmax == NEG_INF) continue; // nothing visible in this tile for this query (warp-uniform)
            float mNew = fmaxf(m[a], tmax);
            float corr = expf(m[a] - mNew); // 0 on the first visible tile
            float p = vis ? expf(sc - mNew) : 0.f;
            l[a] = l[a] * corr + warp_sum(p);
            m[a] = mNew;
#pragma unroll
            for (int c = 0; c < ATT_MAXD / 32; c++) acc[a][c] *= corr;
            for (int r = 0; r < ATT_KT; r++) {
                float pr = __shfl_sync(0xffffffffu, p, r);
                const float* vr = Vs + r * Dv;
#pragma unroll
                for (int c = 0; c < ATT_MAXD / 32; c++) {
                    int d = lane + 32 * c;
                    if (d < Dv) acc[a][c] += pr * vr[d];
                }
            }
        }
    }

#pragma unroll
    for (int a = 0; a < ATT_QPW; a++) {
        i64 i = q0 + warp * ATT_QPW + a;
        if (i >= Tq) break;
        if (splits == 1) {
            float inv = l[a] > 0.f ? 1.f / l[a] : 0.f; // no visible key: 0, like the reference
            float* orow = out + b * ob + i * ot + h * oh;
#pragma unroll
            for (int c = 0; c < ATT_MAXD / 32; c++) {
                int d = lane + 32 * c;
                if (d < Dv) orow[d] = acc[a][c] * inv;
            }
        } else {
            // part: [B, splits, Tq, H, Dv + 2] = (m, l, acc[Dv])
            float* pr = part + ((((i64)b * splits + s) * Tq + i) * H + h) * (Dv + 2);
            if (lane == 0) {
                pr[0] = m[a];
                pr[1] = l[a];
            }
#pragma unroll
            for (int c = 0; c < ATT_MAXD / 32; c++) {
                int d = lane + 32 * c;
                if (d < Dv) pr[2 + d] = acc[a][c];
            }
        }
    }
}

// Merges the splits: one warp per (b, i, h); grid (ceil(B * Tq * H / 8)), 256 threads.
extern "C" __global__ void attn_combine(float* out, const float* part, int B, int Tq, int H, int Dv, int splits,
                                        i64 ob, i64 ot, i64 oh) {
    i64 w = (blockIdx.x * (i64)blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (w >= (i64)B * Tq * H) return;
    int h = (int)(w % H);
    i64 bi = w / H;
    int i = (int)(bi % Tq), b = (int)(bi / Tq);
    float M = NEG_INF;
    for (int s = 0; s < splits; s++) {
        const float* pr = part + ((((i64)b * splits + s) * Tq + i) * H + h) * (Dv + 2);
        M = fmaxf(M, pr[0]);
    }
    float L = 0.f;
    for (int s = 0; s < splits; s++) {
        const float* pr = part + ((((i64)b * splits + s) * Tq + i) * H + h) * (Dv + 2);
        if (pr[0] != NEG_INF) L += pr[1] * expf(pr[0] - M);
    }
    float inv = L > 0.f ? 1.f / L : 0.f;
    float* orow = out + b * ob + (i64)i * ot + h * oh;
    for (int d = lane; d < Dv; d += 32) {
        float a = 0.f;
        for (int s = 0; s < splits; s++) {
            const float* pr = part + ((((i64)b * splits + s) * Tq + i) * H + h) * (Dv + 2);
            if (pr[0] != NEG_INF) a += pr[2 + d] * expf(pr[0] - M);
        }
        orow[d] = a * inv;
    }
}
