// Elementwise choice by a boolean view. Bindings: 1 out (contiguous), 2 condition
// (view 0), 3 on_true (view 1), 4 on_false (view 2); one word per element.

@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> cond: array<u32>;
@group(0) @binding(3) var<storage, read> on_true: array<u32>;
@group(0) @binding(4) var<storage, read> on_false: array<u32>;

@compute @workgroup_size(256)
fn where_cond(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    if (cond[strided(i, 0u)] != 0u) {
        out[i] = on_true[strided(i, 1u)];
    } else {
        out[i] = on_false[strided(i, 2u)];
    }
}
