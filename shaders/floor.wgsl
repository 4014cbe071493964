// aitviewer's chessboard floor: a 100 × 100 quad in the xz plane at the scene's lowest point,
// 200 tiles per side in two greys, box-filtered so distant tiles do not shimmer.

struct FloorOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) vi: u32) -> FloorOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(1.0, -1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(-1.0, 1.0), vec2<f32>(1.0, 1.0),
    );
    let c = corners[vi % 6u] * frame.floor.z;
    let world = vec3<f32>(c.x, frame.floor.x, c.y);
    var out: FloorOut;
    out.clip = frame.view_proj * vec4<f32>(world, 1.0);
    out.world = world;
    return out;
}

// 0 on one tile colour, 1 on the other, averaged over the pixel's footprint.
fn checker(p: vec2<f32>) -> f32 {
    let w = max(abs(dpdx(p)), abs(dpdy(p))) + vec2<f32>(0.01);
    let i = 2.0 * (abs(fract((p - 0.5 * w) / 2.0) - 0.5) - abs(fract((p + 0.5 * w) / 2.0) - 0.5)) / w;
    return 0.5 - 0.5 * i.x * i.y;
}

@fragment
fn fs_main(in: FloorOut) -> @location(0) vec4<f32> {
    let p = (in.world.xz + vec2<f32>(frame.floor.z)) / frame.floor.y;
    let base = mix(frame.floor_color0, frame.floor_color1, checker(p));
    var n = vec3<f32>(0.0, 1.0, 0.0);
    if (dot(n, view_dir(in.world)) < 0.0) {
        n = -n;
    }
    // aitviewer's floor material has diffuse 0.1: mostly the ambient level.
    // The shadow takes away light 1's diffuse share, as in aitviewer.
    let lit1 = max(dot(n, frame.light1.xyz), 0.0) * frame.light1.w * shadow_factor(in.world, n);
    let diffuse = max(dot(n, frame.light0.xyz), 0.0) * frame.light0.w + lit1;
    let level = clamp(frame.params.x / 0.4, 0.0, 1.0) * 0.9 + 0.1 * diffuse;
    return finish(vec4<f32>(base.rgb * level, 1.0));
}
