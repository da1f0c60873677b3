// Sliding 2-D windows over a contiguous [n, c, h, w] input: im2col unfolds them into
// [n, c*kh*kw, oh*ow] columns (a row per kernel tap, a column per output position),
// col2im sums columns back (per output element, no atomics).
// info: [0] count, [1] n, [2] c, [3] h, [4] w, [5] kh, [6] kw, [7] sh, [8] sw, [9] ph,
// [10] pw, [11] dh, [12] dw, [13] oh, [14] ow, [15] pad value (f32 bits).
// Bindings: 1 out, 2 src.

@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;

@compute @workgroup_size(256)
fn im2col(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= info[0]) { return; }
    let c = info[2]; let h = info[3]; let w = info[4];
    let kh = info[5]; let kw = info[6];
    let oh = info[13]; let ow = info[14];
    let cols = c * kh * kw;
    let pos = i % (oh * ow);
    let col = (i / (oh * ow)) % cols;
    let b = i / (cols * oh * ow);
    let ci = col / (kh * kw);
    let ky = (col / kw) % kh;
    let kx = col % kw;
    let y = i32((pos / ow) * info[7] + ky * info[11]) - i32(info[9]);
    let x = i32((pos % ow) * info[8] + kx * info[12]) - i32(info[10]);
    var v = bitcast<f32>(info[15]);
    if (y >= 0 && y < i32(h) && x >= 0 && x < i32(w)) {
        v = src[((b * c + ci) * h + u32(y)) * w + u32(x)];
    }
    out[i] = v;
}

@compute @workgroup_size(256)
fn col2im(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= info[0]) { return; }
    let c = info[2]; let h = info[3]; let w = info[4];
    let kh = info[5]; let kw = info[6];
    let sh = info[7]; let sw = info[8];
    let oh = info[13]; let ow = info[14];
    let x = i % w;
    let y = (i / w) % h;
    let ci = (i / (w * h)) % c;
    let b = i / (w * h * c);
    let cols = c * kh * kw;
    var acc = 0.0;
    for (var ky = 0u; ky < kh; ky = ky + 1u) {
        let ty = i32(y + info[9]) - i32(ky * info[11]);
        if (ty < 0 || u32(ty) % sh != 0u || u32(ty) / sh >= oh) { continue; }
        let oy = u32(ty) / sh;
        for (var kx = 0u; kx < kw; kx = kx + 1u) {
            let tx = i32(x + info[10]) - i32(kx * info[12]);
            if (tx < 0 || u32(tx) % sw != 0u || u32(tx) / sw >= ow) { continue; }
            let ox = u32(tx) / sw;
            acc = acc + src[(b * cols + ci * kh * kw + ky * kw + kx) * oh * ow + oy * ow + ox];
        }
    }
    out[i] = acc;
}
