// Triangle meshes: per-frame positions and normals, per-vertex (or per-corner) colours,
// instance matrices (an identity instance when the mesh has none). Flat shading derives the
// face normal from screen-space derivatives, so no vertices are duplicated for it.

struct MeshIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec4<f32>,
    @location(2) color: vec4<f32>,
    @location(3) inst0: vec4<f32>,
    @location(4) inst1: vec4<f32>,
    @location(5) inst2: vec4<f32>,
    @location(6) inst3: vec4<f32>,
};

struct MeshOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec4<f32>,
};

fn mesh_vertex(v: MeshIn) -> MeshOut {
    let m = draw.model * mat4x4<f32>(v.inst0, v.inst1, v.inst2, v.inst3);
    let world = m * vec4<f32>(v.position, 1.0);
    var out: MeshOut;
    out.clip = frame.view_proj * world;
    out.world = world.xyz;
    out.normal = (m * vec4<f32>(v.normal.xyz, 0.0)).xyz;
    out.color = v.color * draw.tint;
    return out;
}

@vertex
fn vs_main(v: MeshIn) -> MeshOut {
    return mesh_vertex(v);
}

// The shading normal: the face's (flat shading) or the interpolated one, facing the viewer.
fn mesh_normal(in: MeshOut, front: bool) -> vec3<f32> {
    // Derivatives first, in uniform control flow.
    let geo = cross(dpdx(in.world), dpdy(in.world));
    let v = view_dir(in.world);
    var n: vec3<f32>;
    if (draw.params.x > 0.5) {
        n = geo;
        if (dot(n, v) < 0.0) {
            n = -n;
        }
    } else {
        n = in.normal;
        // Computed normals follow the winding, so back faces of either winding flip.
        if (!front) {
            n = -n;
        }
    }
    let len = length(n);
    if (len < 1e-20) {
        return v;
    }
    return n / len;
}

@fragment
fn fs_main(in: MeshOut, @builtin(front_facing) front: bool) -> @location(0) vec4<f32> {
    let n = mesh_normal(in, front);
    return finish(vec4<f32>(shade(in.color.rgb, n, in.world), in.color.a));
}

// Textured meshes (`texture` with `uv_coords`): the image's colour replaces the mesh colour, as
// in aitviewer; its alpha is multiplied with the colour's. uv (0, 0) is the image's bottom-left
// corner (OpenGL's convention, which aitviewer's clients use): the renderer uploads v flipped.
@group(2) @binding(0) var mesh_texture: texture_2d<f32>;
@group(2) @binding(1) var mesh_sampler: sampler;

struct TexturedOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec4<f32>,
    @location(3) uv: vec2<f32>,
};

@vertex
fn vs_textured(v: MeshIn, @location(7) uv: vec2<f32>) -> TexturedOut {
    let m = mesh_vertex(v);
    return TexturedOut(m.clip, m.world, m.normal, m.color, uv);
}

@fragment
fn fs_textured(in: TexturedOut, @builtin(front_facing) front: bool) -> @location(0) vec4<f32> {
    // Sampled first, in uniform control flow (implicit derivatives).
    let texel = textureSample(mesh_texture, mesh_sampler, in.uv);
    let n = mesh_normal(MeshOut(in.clip, in.world, in.normal, in.color), front);
    return finish(vec4<f32>(shade(texel.rgb, n, in.world), texel.a * in.color.a));
}

@fragment
fn fs_mask(in: MeshOut) -> @location(0) vec4<f32> {
    return vec4<f32>(1.0);
}

// Wireframe overlay (line list over the same vertices), pulled slightly towards the camera so
// it wins the depth test against its own triangles.
@vertex
fn vs_edges(v: MeshIn) -> MeshOut {
    var out = mesh_vertex(v);
    var p = frame.view * vec4<f32>(out.world, 1.0);
    if (is_ortho()) {
        p.z += 0.002 * frame.forward.w;
    } else {
        p = vec4<f32>(p.xyz * 0.998, 1.0);
    }
    out.clip = frame.proj * p;
    return out;
}

@fragment
fn fs_edges(in: MeshOut) -> @location(0) vec4<f32> {
    return finish(vec4<f32>(0.0, 0.0, 0.0, in.color.a));
}
