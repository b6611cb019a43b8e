package dev.mm1j.core.backend.reference;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.HostBackend;
import dev.mm1j.core.backend.UnaryOp;

/**
 * The reference backend: plain scalar Java, sums in double, the definition of every op. Slow by design;
 * every other backend is tested against it. Works on any host tensor (allocated, wrapped or mapped).
 */
public final class ReferenceBackend extends HostBackend {

    public static final String NAME = "reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "reference (scalar Java, one thread)";
    }

    @Override
    public void matmul(Tensor out, Tensor x, Tensor w) {
        RefProducts.matmul(out, x, w);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        RefElementwise.copy(out, x);
    }

    @Override
    public void fill(Tensor out, float value) {
        RefElementwise.fill(out, value);
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        RefElementwise.binary(out, a, b, false);
    }

    @Override
    public void mul(Tensor out, Tensor a, Tensor b) {
        RefElementwise.binary(out, a, b, true);
    }

    @Override
    public void scale(Tensor out, Tensor x, float s) {
        RefElementwise.scale(out, x, s);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        RefElementwise.unary(op, out, x);
    }

    @Override
    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        RefRows.softmax(out, x, causal, offset);
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        RefRows.layerNorm(out, x, weight, bias, eps);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        RefRows.rmsNorm(out, x, weight, eps);
    }

    @Override
    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        RefRows.rope(out, x, positions, invFreq);
    }

    @Override
    public void mean(Tensor out, Tensor x) {
        RefRows.mean(out, x);
    }

    @Override
    public void adaptiveAvgPool2d(Tensor out, Tensor x) {
        RefSpatial.adaptiveAvgPool2d(out, x);
    }

    @Override
    public void resizeBicubic(Tensor out, Tensor x) {
        RefSpatial.resizeBicubic(out, x);
    }

    @Override
    public void getRows(Tensor out, Tensor table, Tensor ids) {
        RefIndexing.getRows(out, table, ids);
    }

    @Override
    public void topK(Tensor values, Tensor indices, Tensor x, int k) {
        RefIndexing.topK(values, indices, x, k);
    }

    @Override
    public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        RefIndexing.indexAdd(out, src, ids, weights);
    }

    @Override
    public void setRows(Tensor out, Tensor src, Tensor ids) {
        RefIndexing.setRows(out, src, ids);
    }

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        RefSpatial.conv2d(out, x, w, stride, padding, groups);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        RefAttention.attention(out, q, k, v, scale, causal, qOffset);
    }
}
