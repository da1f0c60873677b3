// Indexed reads from a contiguous source with u32 indices (validated on the host).
// Bindings: 1 out (contiguous), 2 src, 3 ids. One word per element.

@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read> ids: array<u32>;

// param 0: ids count, 1: size of the indexed dim, 2: elements after it.
@compute @workgroup_size(256)
fn index_select(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    let n_ids = param_u(0u);
    let size = param_u(1u);
    let inner = param_u(2u);
    let within = i % inner;
    let j = (i / inner) % n_ids;
    let outer = i / (inner * n_ids);
    out[i] = src[(outer * size + ids[j]) * inner + within];
}

// opcode: the gathered dim; shape: the ids (= out) shape; then the source shape.
@compute @workgroup_size(256)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    let r = rank();
    let dim = opcode();
    var rest = i;
    var off = 0u;
    var stride = 1u;
    for (var d = r; d > 0u; d = d - 1u) {
        let size = dim_size(d - 1u);
        var c = rest % size;
        rest = rest / size;
        if (d - 1u == dim) { c = ids[i]; }
        off = off + c * stride;
        stride = stride * info[HEADER + r + d - 1u];
    }
    out[i] = src[off];
}
