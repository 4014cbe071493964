#!/bin/sh
# Trunk post_build hook (Trunk.toml [[hooks]]): the WebGPU-only build (viewer-webgpu, built by
# trunk as a "worker" app because a page has one main app) comes out with fixed file names.
# Give its .js and .wasm content-hashed names, as trunk does for the main app (a browser never
# pairs a cached old file with a new page), and write them into the page's loader
# (viewer-web/loader.mjs, inlined into index.html).
set -eu
dir="$TRUNK_STAGING_DIR"
base="${TRUNK_PUBLIC_URL:-/}"
name=meshcast-viewer-webgpu
hash=$(cat "$dir/$name.js" "$dir/${name}_bg.wasm" | sha256sum | cut -c1-16)
mv "$dir/$name.js" "$dir/$name-$hash.js"
mv "$dir/${name}_bg.wasm" "$dir/$name-${hash}_bg.wasm"
sed -i \
  -e "s|__MESHCAST_WEBGPU_JS__|$base$name-$hash.js|" \
  -e "s|__MESHCAST_WEBGPU_WASM__|$base$name-${hash}_bg.wasm|" \
  "$dir/index.html"
grep -q "$name-$hash.js" "$dir/index.html" || { echo "trunk_webgpu_names.sh: no loader placeholder in index.html" >&2; exit 1; }
