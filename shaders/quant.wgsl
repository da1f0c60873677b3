// Matrix products and row lookups with weights kept in their ggml encoding: the raw
// bytes of each row are bound as u32 words and decoded in the kernel.
//
// A row is read in units of 32 values. Unit `u` of a row decodes as `a * q[j] - b`
// (j < 32), with `(a, b)` from the unit's scales and `q[j]` the stored value:
//   F32 (0): a = 1, b = 0, q = the float    F16 (1): as F32 from half floats
//   Q4_0 (2): 18-byte blocks, a = d, b = 8d, q = nibble
//   Q8_0 (3): 34-byte blocks, a = d, b = 0, q = signed byte
//   Q4_K (4): 144-byte super-blocks of 8 units, a = d * scale, b = dmin * min, q = nibble
//
// Block-quantized weights multiply activations rounded to 8 bits as ggml does: blocks
// of 32 values (Q4_0, Q8_0) or 256 (Q4_K) scaled by max|x| / 127 (`quantize_x`), so
// the integer products and the result equal the CPU path's.
//
// quantize_x info: [0] blocks, [1] block size, [2] values. Bindings: 1 out (rounded
// values, then one scale per block), 2 x. One thread per block.
// qmatmul info: [0] rows, [1] cols, [2] vectors n, [3] type, [4] row bytes,
// [5] activation block size (0: plain f32 activations), [6] word of the first scale.
// Bindings: 1 out [n][rows], 2 weight words, 3 x [n][cols] (+ scales). One workgroup
// per output row (folded over x and y) and vector (z).
// embed info: [0] cols, [1] type, [2] row bytes, [3] tokens n, [4] rows.
// Bindings: 1 out [n][cols], 2 weight words, 3 token ids.

@group(0) @binding(1) var<storage, read_write> q_out: array<f32>;
@group(0) @binding(2) var<storage, read> wq: array<u32>;
@group(0) @binding(3) var<storage, read> q_in: array<u32>;

const T_F32: u32 = 0u;
const T_F16: u32 = 1u;
const T_Q4_0: u32 = 2u;
const T_Q8_0: u32 = 3u;
const T_Q4_K: u32 = 4u;
const QG: u32 = 64u;

var<workgroup> q_part: array<f32, 64>;

fn byte_at(o: u32) -> u32 {
    return (wq[o >> 2u] >> ((o & 3u) * 8u)) & 0xffu;
}

// The half float at even byte offset `o`.
fn half_at(o: u32) -> f32 {
    let pair = unpack2x16float(wq[o >> 2u]);
    if ((o & 2u) != 0u) { return pair.y; }
    return pair.x;
}

// The 6-bit scale (x) and minimum (y) of group `g` of the Q4_K block at byte `o`.
fn k_scale_min(o: u32, g: u32) -> vec2<u32> {
    let s = o + 4u;
    if (g < 4u) {
        return vec2<u32>(byte_at(s + g) & 63u, byte_at(s + g + 4u) & 63u);
    }
    let sc = (byte_at(s + g + 4u) & 15u) | ((byte_at(s + g - 4u) >> 6u) << 4u);
    let mn = (byte_at(s + g + 4u) >> 4u) | ((byte_at(s + g) >> 6u) << 4u);
    return vec2<u32>(sc, mn);
}

// (a, b) of unit `u` of the row starting at byte `r`.
fn unit_affine(ty: u32, r: u32, u: u32) -> vec2<f32> {
    switch ty {
        case 2u: {
            let d = half_at(r + u * 18u);
            return vec2<f32>(d, 8.0 * d);
        }
        case 3u: {
            return vec2<f32>(half_at(r + u * 34u), 0.0);
        }
        case 4u: {
            let o = r + (u / 8u) * 144u;
            let sm = k_scale_min(o, u % 8u);
            return vec2<f32>(half_at(o) * f32(sm.x), half_at(o + 2u) * f32(sm.y));
        }
        default: {
            return vec2<f32>(1.0, 0.0);
        }
    }
}

// Stored value `j` of unit `u` of the row starting at byte `r`.
fn unit_raw(ty: u32, r: u32, u: u32, j: u32) -> f32 {
    switch ty {
        case 0u: {
            return bitcast<f32>(wq[(r >> 2u) + u * 32u + j]);
        }
        case 1u: {
            return half_at(r + (u * 32u + j) * 2u);
        }
        case 2u: {
            let qs = r + u * 18u + 2u;
            if (j < 16u) { return f32(byte_at(qs + j) & 15u); }
            return f32(byte_at(qs + j - 16u) >> 4u);
        }
        case 3u: {
            return f32(i32(byte_at(r + u * 34u + 2u + j) << 24u) >> 24u);
        }
        default: {
            let o = r + (u / 8u) * 144u;
            let g = u % 8u;
            let b = byte_at(o + 16u + (g / 2u) * 32u + j);
            return f32((b >> (4u * (g % 2u))) & 15u);
        }
    }
}

// The upper 12 significant bits of `a` (Veltkamp split): products of two such halves are
// exact in f32.
fn split_hi(a: f32) -> f32 {
    let c = 4097.0 * a;
    return c - (c - a);
}

// 127 / b rounded correctly (the division operator may be a few ulps off on some
// devices, and the CPU quantizer multiplies by the correctly rounded quotient): one
// correction step with the exact residual of q0 * b (Dekker's product).
fn div_127(b: f32) -> f32 {
    let q0 = 127.0 / b;
    let p = q0 * b;
    let qh = split_hi(q0);
    let ql = q0 - qh;
    let bh = split_hi(b);
    let bl = b - bh;
    let e = ((qh * bh - p) + qh * bl + ql * bh) + ql * bl;
    let r = (127.0 - p) - e;
    return q0 + r / b;
}

// Rounds half away from zero, as the CPU quantizer does.
fn round_away(v: f32) -> f32 {
    let t = trunc(v);
    if (abs(v - t) >= 0.5) { return t + sign(v); }
    return t;
}

@compute @workgroup_size(256)
fn quantize_x(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
    let b = linear_id(wid, nwg, lid);
    if (b >= info[0]) { return; }
    let size = info[1];
    let base = b * size;
    var amax = 0.0;
    for (var j = 0u; j < size; j = j + 1u) {
        amax = max(amax, abs(bitcast<f32>(wq[base + j])));
    }
    var id = 0.0;
    if (amax > 0.0) { id = div_127(amax); }
    for (var j = 0u; j < size; j = j + 1u) {
        q_out[base + j] = round_away(bitcast<f32>(wq[base + j]) * id);
    }
    q_out[info[2] + b] = amax / 127.0;
}

@compute @workgroup_size(64)
fn qmatmul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_id) lid: vec3<u32>) {
    let rows = info[0];
    let cols = info[1];
    let ty = info[3];
    let row = wid.y * nwg.x + wid.x;
    let vec_i = wid.z;
    let t = lid.x;
    var acc = 0.0;
    if (row < rows) {
        let r = row * info[4];
        let xb = vec_i * cols;
        for (var u = t; u < cols / 32u; u = u + QG) {
            let ab = unit_affine(ty, r, u);
            var qdot = 0.0;
            var sum = 0.0;
            for (var j = 0u; j < 32u; j = j + 1u) {
                let xv = bitcast<f32>(q_in[xb + u * 32u + j]);
                qdot = fma(unit_raw(ty, r, u, j), xv, qdot);
                sum = sum + xv;
            }
            var dx = 1.0;
            if (info[5] != 0u) { dx = bitcast<f32>(q_in[info[6] + (xb + u * 32u) / info[5]]); }
            acc = acc + dx * (ab.x * qdot - ab.y * sum);
        }
    }
    q_part[t] = acc;
    workgroupBarrier();
    for (var s = QG / 2u; s > 0u; s = s / 2u) {
        if (t < s) { q_part[t] = q_part[t] + q_part[t + s]; }
        workgroupBarrier();
    }
    if (t == 0u && row < rows) {
        q_out[vec_i * rows + row] = q_part[0];
    }
}

@compute @workgroup_size(256)
fn embed(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_id) lid: vec3<u32>) {
    let cols = info[0];
    let i = linear_id(wid, nwg, lid);
    if (i >= cols * info[3]) { return; }
    let token = min(q_in[i / cols], info[4] - 1u);
    let c = i % cols;
    let ty = info[1];
    let r = token * info[2];
    let ab = unit_affine(ty, r, c / 32u);
    q_out[i] = ab.x * unit_raw(ty, r, c / 32u, c % 32u) - ab.y;
}
