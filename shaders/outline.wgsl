// Selection outline: a full-screen pass over the mask of the outlined nodes (rendered into an
// R8 texture without depth test); pixels outside the mask but within a few pixels of it are
// painted in aitviewer's outline yellow.

@group(2) @binding(0) var mask_tex: texture_2d<f32>;
@group(2) @binding(1) var mask_smp: sampler;

struct OutlineOut {
    @builtin(position) clip: vec4<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) vi: u32) -> OutlineOut {
    var pts = array<vec2<f32>, 3>(vec2<f32>(-1.0, -1.0), vec2<f32>(3.0, -1.0), vec2<f32>(-1.0, 3.0));
    var out: OutlineOut;
    out.clip = vec4<f32>(pts[vi % 3u], 0.0, 1.0);
    return out;
}

fn mask_at(px: vec2<f32>) -> f32 {
    let size = frame.params.zw;
    return textureSampleLevel(mask_tex, mask_smp, px / size, 0.0).r;
}

@fragment
fn fs_main(in: OutlineOut) -> @location(0) vec4<f32> {
    let px = in.clip.xy;
    if (mask_at(px) > 0.5) {
        discard;
    }
    var near = 0.0;
    for (var dy = -3; dy <= 3; dy++) {
        for (var dx = -3; dx <= 3; dx++) {
            if (dx * dx + dy * dy <= 10) {
                near = max(near, mask_at(px + vec2<f32>(f32(dx), f32(dy))));
            }
        }
    }
    if (near < 0.5) {
        discard;
    }
    return finish(frame.outline_color);
}
