//! Every WGSL file in shaders/ parses and validates with naga, compiled the way the renderer
//! compiles it (common.wgsl first), and the renderer knows every pipeline file.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use meshcast_viewer::render::shaders;

fn validate(name: &str, src: &str) {
    let module = naga::front::wgsl::parse_str(src).unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(src)));
    let mut v = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty());
    if let Err(e) = v.validate(&module) {
        panic!("{name}: {}", e.emit_to_string(src));
    }
}

#[test]
fn every_wgsl_file_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shaders");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("wgsl") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if name == "common" {
            validate(&name, &text);
            assert_eq!(text, shaders::COMMON, "common.wgsl differs from the compiled-in copy");
        } else {
            validate(&name, &shaders::with_common(&text));
            let built_in = shaders::PIPELINES.iter().find(|(n, _)| *n == name);
            assert_eq!(
                built_in.map(|(_, s)| *s),
                Some(text.as_str()),
                "shaders/{name}.wgsl is not compiled into the renderer (render::shaders::PIPELINES)"
            );
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        shaders::PIPELINES.len() + 1,
        "a pipeline in PIPELINES has no file"
    );
}

#[test]
fn pipelines_have_their_entry_points() {
    for (name, src) in shaders::PIPELINES {
        let module = naga::front::wgsl::parse_str(&shaders::with_common(src)).unwrap();
        let entries: Vec<&str> = module.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert!(
            entries.contains(&"vs_main") && entries.contains(&"fs_main"),
            "{name}: {entries:?}"
        );
        if ["mesh", "spheres", "cylinders"].contains(name) {
            assert!(entries.contains(&"fs_mask"), "{name} has no outline mask entry point");
        }
        // Sphere impostors write their depth from the light in the shadow pass.
        if *name == "spheres" {
            assert!(entries.contains(&"fs_shadow"), "spheres have no shadow entry point");
        }
    }
}
