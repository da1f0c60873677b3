// Rotary position embedding of `[n][heads][head_dim]` rows in place, position of row
// i = start + i, with a host-computed table of (cos, sin) per position and pair.
// info: [0] pairs to rotate (n * heads * half), [1] heads, [2] head_dim, [3] half
// (rotated pairs per head), [4] layout (0 interleaved: pair (2p, 2p+1); 1 half-rotated:
// pair (p, p + half)), [5] start position.
// Bindings: 1 x, 2 table [position][half][2].

@group(0) @binding(1) var<storage, read_write> r_x: array<f32>;
@group(0) @binding(2) var<storage, read> r_table: array<f32>;

@compute @workgroup_size(256)
fn rope(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let t = linear_id(wid, nwg, lid);
    if (t >= info[0]) { return; }
    let half = info[3];
    let p = t % half;
    let head_row = t / half;
    let pos = info[5] + head_row / info[1];
    let base = head_row * info[2];
    var a = base + 2u * p;
    var b = a + 1u;
    if (info[4] == 1u) {
        a = base + p;
        b = base + p + half;
    }
    let cs = (pos * half + p) * 2u;
    let c = r_table[cs];
    let s = r_table[cs + 1u];
    let x0 = r_x[a];
    let x1 = r_x[b];
    r_x[a] = x0 * c - x1 * s;
    r_x[b] = x0 * s + x1 * c;
}
