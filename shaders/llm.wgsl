// Elementwise steps of a decoder layer on plain f32 buffers.
// add_into info: [0] count; bindings 1 x (x += y), 2 y.
// add_bias info: [0] count, [1] cols; bindings 1 x (x[i] += bias[i % cols]), 2 bias.
// swiglu info: [0] count; bindings 1 gate (gate = silu(gate) * up), 2 up.

@group(0) @binding(1) var<storage, read_write> l_out: array<f32>;
@group(0) @binding(2) var<storage, read> l_a: array<f32>;

@compute @workgroup_size(256)
fn add_into(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i < info[0]) { l_out[i] = l_out[i] + l_a[i]; }
}

@compute @workgroup_size(256)
fn add_bias(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i < info[0]) { l_out[i] = l_out[i] + l_a[i % info[1]]; }
}

@compute @workgroup_size(256)
fn swiglu(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i < info[0]) {
        let g = l_out[i];
        l_out[i] = g / (1.0 + exp(-g)) * l_a[i];
    }
}
