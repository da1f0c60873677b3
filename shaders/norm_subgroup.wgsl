// RMSNorm of each row with subgroup sums (adapters with wgpu's SUBGROUP feature, which
// makes the subgroup built-ins available without a directive): as norm.wgsl, but
// each subgroup adds its lanes' squares in registers and only one value per subgroup
// goes through workgroup memory.
// info: [0] rows, [1] cols, [2] eps (f32 bits). Bindings: 1 out, 2 x, 3 weight.

@group(0) @binding(1) var<storage, read_write> n_out: array<f32>;
@group(0) @binding(2) var<storage, read> n_x: array<f32>;
@group(0) @binding(3) var<storage, read> n_w: array<f32>;

var<workgroup> n_part: array<f32, 256>;

@compute @workgroup_size(256)
fn rms_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>,
            @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_id) sg: u32,
            @builtin(num_subgroups) groups: u32) {
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
    s = subgroupAdd(s);
    if (lane == 0u) { n_part[sg] = s; }
    workgroupBarrier();
    var total = 0.0;
    for (var g = 0u; g < groups; g = g + 1u) { total = total + n_part[g]; }
    let inv = 1.0 / sqrt(total / f32(cols) + bitcast<f32>(info[2]));
    if (live) {
        for (var j = t; j < cols; j = j + WG) {
            n_out[row * cols + j] = n_x[row * cols + j] * inv * n_w[j];
        }
    }
}
