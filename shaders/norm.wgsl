// RMSNorm of each row: out = x / sqrt(mean(x^2) + eps) * weight.
// info: [0] rows, [1] cols, [2] eps (f32 bits). Bindings: 1 out, 2 x, 3 weight.
// One workgroup per row.

@group(0) @binding(1) var<storage, read_write> n_out: array<f32>;
@group(0) @binding(2) var<storage, read> n_x: array<f32>;
@group(0) @binding(3) var<storage, read> n_w: array<f32>;

var<workgroup> n_part: array<f32, 256>;

@compute @workgroup_size(256)
fn rms_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = group_id(wid, nwg);
    let cols = info[1];
    let t = lid.x;
    let live = row < info[0];
    var s = 0.0;
    if (live) {
        for (var j = t; j < cols; j = j + WG) {
            let v = n_x[row * cols + j];
            s = fma(v, v, s);
        }
    }
    n_part[t] = s;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k = k / 2u) {
        if (t < k) { n_part[t] = n_part[t] + n_part[t + k]; }
        workgroupBarrier();
    }
    let inv = 1.0 / sqrt(n_part[0] / f32(cols) + bitcast<f32>(info[2]));
    if (live) {
        for (var j = t; j < cols; j = j + WG) {
            n_out[row * cols + j] = n_x[row * cols + j] * inv * n_w[j];
        }
    }
}
