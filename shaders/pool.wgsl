// Max pooling over 2-D windows of a contiguous [n, c, h, w] input, and its adjoint.
// info: [0] count, [1] n, [2] c, [3] h, [4] w, [5] kh, [6] kw, [7] sh, [8] sw, [9] ph,
// [10] pw, [11] dh, [12] dw, [13] oh, [14] ow, [15] unused.
// Bindings: 1 out, 2 argmax (flat y * w + x of each maximum in its plane), 3 src.
// Forward: out = maxima [n, c, oh, ow], src = input. Backward: out = input gradient
// [n, c, h, w], src = output gradient [n, c, oh, ow] (gathered per input element, no atomics).

@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(3) var<storage, read> src: array<f32>;

@compute @workgroup_size(256)
fn max_pool2d(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= info[0]) { return; }
    let h = info[3]; let w = info[4];
    let oh = info[13]; let ow = info[14];
    let base = (i / (oh * ow)) * h * w;
    let oy = (i / ow) % oh;
    let ox = i % ow;
    var found = false;
    var best = 0.0;
    var at = 0u;
    for (var ky = 0u; ky < info[5]; ky = ky + 1u) {
        let y = i32(oy * info[7] + ky * info[11]) - i32(info[9]);
        if (y < 0 || y >= i32(h)) { continue; }
        for (var kx = 0u; kx < info[6]; kx = kx + 1u) {
            let x = i32(ox * info[8] + kx * info[12]) - i32(info[10]);
            if (x < 0 || x >= i32(w)) { continue; }
            let v = src[base + u32(y) * w + u32(x)];
            // The first maximum wins ties; a NaN wins over numbers.
            if (!found || ((v > best || v != v) && best == best)) {
                best = v;
                at = u32(y) * w + u32(x);
                found = true;
            }
        }
    }
    out[i] = best;
    argmax[i] = at;
}

@compute @workgroup_size(256)
fn max_pool2d_backward(@builtin(workgroup_id) wid: vec3<u32>,
                       @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= info[0]) { return; }
    let h = info[3]; let w = info[4];
    let sh = info[7]; let sw = info[8];
    let oh = info[13]; let ow = info[14];
    let x = i % w;
    let y = (i / w) % h;
    let base = (i / (h * w)) * oh * ow;
    var acc = 0.0;
    for (var ky = 0u; ky < info[5]; ky = ky + 1u) {
        let ty = i32(y + info[9]) - i32(ky * info[11]);
        if (ty < 0 || u32(ty) % sh != 0u || u32(ty) / sh >= oh) { continue; }
        for (var kx = 0u; kx < info[6]; kx = kx + 1u) {
            let tx = i32(x + info[10]) - i32(kx * info[12]);
            if (tx < 0 || u32(tx) % sw != 0u || u32(tx) / sw >= ow) { continue; }
            let o = base + (u32(ty) / sh) * ow + u32(tx) / sw;
            if (argmax[o] == y * w + x) {
                acc = acc + src[o];
            }
        }
    }
    out[i] = acc;
}
