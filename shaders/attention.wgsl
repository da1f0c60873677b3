// Causal grouped-query attention, flash style: keys and values are visited in tiles of
// 64 with an online softmax, so memory does not grow with the sequence length. One
// workgroup per (head, query); queries are the last n of `len` cached positions, query i
// sees positions 0..=len-n+i. Serves prefill (n > 1) and decode (n = 1) alike.
// info: [0] n, [1] n_heads, [2] n_kv_heads, [3] head_dim (<= 256), [4] len,
// [5] scale (f32 bits).
// Bindings: 1 out [n][n_heads][head_dim], 2 q (same layout), 3 keys, 4 values
// ([position][n_kv_heads][head_dim]).

@group(0) @binding(1) var<storage, read_write> a_out: array<f32>;
@group(0) @binding(2) var<storage, read> a_q: array<f32>;
@group(0) @binding(3) var<storage, read> a_k: array<f32>;
@group(0) @binding(4) var<storage, read> a_v: array<f32>;

const AT: u32 = 64u;
const LOWEST: f32 = -3.0e38;

var<workgroup> a_query: array<f32, 256>;
var<workgroup> a_weight: array<f32, 64>;
var<workgroup> a_red: array<f32, 64>;

// Max (op 0) or sum (op 1) of every thread's `v`, returned to all threads.
fn reduce_all(t: u32, v: f32, op: u32) -> f32 {
    a_red[t] = v;
    workgroupBarrier();
    for (var s = AT / 2u; s > 0u; s = s / 2u) {
        if (t < s) {
            if (op == 0u) {
                a_red[t] = max(a_red[t], a_red[t + s]);
            } else {
                a_red[t] = a_red[t] + a_red[t + s];
            }
        }
        workgroupBarrier();
    }
    let r = a_red[0];
    workgroupBarrier();
    return r;
}

@compute @workgroup_size(64)
fn attention(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let n = info[0];
    let n_heads = info[1];
    let hd = info[3];
    let len = info[4];
    let scale = bitcast<f32>(info[5]);
    let h = wid.x;
    let i = wid.y;
    let t = lid.x;
    let kv_dim = info[2] * hd;
    let kv_off = (h / (n_heads / info[2])) * hd;
    let qo = (i * n_heads + h) * hd;
    let pos = len - n + i;
    for (var d = t; d < hd; d = d + AT) { a_query[d] = a_q[qo + d] * scale; }
    workgroupBarrier();
    var acc: array<f32, 4>;
    for (var j = 0u; j < 4u; j = j + 1u) { acc[j] = 0.0; }
    var m = LOWEST;
    var l = 0.0;
    for (var start = 0u; start <= pos; start = start + AT) {
        let key = start + t;
        var s = LOWEST;
        if (key <= pos) {
            let kb = key * kv_dim + kv_off;
            s = 0.0;
            for (var d = 0u; d < hd; d = d + 1u) { s = fma(a_query[d], a_k[kb + d], s); }
        }
        let new_m = max(m, reduce_all(t, s, 0u));
        let corr = exp(m - new_m);
        var w = 0.0;
        if (key <= pos) { w = exp(s - new_m); }
        a_weight[t] = w;
        l = l * corr + w;
        m = new_m;
        workgroupBarrier();
        let count = min(AT, pos + 1u - start);
        for (var j = 0u; j < 4u; j = j + 1u) {
            let d = t + j * AT;
            if (d < hd) {
                var a = acc[j] * corr;
                for (var e = 0u; e < count; e = e + 1u) {
                    a = fma(a_weight[e], a_v[(start + e) * kv_dim + kv_off + d], a);
                }
                acc[j] = a;
            }
        }
        workgroupBarrier();
    }
    let total = reduce_all(t, l, 1u);
    for (var j = 0u; j < 4u; j = j + 1u) {
        let d = t + j * AT;
        if (d < hd) { a_out[qo + d] = acc[j] / total; }
    }
}
