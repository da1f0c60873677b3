// Shared by every kernel family: the kernel info block and strided indexing.
//
// info layout (u32 words): [0] element count, [1] rank, [2] op code, [3..8] parameters
// (f32 bits or u32), [8..8+rank] shape, then per operand k: offset, strides[rank].

@group(0) @binding(0) var<storage, read> info: array<u32>;

const HEADER: u32 = 8u;
const WG: u32 = 256u;

fn count() -> u32 { return info[0]; }
fn rank() -> u32 { return info[1]; }
fn opcode() -> u32 { return info[2]; }
fn param_f(i: u32) -> f32 { return bitcast<f32>(info[3u + i]); }
fn param_u(i: u32) -> u32 { return info[3u + i]; }
fn dim_size(d: u32) -> u32 { return info[HEADER + d]; }

// Storage offset (in words) of row-major element `i` of operand `k`.
fn strided(i: u32, k: u32) -> u32 {
    let r = info[1];
    let base = HEADER + r + k * (r + 1u);
    var off = info[base];
    var rest = i;
    for (var d = r; d > 0u; d = d - 1u) {
        let size = info[HEADER + d - 1u];
        off = off + (rest % size) * info[base + d];
        rest = rest / size;
    }
    return off;
}

// Linear thread id over a dispatch folded into two dimensions.
fn linear_id(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wid.y * nwg.x + wid.x) * WG + lid.x;
}

// Linear workgroup id over a dispatch folded into two dimensions.
fn group_id(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.y * nwg.x + wid.x;
}
