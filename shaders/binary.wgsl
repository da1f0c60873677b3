// Elementwise functions of two same-shape views (broadcasting via zero strides).
// Bindings: 1 out (contiguous), 2 a (view 0), 3 b (view 1).

@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> a_buf: array<u32>;
@group(0) @binding(3) var<storage, read> b_buf: array<u32>;

fn is_nan(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn pow_real(v: f32, e: f32) -> f32 {
    if (e == 0.0) { return 1.0; }
    if (v == 0.0) { return select(bitcast<f32>(0x7f800000u), 0.0, e > 0.0); }
    if (v > 0.0) { return pow(v, e); }
    if (fract(e) != 0.0) { return bitcast<f32>(0x7fc00000u); }
    let m = pow(-v, e);
    return select(m, -m, fract(e * 0.5) != 0.0);
}

fn combine(op: u32, x: f32, y: f32) -> f32 {
    switch op {
        case 0u: { return x + y; }
        case 1u: { return x - y; }
        case 2u: { return x * y; }
        case 3u: { return x / y; }
        case 4u: { return pow_real(x, y); }
        case 5u: {
            if (is_nan(x) || is_nan(y)) { return select(y, x, is_nan(x)); }
            return max(x, y);
        }
        default: {
            if (is_nan(x) || is_nan(y)) { return select(y, x, is_nan(x)); }
            return min(x, y);
        }
    }
}

@compute @workgroup_size(256)
fn binary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    let x = bitcast<f32>(a_buf[strided(i, 0u)]);
    let y = bitcast<f32>(b_buf[strided(i, 1u)]);
    out[i] = bitcast<u32>(combine(opcode(), x, y));
}

// -1, 0 or 1 as the order of two values; 2 when unordered (NaN).
fn order_f32(x: f32, y: f32) -> i32 {
    if (is_nan(x) || is_nan(y)) { return 2; }
    if (x < y) { return -1; }
    if (x > y) { return 1; }
    return 0;
}

fn order_u32(x: u32, y: u32) -> i32 {
    if (x < y) { return -1; }
    if (x > y) { return 1; }
    return 0;
}

fn verdict(op: u32, ord: i32) -> u32 {
    var r = false;
    switch op {
        case 0u: { r = ord == 0; }
        case 1u: { r = ord != 0; }
        case 2u: { r = ord == -1; }
        case 3u: { r = ord == -1 || ord == 0; }
        case 4u: { r = ord == 1; }
        default: { r = ord == 1 || ord == 0; }
    }
    return select(0u, 1u, r);
}

// Param 0: element kind, 0 f32, 1 u32/bool/u8, 2 i64 (view strides in words).
@compute @workgroup_size(256)
fn compare(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    let oa = strided(i, 0u);
    let ob = strided(i, 1u);
    var ord: i32;
    switch param_u(0u) {
        case 0u: { ord = order_f32(bitcast<f32>(a_buf[oa]), bitcast<f32>(b_buf[ob])); }
        case 1u: { ord = order_u32(a_buf[oa], b_buf[ob]); }
        default: {
            let ha = bitcast<i32>(a_buf[oa + 1u]);
            let hb = bitcast<i32>(b_buf[ob + 1u]);
            if (ha < hb) { ord = -1; }
            else if (ha > hb) { ord = 1; }
            else { ord = order_u32(a_buf[oa], b_buf[ob]); }
        }
    }
    out[i] = verdict(opcode(), ord);
}
