// Reductions of rows: the view (kept dims first, reduced dims last) holds `count()` rows
// of `param_u(0)` elements. Ops: 0 sum, 1 prod, 2 max, 3 min, 4 argmax, 5 argmin.
// Bindings: 1 out (f32 values, or i64 indices as two words), 2 x.

@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> x_buf: array<u32>;

var<workgroup> part_v: array<f32, 256>;
var<workgroup> part_i: array<u32, 256>;

fn is_nan(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn identity(op: u32) -> f32 {
    switch op {
        case 1u: { return 1.0; }
        default: { return 0.0; }
    }
}

// Whether candidate (v, i) replaces the current best (bv, bi) of an arg op.
fn arg_better(op: u32, bv: f32, bi: u32, v: f32, i: u32) -> bool {
    if (is_nan(bv)) { return is_nan(v) && i < bi; }
    if (is_nan(v)) { return true; }
    if (v == bv) { return i < bi; }
    if (op == 4u) { return v > bv; }
    return v < bv;
}

fn fold(op: u32, acc: f32, v: f32) -> f32 {
    switch op {
        case 0u: { return acc + v; }
        case 1u: { return acc * v; }
        case 2u: {
            if (is_nan(acc) || is_nan(v)) { return select(v, acc, is_nan(acc)); }
            return max(acc, v);
        }
        default: {
            if (is_nan(acc) || is_nan(v)) { return select(v, acc, is_nan(acc)); }
            return min(acc, v);
        }
    }
}

fn store(op: u32, row: u32, v: f32, i: u32) {
    if (op >= 4u) {
        out[2u * row] = i;
        out[2u * row + 1u] = 0u;
    } else {
        out[row] = bitcast<u32>(v);
    }
}

fn load(row: u32, inner: u32, j: u32) -> f32 {
    return bitcast<f32>(x_buf[strided(row * inner + j, 0u)]);
}

// One thread per row, for short rows.
@compute @workgroup_size(256)
fn reduce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = linear_id(wid, nwg, lid);
    if (row >= count()) { return; }
    let op = opcode();
    let inner = param_u(0u);
    if (op >= 4u) {
        var bv = load(row, inner, 0u);
        var bi = 0u;
        for (var j = 1u; j < inner; j = j + 1u) {
            let v = load(row, inner, j);
            if (arg_better(op, bv, bi, v, j)) { bv = v; bi = j; }
        }
        store(op, row, bv, bi);
        return;
    }
    var acc = identity(op);
    if (op >= 2u) { acc = load(row, inner, 0u); }
    for (var j = 0u; j < inner; j = j + 1u) {
        acc = fold(op, acc, load(row, inner, j));
    }
    store(op, row, acc, 0u);
}

// One workgroup per row, for long rows.
@compute @workgroup_size(256)
fn reduce_wide(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = group_id(wid, nwg);
    let op = opcode();
    let inner = param_u(0u);
    let t = lid.x;
    var acc = identity(op);
    var best = 0xffffffffu;
    if (op >= 2u && row < count()) { acc = load(row, inner, 0u); best = 0u; }
    if (row < count()) {
        for (var j = t; j < inner; j = j + WG) {
            let v = load(row, inner, j);
            if (op >= 4u) {
                if (best == 0xffffffffu || arg_better(op, acc, best, v, j)) { acc = v; best = j; }
            } else {
                acc = fold(op, acc, v);
            }
        }
    }
    part_v[t] = acc;
    part_i[t] = best;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if (t < s) {
            let v = part_v[t + s];
            let i = part_i[t + s];
            if (op >= 4u) {
                if (i != 0xffffffffu && (part_i[t] == 0xffffffffu
                    || arg_better(op, part_v[t], part_i[t], v, i))) {
                    part_v[t] = v;
                    part_i[t] = i;
                }
            } else {
                part_v[t] = fold(op, part_v[t], v);
            }
        }
        workgroupBarrier();
    }
    if (t == 0u && row < count()) {
        store(op, row, part_v[0], part_i[0]);
    }
}
