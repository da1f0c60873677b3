// out = base with src added where ids point along a dim, computed per output element
// (no atomics, deterministic). opcode: the dim; shape: the base (= out) shape; then the
// ids (= src) shape. Bindings: 1 out, 2 base, 3 ids (u32), 4 src; all contiguous.

@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> base: array<f32>;
@group(0) @binding(3) var<storage, read> ids: array<u32>;
@group(0) @binding(4) var<storage, read> src: array<f32>;

@compute @workgroup_size(256)
fn scatter_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    let r = rank();
    let dim = opcode();
    var acc = base[i];
    // Coordinates of i in the base shape; the ids offset of the same coordinates with the
    // scattered dim at 0, and the ids stride of that dim.
    var rest = i;
    var wanted = 0u;
    var off = 0u;
    var stride = 1u;
    var dim_stride = 1u;
    var dim_len = 0u;
    var inside = true;
    for (var d = r; d > 0u; d = d - 1u) {
        let size = dim_size(d - 1u);
        let c = rest % size;
        rest = rest / size;
        let id_size = info[HEADER + r + d - 1u];
        if (d - 1u == dim) {
            wanted = c;
            dim_stride = stride;
            dim_len = id_size;
        } else {
            if (c >= id_size) { inside = false; }
            off = off + c * stride;
        }
        stride = stride * id_size;
    }
    if (inside) {
        for (var t = 0u; t < dim_len; t = t + 1u) {
            let o = off + t * dim_stride;
            if (ids[o] == wanted) { acc = acc + src[o]; }
        }
    }
    out[i] = acc;
}
