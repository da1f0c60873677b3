// Softmax (param 0 = 0) or log-softmax (param 0 = 1) of each of `count()` rows of
// `param_u(1)` elements of the view 0. One workgroup per row.
// Bindings: 1 out (contiguous), 2 x.

@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> x_buf: array<u32>;

var<workgroup> part: array<f32, 256>;

fn is_nan(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn load(row: u32, cols: u32, j: u32) -> f32 {
    return bitcast<f32>(x_buf[strided(row * cols + j, 0u)]);
}

@compute @workgroup_size(256)
fn softmax_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = group_id(wid, nwg);
    let live = row < count();
    let log_out = param_u(0u) == 1u;
    let cols = param_u(1u);
    let t = lid.x;
    var m = bitcast<f32>(0xff800000u);
    if (live) {
        for (var j = t; j < cols; j = j + WG) {
            m = max(m, load(row, cols, j));
        }
    }
    part[t] = m;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if (t < s) { part[t] = max(part[t], part[t + s]); }
        workgroupBarrier();
    }
    var shift = part[0];
    if (is_nan(shift) || abs(shift) > 3.4e38) { shift = 0.0; }
    workgroupBarrier();
    var sum = 0.0;
    if (live) {
        for (var j = t; j < cols; j = j + WG) {
            sum = sum + exp(load(row, cols, j) - shift);
        }
    }
    part[t] = sum;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if (t < s) { part[t] = part[t] + part[t + s]; }
        workgroupBarrier();
    }
    let total = part[0];
    if (!live) { return; }
    let lse = shift + log(total);
    for (var j = t; j < cols; j = j + WG) {
        let x = load(row, cols, j);
        var y: f32;
        if (log_out) { y = x - lse; } else { y = exp(x - shift) / total; }
        out[row * cols + j] = bitcast<u32>(y);
    }
}
