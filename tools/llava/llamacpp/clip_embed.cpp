// Runs llama.cpp's own CLIP implementation (tools/mtmd/clip.cpp) on given pixels and writes its image embeddings,
// for tools/llava/llamacpp/check.sh: a check that mm1j reads an mmproj's weights the way llama.cpp does.
//
//   clip_embed MMPROJ PIXELS.f32 SIZE OUT.f32 [THREADS]
//
// PIXELS.f32: raw little-endian float32 [3, SIZE, SIZE] (channels first, already normalised); OUT.f32: raw float32
// [tokens, n_embd]; prints "tokens n_embd". Uses mtmd's internal clip API (clip.h / clip-impl.h), CPU only.
#include "clip.h"
#include "clip-impl.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char ** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s MMPROJ PIXELS.f32 SIZE OUT.f32 [THREADS]\n", argv[0]);
        return 2;
    }
    const int s = atoi(argv[3]);
    const int threads = argc > 5 ? atoi(argv[5]) : 2;
    clip_context_params params{};
    params.use_gpu = false;
    params.device = nullptr;
    params.flash_attn_type = CLIP_FLASH_ATTN_TYPE_DISABLED;
    params.image_min_tokens = -1;
    params.image_max_tokens = -1;
    params.warmup = false;
    clip_init_result r = clip_init(argv[1], params);
    if (r.ctx_v == nullptr) {
        fprintf(stderr, "%s: clip_init failed\n", argv[1]);
        return 1;
    }
    std::vector<float> chw((size_t) 3 * s * s);
    FILE * f = fopen(argv[2], "rb");
    if (f == nullptr || fread(chw.data(), sizeof(float), chw.size(), f) != chw.size()) {
        fprintf(stderr, "%s: cannot read %zu floats\n", argv[2], chw.size());
        return 1;
    }
    fclose(f);
    std::vector<float> hwc(chw.size());
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < s * s; i++) hwc[(size_t) i * 3 + c] = chw[(size_t) c * s * s + i];
    }
    clip_image_f32 img;
    img.set_size({s, s}, false, false);
    img.cpy_buf(hwc);
    const int n_embd = clip_n_mmproj_embd(r.ctx_v);
    std::vector<float> emb((size_t) clip_n_output_tokens(r.ctx_v, &img) * n_embd); // the encoder copies into a sized buffer
    if (!clip_image_encode(r.ctx_v, threads, &img, emb)) {
        fprintf(stderr, "clip_image_encode failed\n");
        return 1;
    }
    FILE * o = fopen(argv[4], "wb");
    if (o == nullptr || fwrite(emb.data(), sizeof(float), emb.size(), o) != emb.size()) {
        fprintf(stderr, "%s: cannot write\n", argv[4]);
        return 1;
    }
    fclose(o);
    printf("%zu %d\n", emb.size() / n_embd, n_embd);
    clip_free(r.ctx_v);
    return 0;
}
