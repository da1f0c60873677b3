// Strided copies and dtype conversions. Bindings: 1 destination, 2 source (u32 words).

@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;

// dst[view 0] = src[view 1], one word per element (8-byte dtypes add a trailing dim of 2).
@compute @workgroup_size(256)
fn copy_strided(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    dst[strided(i, 0u)] = src[strided(i, 1u)];
}

// Kinds: 0 f32, 1 u32, 2 i64 (two words, view strides in words), 3 bool, 4 u8.
fn load_f32(kind: u32, o: u32) -> f32 {
    switch kind {
        case 0u: { return bitcast<f32>(src[o]); }
        case 2u: {
            let lo = src[o];
            let hi = bitcast<i32>(src[o + 1u]);
            // Values within 32 bits convert directly (no cancellation of the two words).
            if (hi == 0) { return f32(lo); }
            if (hi == -1 && lo >= 0x80000000u) { return f32(bitcast<i32>(lo)); }
            return f32(hi) * 4294967296.0 + f32(lo);
        }
        default: { return f32(src[o]); }
    }
}

// Contiguous dst (kind param 1) from the view 0 of src (kind param 0); out-of-range
// values saturate like Rust's `as` from f64.
@compute @workgroup_size(256)
fn convert(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = linear_id(wid, nwg, lid);
    if (i >= count()) { return; }
    let src_kind = param_u(0u);
    let dst_kind = param_u(1u);
    let o = strided(i, 0u);
    let x = load_f32(src_kind, o);
    // Integers as sign, "above 32 bits" and low word; floats through x.
    let is_int = src_kind != 0u;
    var neg = false;
    var big = false;
    let lo = src[o];
    var hi = 0u;
    if (src_kind == 2u) {
        hi = src[o + 1u];
        neg = bitcast<i32>(hi) < 0;
        big = bitcast<i32>(hi) > 0;
    }
    switch dst_kind {
        case 0u: { dst[i] = bitcast<u32>(x); }
        case 1u: {
            if (!is_int) { dst[i] = u32(max(x, 0.0)); }
            else if (neg) { dst[i] = 0u; }
            else if (big) { dst[i] = 0xffffffffu; }
            else { dst[i] = lo; }
        }
        case 2u: {
            var out_lo = lo;
            var out_hi = hi;
            if (!is_int) {
                let t = trunc(x);
                if (abs(t) < 2147483648.0) {
                    let v = i32(t);
                    out_lo = bitcast<u32>(v);
                    out_hi = select(0u, 0xffffffffu, v < 0);
                } else {
                    // Large values are multiples of 256, so the split is exact.
                    let h = floor(t / 4294967296.0);
                    out_lo = u32(t - h * 4294967296.0);
                    out_hi = bitcast<u32>(i32(clamp(h, -2147483648.0, 2147483520.0)));
                }
            }
            dst[2u * i] = out_lo;
            dst[2u * i + 1u] = out_hi;
        }
        case 3u: {
            if (is_int) { dst[i] = select(0u, 1u, (lo | hi) != 0u); }
            else { dst[i] = select(0u, 1u, x != 0.0); }
        }
        default: {
            if (!is_int) { dst[i] = u32(clamp(x, 0.0, 255.0)); }
            else if (neg) { dst[i] = 0u; }
            else if (big || lo > 255u) { dst[i] = 255u; }
            else { dst[i] = lo; }
        }
    }
}
