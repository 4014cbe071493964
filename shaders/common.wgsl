// Shared declarations: every pipeline file in shaders/ is compiled as common.wgsl followed by
// that file (see viewer-web/src/render/shaders.rs). Uniform buffers only: no storage buffers,
// so the same shaders run on WebGPU and WebGL2.

struct FrameUniforms {
    view_proj: mat4x4<f32>,
    view: mat4x4<f32>,
    proj: mat4x4<f32>,
    inv_view: mat4x4<f32>,
    // xyz eye position, w = 1 for an orthographic camera.
    eye: vec4<f32>,
    // xyz view direction, w = camera distance to its target.
    forward: vec4<f32>,
    // xyz unit vector towards each light, w its strength.
    light0: vec4<f32>,
    light1: vec4<f32>,
    // x ambient, y = 1 when the target is sRGB, z viewport width, w viewport height.
    params: vec4<f32>,
    // x floor height, y tile size, z half side length.
    floor: vec4<f32>,
    floor_color0: vec4<f32>,
    floor_color1: vec4<f32>,
    outline_color: vec4<f32>,
    // World to shadow-map clip space (light 1, aitviewer's shadow-casting "Front Light").
    shadow_view_proj: mat4x4<f32>,
    // x normal offset (world), y depth bias, z one texel in map coordinates, w = 1 when on.
    shadow: vec4<f32>,
};

@group(0) @binding(0) var<uniform> frame: FrameUniforms;
// The shadow map and its LessEqual comparison sampler (bilinear: each tap is a 2×2 PCF).
// Only the main pass binds them; the shadow pass's entry points never read them.
@group(0) @binding(1) var shadow_map: texture_depth_2d;
@group(0) @binding(2) var shadow_sampler: sampler_comparison;

struct DrawUniforms {
    model: mat4x4<f32>,
    tint: vec4<f32>,
    // x = 1 for flat shading.
    params: vec4<f32>,
};

@group(1) @binding(0) var<uniform> draw: DrawUniforms;

fn is_ortho() -> bool {
    return frame.eye.w > 0.5;
}

// Unit vector from a world point towards the viewer.
fn view_dir(world: vec3<f32>) -> vec3<f32> {
    if (is_ortho()) {
        return -frame.forward.xyz;
    }
    let d = frame.eye.xyz - world;
    let len = length(d);
    if (len < 1e-12) {
        return -frame.forward.xyz;
    }
    return d / len;
}

fn light_term(base: vec3<f32>, n: vec3<f32>, v: vec3<f32>, light: vec4<f32>) -> vec3<f32> {
    let l = light.xyz;
    let ndl = dot(n, l);
    if (ndl <= 0.0) {
        return vec3<f32>(0.0);
    }
    let diffuse = base * (0.5 * light.w * ndl);
    let h = normalize(l + v);
    let spec = 0.12 * light.w * pow(max(dot(n, h), 0.0), 32.0);
    return diffuse + vec3<f32>(spec);
}

// How much of the shadow-casting light reaches `world` (normal `n`): 1 lit, 0 in shadow.
// The point is moved along its normal by about a texel and compared with a small depth bias
// (no acne on lit surfaces); bilinear comparison taps soften the edge (PCF). Points outside the
// map are lit; points beyond its far side compare as at the far side (behind every caster).
fn shadow_factor(world: vec3<f32>, n: vec3<f32>) -> f32 {
    if (frame.shadow.w < 0.5) {
        return 1.0;
    }
    let ls = frame.shadow_view_proj * vec4<f32>(world + n * frame.shadow.x, 1.0);
    let uv = vec2<f32>(ls.x * 0.5 + 0.5, 0.5 - ls.y * 0.5);
    if (any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0))) {
        return 1.0;
    }
    let depth = min(ls.z, 1.0) - frame.shadow.y;
    // Four bilinear comparison taps one texel off the centre: a 4 × 4-texel footprint, as
    // smooth as 3 × 3 taps at less than half the sampling cost.
    let d = frame.shadow.z;
    var lit = textureSampleCompareLevel(shadow_map, shadow_sampler, uv + vec2<f32>(-d, -d), depth);
    lit += textureSampleCompareLevel(shadow_map, shadow_sampler, uv + vec2<f32>(d, -d), depth);
    lit += textureSampleCompareLevel(shadow_map, shadow_sampler, uv + vec2<f32>(-d, d), depth);
    lit += textureSampleCompareLevel(shadow_map, shadow_sampler, uv + vec2<f32>(d, d), depth);
    return lit * 0.25;
}

// Ambient plus aitviewer's two directional lights (diffuse 0.5) and a faint Blinn-Phong
// highlight so curvature reads. Light 1 is shadowed as in aitviewer: the shadow removes its
// diffuse (and highlight) term, never the ambient.
fn shade(base: vec3<f32>, n: vec3<f32>, world: vec3<f32>) -> vec3<f32> {
    let v = view_dir(world);
    var c = base * frame.params.x;
    c += light_term(base, n, v, frame.light0);
    if (dot(n, frame.light1.xyz) > 0.0) {
        c += light_term(base, n, v, frame.light1) * shadow_factor(world, n);
    }
    return c;
}

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let x = clamp(c, vec3<f32>(0.0), vec3<f32>(1.0));
    let lo = x / 12.92;
    let hi = pow((x + vec3<f32>(0.055)) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, x <= vec3<f32>(0.04045));
}

// Colours are computed in display space (as aitviewer does); an sRGB target would encode them
// again, so they are decoded first.
fn finish(c: vec4<f32>) -> vec4<f32> {
    let rgb = clamp(c.rgb, vec3<f32>(0.0), vec3<f32>(1.0));
    if (frame.params.y > 0.5) {
        return vec4<f32>(srgb_to_linear(rgb), c.a);
    }
    return vec4<f32>(rgb, c.a);
}

// A direction transformed by the model matrix (uniform scale), normalised.
fn model_normal(m: mat4x4<f32>, n: vec3<f32>) -> vec3<f32> {
    let w = (m * vec4<f32>(n, 0.0)).xyz;
    let len = length(w);
    if (len < 1e-20) {
        return vec3<f32>(0.0, 1.0, 0.0);
    }
    return w / len;
}
