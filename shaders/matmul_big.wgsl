// Batched f32 matrix product for large outputs, C[b] = A[b] (M x K) * B[b] (K x N):
// each 16x16 workgroup computes a 128x128 tile of C, 8x8 outputs per thread held as
// vec4s, over depth steps of 8 staged in double-buffered workgroup memory (the next step
// is fetched into registers while the current one is multiplied).
// info as in matmul.wgsl: [0] M, [1] N, [2] K, [3..7] A offset, batch, row and column
// strides, [7..11] the same for B. Bindings: 1 C, 2 A, 3 B.

@group(0) @binding(1) var<storage, read_write> c_buf: array<f32>;
@group(0) @binding(2) var<storage, read> a_buf: array<f32>;
@group(0) @binding(3) var<storage, read> b_buf: array<f32>;

const BT: u32 = 128u;
const BK: u32 = 8u;
// vec4s per depth row of a staged tile, and per staged tile.
const ROW4: u32 = 32u;
const STAGE4: u32 = 256u;

var<workgroup> a_s: array<vec4<f32>, 512>;
var<workgroup> b_s: array<vec4<f32>, 512>;

@compute @workgroup_size(16, 16)
fn matmul_big(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
              @builtin(local_invocation_index) li: u32) {
    let m = info[0];
    let n = info[1];
    let k = info[2];
    let a_base = info[3] + wid.z * info[4];
    let b_base = info[7] + wid.z * info[8];
    let row0 = wid.y * BT;
    let col0 = wid.x * BT;
    var acc: array<vec4<f32>, 16>;
    for (var i = 0u; i < 16u; i = i + 1u) { acc[i] = vec4<f32>(0.0); }
    var a_next: array<f32, 4>;
    var b_next: array<f32, 4>;
    let steps = (k + BK - 1u) / BK;
    // Fetch step 0 and stage it in buffer 0.
    for (var r = 0u; r < 4u; r = r + 1u) {
        let idx = li + r * 256u;
        let gm = row0 + idx / BK;
        let gk = idx % BK;
        var av = 0.0;
        if (gm < m && gk < k) { av = a_buf[a_base + gm * info[5] + gk * info[6]]; }
        a_next[r] = av;
        let hk = idx / BT;
        let hn = col0 + idx % BT;
        var bv = 0.0;
        if (hk < k && hn < n) { bv = b_buf[b_base + hk * info[9] + hn * info[10]]; }
        b_next[r] = bv;
    }
    for (var r = 0u; r < 4u; r = r + 1u) {
        let idx = li + r * 256u;
        let am = idx / BK;
        a_s[(idx % BK) * ROW4 + am / 4u][am % 4u] = a_next[r];
        let bn = idx % BT;
        b_s[(idx / BT) * ROW4 + bn / 4u][bn % 4u] = b_next[r];
    }
    workgroupBarrier();
    for (var s = 0u; s < steps; s = s + 1u) {
        let cur = (s % 2u) * STAGE4;
        let more = s + 1u < steps;
        if (more) {
            let k0 = (s + 1u) * BK;
            for (var r = 0u; r < 4u; r = r + 1u) {
                let idx = li + r * 256u;
                let gm = row0 + idx / BK;
                let gk = k0 + idx % BK;
                var av = 0.0;
                if (gm < m && gk < k) { av = a_buf[a_base + gm * info[5] + gk * info[6]]; }
                a_next[r] = av;
                let hk = k0 + idx / BT;
                let hn = col0 + idx % BT;
                var bv = 0.0;
                if (hk < k && hn < n) { bv = b_buf[b_base + hk * info[9] + hn * info[10]]; }
                b_next[r] = bv;
            }
        }
        for (var kk = 0u; kk < BK; kk = kk + 1u) {
            let a0 = a_s[cur + kk * ROW4 + lid.y];
            let a1 = a_s[cur + kk * ROW4 + lid.y + 16u];
            let b0 = b_s[cur + kk * ROW4 + lid.x];
            let b1 = b_s[cur + kk * ROW4 + lid.x + 16u];
            for (var i = 0u; i < 4u; i = i + 1u) {
                acc[2u * i] = fma(vec4<f32>(a0[i]), b0, acc[2u * i]);
                acc[2u * i + 1u] = fma(vec4<f32>(a0[i]), b1, acc[2u * i + 1u]);
                acc[8u + 2u * i] = fma(vec4<f32>(a1[i]), b0, acc[8u + 2u * i]);
                acc[8u + 2u * i + 1u] = fma(vec4<f32>(a1[i]), b1, acc[8u + 2u * i + 1u]);
            }
        }
        if (more) {
            let nxt = STAGE4 - cur;
            for (var r = 0u; r < 4u; r = r + 1u) {
                let idx = li + r * 256u;
                let am = idx / BK;
                a_s[nxt + (idx % BK) * ROW4 + am / 4u][am % 4u] = a_next[r];
                let bn = idx % BT;
                b_s[nxt + (idx / BT) * ROW4 + bn / 4u][bn % 4u] = b_next[r];
            }
        }
        workgroupBarrier();
    }
    let c_base = wid.z * m * n;
    for (var i = 0u; i < 8u; i = i + 1u) {
        let row = row0 + (i / 4u) * 64u + lid.y * 4u + i % 4u;
        if (row >= m) { continue; }
        for (var h = 0u; h < 2u; h = h + 1u) {
            let v = acc[(i / 4u) * 8u + 2u * (i % 4u) + h];
            for (var c = 0u; c < 4u; c = c + 1u) {
                let col = col0 + h * 64u + lid.x * 4u + c;
                if (col < n) { c_buf[c_base + row * n + col] = v[c]; }
            }
        }
    }
}
