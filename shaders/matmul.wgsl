// Batched f32 matrix product C[b] = A[b] (M x K) * B[b] (K x N), C contiguous.
// Each 16x16 workgroup computes a 64x64 tile of C, 4x4 outputs per thread, staging
// 64x16 / 16x64 tiles of A and B in workgroup memory.
// info: [0] M, [1] N, [2] K, [3..7] A offset, batch, row and column strides,
// [7..11] the same for B. Bindings: 1 C, 2 A, 3 B.

@group(0) @binding(1) var<storage, read_write> c_buf: array<f32>;
@group(0) @binding(2) var<storage, read> a_buf: array<f32>;
@group(0) @binding(3) var<storage, read> b_buf: array<f32>;

const TILE: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> a_tile: array<f32, 1024>;
var<workgroup> b_tile: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn matmul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
          @builtin(local_invocation_index) li: u32) {
    let m = info[0];
    let n = info[1];
    let k = info[2];
    let batch = wid.z;
    let a_base = info[3] + batch * info[4];
    let b_base = info[7] + batch * info[8];
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    var acc: array<f32, 16>;
    for (var i = 0u; i < 16u; i = i + 1u) { acc[i] = 0.0; }
    var a_frag: array<f32, 4>;
    var b_frag: array<f32, 4>;
    for (var k0 = 0u; k0 < k; k0 = k0 + TK) {
        for (var r = 0u; r < 4u; r = r + 1u) {
            let idx = li + r * 256u;
            // A tile: 64 rows x 16 depth, stored depth-major.
            let am = idx / TK;
            let ak = idx % TK;
            let gm = row0 + am;
            let gk = k0 + ak;
            var av = 0.0;
            if (gm < m && gk < k) { av = a_buf[a_base + gm * info[5] + gk * info[6]]; }
            a_tile[ak * TILE + am] = av;
            // B tile: 16 depth x 64 columns.
            let bk = idx / TILE;
            let bn = idx % TILE;
            let hk = k0 + bk;
            let hn = col0 + bn;
            var bv = 0.0;
            if (hk < k && hn < n) { bv = b_buf[b_base + hk * info[9] + hn * info[10]]; }
            b_tile[bk * TILE + bn] = bv;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk = kk + 1u) {
            for (var i = 0u; i < 4u; i = i + 1u) {
                a_frag[i] = a_tile[kk * TILE + lid.y + 16u * i];
                b_frag[i] = b_tile[kk * TILE + lid.x + 16u * i];
            }
            for (var i = 0u; i < 4u; i = i + 1u) {
                for (var j = 0u; j < 4u; j = j + 1u) {
                    acc[i * 4u + j] = fma(a_frag[i], b_frag[j], acc[i * 4u + j]);
                }
            }
        }
        workgroupBarrier();
    }
    let c_base = batch * m * n;
    for (var i = 0u; i < 4u; i = i + 1u) {
        let row = row0 + lid.y + 16u * i;
        if (row >= m) { continue; }
        for (var j = 0u; j < 4u; j = j + 1u) {
            let col = col0 + lid.x + 16u * j;
            if (col < n) { c_buf[c_base + row * n + col] = acc[i * 4u + j]; }
        }
    }
}
