// Instanced cylinders and cones (line segments, arrow shafts and heads, rigid-body axes,
// skeleton bones): one unit cylinder mesh, each instance a segment a→b with a radius at each end.

struct CylinderIn {
    // x = cos, y = sin of the angle around the axis, z = 0 at a, 1 at b, w = 0 side, 1 cap at a,
    // 2 cap at b.
    @location(0) unit: vec4<f32>,
    @location(1) a: vec3<f32>,
    @location(2) b: vec3<f32>,
    @location(3) radii: vec2<f32>,
    @location(4) color: vec4<f32>,
};

struct CylinderOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec4<f32>,
};

@vertex
fn vs_main(v: CylinderIn) -> CylinderOut {
    var out: CylinderOut;
    out.color = v.color * draw.tint;
    let axis = v.b - v.a;
    let len = length(axis);
    if (len < 1e-12) {
        // Zero-length segment: nothing to draw.
        out.clip = vec4<f32>(0.0, 0.0, -2.0, 1.0);
        out.world = v.a;
        out.normal = vec3<f32>(0.0, 1.0, 0.0);
        return out;
    }
    let w = axis / len;
    var helper = vec3<f32>(0.0, 1.0, 0.0);
    if (abs(w.y) > 0.99) {
        helper = vec3<f32>(1.0, 0.0, 0.0);
    }
    let u = normalize(cross(w, helper));
    let vv = cross(w, u);
    let radial = u * v.unit.x + vv * v.unit.y;
    let r = mix(v.radii.x, v.radii.y, v.unit.z);
    let p = v.a + axis * v.unit.z + radial * r;
    var n = normalize(radial * len + w * (v.radii.x - v.radii.y));
    if (v.unit.w > 1.5) {
        n = w;
    } else if (v.unit.w > 0.5) {
        n = -w;
    }
    let world = draw.model * vec4<f32>(p, 1.0);
    out.clip = frame.view_proj * world;
    out.world = world.xyz;
    out.normal = model_normal(draw.model, n);
    return out;
}

@fragment
fn fs_main(in: CylinderOut) -> @location(0) vec4<f32> {
    let n = normalize(in.normal);
    return finish(vec4<f32>(shade(in.color.rgb, n, in.world), in.color.a));
}

@fragment
fn fs_mask(in: CylinderOut) -> @location(0) vec4<f32> {
    return vec4<f32>(1.0);
}
