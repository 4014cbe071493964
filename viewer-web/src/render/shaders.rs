//! The WGSL sources in the top-level `shaders/` folder, one file per pipeline, compiled into the
//! binary. Each pipeline file is compiled as `common.wgsl` followed by the file itself.

/// Declarations shared by every pipeline (uniform layouts, lighting, output encoding).
pub const COMMON: &str = include_str!("../../../shaders/common.wgsl");

/// Every pipeline file by name (without `.wgsl`).
pub const PIPELINES: &[(&str, &str)] = &[
    ("mesh", include_str!("../../../shaders/mesh.wgsl")),
    ("spheres", include_str!("../../../shaders/spheres.wgsl")),
    ("cylinders", include_str!("../../../shaders/cylinders.wgsl")),
    ("floor", include_str!("../../../shaders/floor.wgsl")),
    ("outline", include_str!("../../../shaders/outline.wgsl")),
];

/// The full source of pipeline file `pipeline_src`: the common declarations followed by it.
pub fn with_common(pipeline_src: &str) -> String {
    let mut s = String::with_capacity(COMMON.len() + pipeline_src.len() + 1);
    s.push_str(COMMON);
    s.push('\n');
    s.push_str(pipeline_src);
    s
}

/// The full source of a pipeline by name, if there is such a file.
pub fn source(name: &str) -> Option<String> {
    PIPELINES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| with_common(src))
}
