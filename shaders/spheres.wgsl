// Instanced sphere impostors: each sphere is one camera-facing quad that covers its silhouette;
// the fragment shader intersects the view ray with the exact sphere, shades the hit and writes
// its depth. Two triangles per sphere whatever the sphere count.

struct SphereIn {
    @builtin(vertex_index) vi: u32,
    // xyz centre (node space), w radius.
    @location(0) center_radius: vec4<f32>,
    @location(1) color: vec4<f32>,
};

struct SphereOut {
    @builtin(position) clip: vec4<f32>,
    // The quad point in view space.
    @location(0) view_pos: vec3<f32>,
    // View-space centre and radius.
    @location(1) @interpolate(flat) center: vec4<f32>,
    @location(2) @interpolate(flat) color: vec4<f32>,
};

@vertex
fn vs_main(v: SphereIn) -> SphereOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    let corner = corners[v.vi % 6u];
    let scale = length(draw.model[0].xyz);
    let c = (frame.view * (draw.model * vec4<f32>(v.center_radius.xyz, 1.0))).xyz;
    let r = v.center_radius.w * scale;
    var out: SphereOut;
    out.center = vec4<f32>(c, r);
    out.color = v.color * draw.tint;
    var d = vec3<f32>(0.0, 0.0, -1.0);
    var half = r;
    if (!is_ortho()) {
        let dist = length(c);
        if (dist <= r * 1.0001 || r <= 0.0) {
            // The eye is inside the sphere (or it has no size): nothing to draw.
            out.clip = vec4<f32>(0.0, 0.0, -2.0, 1.0);
            out.view_pos = c;
            return out;
        }
        d = c / dist;
        // Radius of the tangent cone where it crosses the plane through the centre.
        half = r * dist / sqrt(dist * dist - r * r);
    }
    var helper = vec3<f32>(0.0, 1.0, 0.0);
    if (abs(d.y) > 0.99) {
        helper = vec3<f32>(1.0, 0.0, 0.0);
    }
    let u = normalize(cross(d, helper));
    let w = cross(u, d);
    let p = c + (u * corner.x + w * corner.y) * half * 1.01;
    out.view_pos = p;
    out.clip = frame.proj * vec4<f32>(p, 1.0);
    return out;
}

struct Hit {
    ok: bool,
    pos: vec3<f32>,
    normal: vec3<f32>,
};

// The view ray through this fragment against the sphere (numerically stable for small radii).
fn intersect(in: SphereOut) -> Hit {
    let c = in.center.xyz;
    let r = in.center.w;
    var ro = vec3<f32>(0.0);
    var rd = normalize(in.view_pos);
    if (is_ortho()) {
        ro = vec3<f32>(in.view_pos.xy, c.z + 2.0 * r + 1.0);
        rd = vec3<f32>(0.0, 0.0, -1.0);
    }
    let to_c = c - ro;
    let along = dot(to_c, rd);
    let perp = to_c - rd * along;
    let d2 = dot(perp, perp);
    var hit: Hit;
    hit.ok = d2 <= r * r;
    let t = along - sqrt(max(r * r - d2, 0.0));
    hit.pos = ro + rd * t;
    hit.normal = (hit.pos - c) / max(r, 1e-30);
    return hit;
}

struct SphereFragment {
    @location(0) color: vec4<f32>,
    @builtin(frag_depth) depth: f32,
};

@fragment
fn fs_main(in: SphereOut) -> SphereFragment {
    let hit = intersect(in);
    if (!hit.ok) {
        discard;
    }
    let clip = frame.proj * vec4<f32>(hit.pos, 1.0);
    let world = (frame.inv_view * vec4<f32>(hit.pos, 1.0)).xyz;
    let n = normalize((frame.inv_view * vec4<f32>(hit.normal, 0.0)).xyz);
    var out: SphereFragment;
    out.color = finish(vec4<f32>(shade(in.color.rgb, n, world), in.color.a));
    out.depth = clamp(clip.z / clip.w, 0.0, 1.0);
    return out;
}

// The shadow pass (the light's orthographic view): the exact sphere's depth from the light.
@fragment
fn fs_shadow(in: SphereOut) -> @builtin(frag_depth) f32 {
    let hit = intersect(in);
    if (!hit.ok) {
        discard;
    }
    let clip = frame.proj * vec4<f32>(hit.pos, 1.0);
    return clamp(clip.z / clip.w, 0.0, 1.0);
}

@fragment
fn fs_mask(in: SphereOut) -> @location(0) vec4<f32> {
    let hit = intersect(in);
    if (!hit.ok) {
        discard;
    }
    return vec4<f32>(1.0);
}
