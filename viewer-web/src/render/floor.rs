//! aitviewer's chessboard floor: a procedural quad (no vertex buffers) at the scene's lowest
//! point; the checker pattern is computed per pixel in `shaders/floor.wgsl`.

use super::pipelines::{PipelineCtx, PipelineSpec, Variant};

/// Builds the floor pipeline (opaque, main pass).
pub(crate) fn pipeline(ctx: &PipelineCtx<'_>) -> wgpu::RenderPipeline {
    let module = ctx.module("floor");
    ctx.build(
        &PipelineSpec {
            label: "floor",
            module: &module,
            vs: "vs_main",
            fs: "fs_main",
            buffers: &[],
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull: None,
            shadow_fs: None,
            textured: false,
        },
        Variant::Opaque,
    )
}

/// Where to put the floor: slightly below the lowest point so flat bottoms do not z-fight
/// with it; at 0 for an empty scene.
pub(crate) fn height(lowest_y: Option<f32>) -> f32 {
    match lowest_y {
        Some(y) => y - 1e-3 * (1.0 + y.abs()).min(10.0),
        None => 0.0,
    }
}

/// Draws the floor (group 0 and 1 must be bound).
pub(crate) fn draw(pass: &mut wgpu::RenderPass<'_>, pipeline: &wgpu::RenderPipeline) {
    pass.set_pipeline(pipeline);
    pass.draw(0..6, 0..1);
}
