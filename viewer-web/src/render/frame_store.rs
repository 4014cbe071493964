//! Per-frame GPU data of one array: every frame of a sequence lives on the GPU, packed into
//! chunked vertex buffers, and playback only picks the byte range of the frame to draw.
//!
//! Each stored frame remembers the CPU frames it was built from (the scene's reference-counted
//! `Bytes`, compared by identity), so an update uploads only frames whose inputs changed.
//! Appending grows the last chunk (a GPU-side copy) or adds chunks; removing frames rebuilds
//! the store from GPU-side copies of the frames that survived. Frames are never recomputed on
//! the CPU unless their inputs changed.
//!
//! Packing can wait ([`Budget::Until`]): a frame that changed then only has its bounds measured
//! and is marked stale; it is packed when it is drawn ([`Uploader::want`]) or while a later sync
//! has time to spare, frames after the one drawn first. A sequence of a thousand SMPL-size frames
//! costs its first picture one frame's packing instead of all of them (normals for every frame:
//! most of a second on a 2-core machine without a GPU). A stale frame is never drawn:
//! [`FrameStore::slice`] has nothing for it.

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;

use crate::core::Aabb;
use crate::geometry::draw_data::FrameKey;

fn identity(key: &[Bytes]) -> Vec<(usize, usize)> {
    key.iter().map(|b| (b.as_ptr() as usize, b.len())).collect()
}

fn same_key(a: &[Bytes], b: &[Bytes]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.as_ptr() == y.as_ptr() && x.len() == y.len())
}

/// Biggest chunk buffer (clamped further by the device's `max_buffer_size`).
const CHUNK_BYTES: u64 = 64 << 20;

/// Packs frame `i` of a store: with `Some(out)`, appends exactly the store's frame size in bytes
/// to `out`; returns the frame's local bounds either way (with `None` only the bounds are
/// wanted: the frame is packed later).
pub(crate) type Fill<'f> = dyn FnMut(usize, Option<&mut Vec<u8>>) -> Aabb + 'f;

/// How much packing a sync does.
#[derive(Clone, Copy)]
pub(crate) enum Budget<'a> {
    /// Every frame that changed, now (offscreen rendering: every frame may be drawn next).
    All,
    /// The frames drawn now ([`Uploader::want`]), then stale frames while the function says
    /// there is time; the others wait for a later sync.
    Until(&'a dyn Fn() -> bool),
}

/// What a store needs from the renderer to upload.
pub(crate) struct Uploader<'a> {
    /// The device.
    pub device: &'a wgpu::Device,
    /// The queue.
    pub queue: &'a wgpu::Queue,
    /// Reused packing buffer.
    pub scratch: &'a mut Vec<u8>,
    /// Frames uploaded so far (for stats and benchmarks).
    pub frames_uploaded: u64,
    /// Frame keys read so far: the work of finding what changed (an append reads the new
    /// frames' keys only; a full update reads every frame's).
    pub keys_read: u64,
    /// World-space frame bounds computed so far (an append computes the new frames' only).
    pub bounds_computed: u64,
    /// How much to pack.
    pub budget: Budget<'a>,
    /// The data frame the node being synced draws now, if it draws one: packed in any case
    /// (each store clamps it to its frames, as [`FrameStore::slice`] does).
    pub want: Option<usize>,
    /// Frames left stale so far (waiting to be packed).
    pub frames_stale: u64,
}

impl Uploader<'_> {
    /// Whether stale frames other than the wanted one may be packed now.
    fn has_time(&self) -> bool {
        match self.budget {
            Budget::All => true,
            Budget::Until(more) => more(),
        }
    }
}

/// Why a store cannot hold a node's frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: one frame is {frame_bytes} bytes, more than the device's largest buffer ({max} bytes)")]
pub(crate) struct TooLarge {
    label: &'static str,
    frame_bytes: u64,
    max: u64,
}

struct Chunk {
    buffer: wgpu::Buffer,
    capacity: usize,
}

/// Frames of equal size in chunked GPU vertex buffers.
pub(crate) struct FrameStore {
    label: &'static str,
    frame_bytes: u64,
    per_chunk: usize,
    chunks: Vec<Chunk>,
    keys: Vec<FrameKey>,
    bounds: Vec<Aabb>,
    /// Frames whose bounds are known but whose data is not on the GPU yet.
    stale: BTreeSet<usize>,
}

/// Stale frames packed into one `write_buffer` at most, when packing in the background (the
/// time is checked between frames).
const STALE_RUN: usize = 16;

impl FrameStore {
    /// An empty store for frames of `frame_bytes` bytes (a multiple of 4).
    pub(crate) fn new(label: &'static str, frame_bytes: u64, limits: &wgpu::Limits) -> Result<Self, TooLarge> {
        debug_assert_eq!(frame_bytes % wgpu::COPY_BUFFER_ALIGNMENT, 0);
        let max = limits.max_buffer_size.min(CHUNK_BYTES.max(frame_bytes));
        if frame_bytes > limits.max_buffer_size {
            return Err(TooLarge {
                label,
                frame_bytes,
                max: limits.max_buffer_size,
            });
        }
        let per_chunk = max.checked_div(frame_bytes).unwrap_or(1).max(1) as usize;
        Ok(Self {
            label,
            frame_bytes,
            per_chunk,
            chunks: Vec::new(),
            keys: Vec::new(),
            bounds: Vec::new(),
            stale: BTreeSet::new(),
        })
    }

    /// Frames waiting to be packed.
    pub(crate) fn stale_len(&self) -> usize {
        self.stale.len()
    }

    /// Number of frames held.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Bytes of one frame.
    pub(crate) fn frame_bytes(&self) -> u64 {
        self.frame_bytes
    }

    /// GPU bytes allocated.
    pub(crate) fn gpu_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.capacity as u64 * self.frame_bytes).sum()
    }

    /// Local bounds recorded for frame `i` (clamped; `EMPTY` when there are none).
    pub(crate) fn bounds(&self, i: usize) -> Aabb {
        match self.bounds.len() {
            0 => Aabb::EMPTY,
            n => self.bounds[i.min(n - 1)],
        }
    }

    /// Frame `i`'s bytes on the GPU, with the broadcast/clamp rule (a 1-frame store serves every
    /// frame). `None` when the store is empty, its frames have no bytes, or that frame is stale
    /// (not packed yet: a sync for that frame packs it).
    pub(crate) fn slice(&self, i: usize) -> Option<wgpu::BufferSlice<'_>> {
        if self.frame_bytes == 0 || self.keys.is_empty() {
            return None;
        }
        let i = i.min(self.keys.len() - 1);
        if self.stale.contains(&i) {
            return None;
        }
        let chunk = self.chunks.get(i / self.per_chunk)?;
        let off = (i % self.per_chunk) as u64 * self.frame_bytes;
        Some(chunk.buffer.slice(off..off + self.frame_bytes))
    }

    /// Makes the store hold one frame per key. Frames whose key is unchanged keep their GPU data;
    /// the others are packed by `fill` (now or later: [`Budget`]; then the wanted frame and
    /// what there is time for: [`FrameStore::pack_due`]).
    pub(crate) fn update(&mut self, up: &mut Uploader<'_>, keys: Vec<FrameKey>, fill: &mut Fill<'_>) {
        let n = keys.len();
        let old_n = self.keys.len();
        up.keys_read += n as u64;
        if n >= old_n {
            let dirty: Vec<usize> = (0..n)
                .filter(|&i| i >= old_n || !same_key(&keys[i], &self.keys[i]))
                .collect();
            self.grow(up, n, old_n);
            self.bounds.resize(n, Aabb::EMPTY);
            self.keys = keys;
            self.changed(up, &dirty, fill);
        } else {
            self.rebuild(up, &keys, fill);
            self.keys = keys;
        }
        self.pack_due(up, fill);
    }

    /// Appends one frame per key after the frames held, which stay as they are (the caller
    /// knows they did not change): only the new keys are read, only the new frames packed by
    /// `fill` (as in [`FrameStore::update`]). The cost does not grow with the frames held
    /// (but for the occasional GPU-side copy when the last chunk grows, amortised).
    pub(crate) fn append(&mut self, up: &mut Uploader<'_>, keys: Vec<FrameKey>, fill: &mut Fill<'_>) {
        if keys.is_empty() {
            self.pack_due(up, fill);
            return;
        }
        let old_n = self.keys.len();
        let n = old_n + keys.len();
        up.keys_read += keys.len() as u64;
        self.grow(up, n, old_n);
        self.bounds.resize(n, Aabb::EMPTY);
        self.keys.extend(keys);
        let dirty: Vec<usize> = (old_n..n).collect();
        self.changed(up, &dirty, fill);
        self.pack_due(up, fill);
    }

    /// Frames `dirty` changed: packed now under [`Budget::All`], else measured and left stale.
    fn changed(&mut self, up: &mut Uploader<'_>, dirty: &[usize], fill: &mut Fill<'_>) {
        match up.budget {
            Budget::All => self.upload(up, dirty, fill),
            Budget::Until(_) => {
                for &i in dirty {
                    self.bounds[i] = fill(i, None);
                    self.stale.insert(i);
                }
            }
        }
    }

    /// Packs the stale frames due now: the wanted one, then (frames after it first) as many as
    /// the budget allows, in runs of consecutive frames.
    pub(crate) fn pack_due(&mut self, up: &mut Uploader<'_>, fill: &mut Fill<'_>) {
        if !self.stale.is_empty() {
            let want = up.want.map(|w| w.min(self.keys.len().saturating_sub(1)));
            if let Some(w) = want.filter(|w| self.stale.contains(w)) {
                self.upload(up, &[w], fill);
            }
            let want = want.unwrap_or(0);
            while up.has_time() {
                let Some(&first) = self.stale.range(want..).next().or_else(|| self.stale.first()) else {
                    break;
                };
                let limit = match up.budget {
                    Budget::All => usize::MAX,
                    Budget::Until(_) => STALE_RUN,
                };
                let run: Vec<usize> = self
                    .stale
                    .range(first..)
                    .copied()
                    .enumerate()
                    .take_while(|&(k, i)| i == first + k && k < limit)
                    .map(|(_, i)| i)
                    .collect();
                self.upload(up, &run, fill);
            }
        }
        up.frames_stale += self.stale.len() as u64;
    }

    fn new_buffer(&self, device: &wgpu::Device, capacity: usize) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(self.label),
            size: capacity as u64 * self.frame_bytes,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// Ensures room for `n` frames; the first `used` frames keep their data (GPU copies when the
    /// last chunk is reallocated, submitted before any new upload lands).
    fn grow(&mut self, up: &mut Uploader<'_>, n: usize, used: usize) {
        if self.frame_bytes == 0 {
            return;
        }
        let mut encoder: Option<wgpu::CommandEncoder> = None;
        let mut have: usize = self.chunks.iter().map(|c| c.capacity).sum();
        while have < n {
            let last_full = self.chunks.last().is_none_or(|c| c.capacity >= self.per_chunk);
            if last_full {
                let cap = (n - have).min(self.per_chunk);
                let buffer = self.new_buffer(up.device, cap);
                self.chunks.push(Chunk { buffer, capacity: cap });
                have += cap;
                continue;
            }
            // Grow the partly filled last chunk: at least double, at most a full chunk.
            let idx = self.chunks.len() - 1;
            let start = idx * self.per_chunk;
            let old_cap = self.chunks[idx].capacity;
            let need = n - start;
            let cap = need.max(old_cap * 2).min(self.per_chunk);
            let buffer = self.new_buffer(up.device, cap);
            let keep = used.saturating_sub(start).min(old_cap) as u64 * self.frame_bytes;
            if keep > 0 {
                let enc = encoder.get_or_insert_with(|| {
                    up.device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                        label: Some("frame store grow"),
                    })
                });
                enc.copy_buffer_to_buffer(&self.chunks[idx].buffer, 0, &buffer, 0, keep);
            }
            have += cap - old_cap;
            self.chunks[idx] = Chunk { buffer, capacity: cap };
        }
        if let Some(enc) = encoder {
            up.queue.submit(Some(enc.finish()));
        }
    }

    /// Shrinking: new chunks, surviving frames copied on the GPU, the rest packed anew.
    /// Stale frames that survive stay stale (under their new index).
    fn rebuild(&mut self, up: &mut Uploader<'_>, keys: &[FrameKey], fill: &mut Fill<'_>) {
        let old_chunks = std::mem::take(&mut self.chunks);
        let old_bounds = std::mem::take(&mut self.bounds);
        let old_stale = std::mem::take(&mut self.stale);
        let old_index: HashMap<Vec<(usize, usize)>, usize> =
            self.keys.iter().enumerate().map(|(j, k)| (identity(k), j)).collect();
        let n = keys.len();
        self.grow(up, n, 0);
        self.bounds = vec![Aabb::EMPTY; n];
        let mut dirty = Vec::new();
        // (old index, new index, frame count) runs of consecutive frames within one chunk each.
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            match old_index.get(&identity(key)) {
                Some(&j) if old_stale.contains(&j) => {
                    self.bounds[i] = old_bounds.get(j).copied().unwrap_or(Aabb::EMPTY);
                    self.stale.insert(i);
                }
                Some(&j) => {
                    self.bounds[i] = old_bounds.get(j).copied().unwrap_or(Aabb::EMPTY);
                    let extend = runs.last().is_some_and(|&(rj, ri, rn)| {
                        rj + rn == j && ri + rn == i && j % self.per_chunk != 0 && i % self.per_chunk != 0
                    });
                    match runs.last_mut() {
                        Some(run) if extend => run.2 += 1,
                        _ => runs.push((j, i, 1)),
                    }
                }
                None => dirty.push(i),
            }
        }
        if self.frame_bytes > 0 && !runs.is_empty() {
            let mut enc = up.device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame store rebuild"),
            });
            for (j, i, count) in runs {
                let (Some(src), Some(dst)) = (old_chunks.get(j / self.per_chunk), self.chunks.get(i / self.per_chunk))
                else {
                    continue;
                };
                enc.copy_buffer_to_buffer(
                    &src.buffer,
                    (j % self.per_chunk) as u64 * self.frame_bytes,
                    &dst.buffer,
                    (i % self.per_chunk) as u64 * self.frame_bytes,
                    count as u64 * self.frame_bytes,
                );
            }
            up.queue.submit(Some(enc.finish()));
        }
        self.changed(up, &dirty, fill);
    }

    /// Packs and writes the given frames (no longer stale), one `write_buffer` per run of
    /// consecutive frames in a chunk.
    fn upload(&mut self, up: &mut Uploader<'_>, dirty: &[usize], fill: &mut Fill<'_>) {
        let fb = self.frame_bytes as usize;
        let mut k = 0;
        while k < dirty.len() {
            let first = dirty[k];
            let chunk = first / self.per_chunk;
            // The run [k, end): consecutive frames within one chunk.
            let mut end = k + 1;
            while end < dirty.len() && dirty[end] == first + (end - k) && dirty[end] / self.per_chunk == chunk {
                end += 1;
            }
            up.scratch.clear();
            for &i in &dirty[k..end] {
                self.stale.remove(&i);
                let before = up.scratch.len();
                self.bounds[i] = fill(i, Some(up.scratch));
                let written = up.scratch.len() - before;
                if written != fb {
                    tracing::warn!(
                        store = self.label,
                        frame = i,
                        written,
                        expected = fb,
                        "frame packed to the wrong size"
                    );
                    up.scratch.resize(before + fb, 0);
                }
            }
            let last = dirty[end - 1];
            k = end;
            up.frames_uploaded += (last - first + 1) as u64;
            if fb == 0 {
                continue;
            }
            if let Some(c) = self.chunks.get(chunk) {
                let off = (first % self.per_chunk) as u64 * self.frame_bytes;
                up.queue.write_buffer(&c.buffer, off, up.scratch);
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::offscreen::OffscreenRenderer;

    /// A device, or `None` when GPU tests are skipped (they fail without an adapter otherwise).
    fn gpu() -> Option<OffscreenRenderer> {
        if std::env::var("MESHCAST_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
            return None;
        }
        Some(OffscreenRenderer::new(4, 4).unwrap_or_else(|e| panic!("{e} (MESHCAST_SKIP_GPU_TESTS=1 skips)")))
    }

    fn read(g: &OffscreenRenderer, s: &FrameStore, i: usize) -> Vec<u8> {
        let slice = s.slice(i).unwrap();
        let out = g.device().create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: slice.size(),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut enc = g.device().create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(slice.buffer(), slice.offset(), &out, 0, slice.size());
        g.queue().submit(Some(enc.finish()));
        out.slice(..).map_async(wgpu::MapMode::Read, |_| {});
        g.wait().unwrap();
        let v = out.slice(..).get_mapped_range().unwrap().to_vec();
        v
    }

    fn frame(tag: u8) -> Bytes {
        Bytes::from(vec![tag; 8])
    }

    fn uploader<'a>(
        g: &'a OffscreenRenderer,
        scratch: &'a mut Vec<u8>,
        budget: Budget<'a>,
        want: Option<usize>,
    ) -> Uploader<'a> {
        Uploader {
            device: g.device(),
            queue: g.queue(),
            scratch,
            frames_uploaded: 0,
            keys_read: 0,
            bounds_computed: 0,
            budget,
            want,
            frames_stale: 0,
        }
    }

    /// Packs frame `i` as 8 copies of its first input byte; its bounds are that value.
    fn fill(frames: &[Bytes]) -> impl FnMut(usize, Option<&mut Vec<u8>>) -> Aabb + '_ {
        |i, out| {
            if let Some(out) = out {
                out.extend_from_slice(&[frames[i][0]; 8]);
            }
            Aabb::from_points([glam::Vec3::splat(f32::from(frames[i][0]))])
        }
    }

    /// Updates `store` to `keys` packing everything; returns the frames packed.
    fn run(store: &mut FrameStore, g: &OffscreenRenderer, scratch: &mut Vec<u8>, keys: &[Bytes]) -> u64 {
        run_with(store, g, scratch, keys, Budget::All, None).0
    }

    /// Updates `store` to `keys` under `budget` drawing `want`; returns the frames packed and
    /// those left stale.
    fn run_with(
        store: &mut FrameStore,
        g: &OffscreenRenderer,
        scratch: &mut Vec<u8>,
        keys: &[Bytes],
        budget: Budget<'_>,
        want: Option<usize>,
    ) -> (u64, u64) {
        let mut up = uploader(g, scratch, budget, want);
        let owned: Vec<FrameKey> = keys.iter().map(|b| vec![b.clone()]).collect();
        store.update(&mut up, owned, &mut fill(keys));
        (up.frames_uploaded, up.frames_stale)
    }

    /// A store of 8-byte frames, three per chunk.
    fn small_store() -> FrameStore {
        let limits = wgpu::Limits {
            max_buffer_size: 24,
            ..wgpu::Limits::downlevel_webgl2_defaults()
        };
        FrameStore::new("test", 8, &limits).unwrap()
    }

    #[test]
    fn uploads_only_changed_frames_across_chunks() {
        let Some(g) = gpu() else { return };
        let mut store = small_store();
        let mut scratch = Vec::new();
        let mut frames: Vec<Bytes> = (1..=2).map(frame).collect();
        assert_eq!(run(&mut store, &g, &mut scratch, &frames), 2);
        assert_eq!(store.gpu_bytes(), 16, "exactly sized, no spare capacity");
        // Append 5 frames one by one: the first chunk grows (GPU copy), then new chunks.
        for t in 3..=7 {
            frames.push(frame(t));
            assert_eq!(run(&mut store, &g, &mut scratch, &frames), 1);
        }
        assert_eq!(store.len(), 7);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(read(&g, &store, i), vec![f[0]; 8], "frame {i}");
        }
        // Nothing changed: nothing uploaded.
        assert_eq!(run(&mut store, &g, &mut scratch, &frames), 0);
        // Overwrite one frame.
        frames[4] = frame(50);
        assert_eq!(run(&mut store, &g, &mut scratch, &frames), 1);
        assert_eq!(read(&g, &store, 4), vec![50; 8]);
        assert_eq!(store.bounds(4).min.x, 50.0);
        // Remove frames 0 and 3: the rest move down by GPU copies, nothing is packed again.
        frames.remove(3);
        frames.remove(0);
        assert_eq!(run(&mut store, &g, &mut scratch, &frames), 0);
        assert_eq!(store.len(), 5);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(read(&g, &store, i), vec![f[0]; 8], "after removal, frame {i}");
            assert_eq!(store.bounds(i).min.x, f32::from(f[0]));
        }
        // Past the end the last frame is served (aitviewer's clamp).
        assert_eq!(read(&g, &store, 99), vec![7; 8]);
    }

    #[test]
    fn appends_read_and_pack_only_the_new_frames() {
        let Some(g) = gpu() else { return };
        let mut store = small_store();
        let mut scratch = Vec::new();
        let mut frames = Vec::new();
        for t in 1..=40u8 {
            frames.push(frame(t));
            let mut up = uploader(&g, &mut scratch, Budget::All, None);
            store.append(&mut up, vec![vec![frame_of(&frames, t)]], &mut fill(&frames));
            // One key read and one frame packed per append, however many frames are held.
            assert_eq!((up.keys_read, up.frames_uploaded), (1, 1), "append {t}");
        }
        assert_eq!(store.len(), 40);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(read(&g, &store, i), vec![f[0]; 8], "frame {i}");
            assert_eq!(store.bounds(i).min.x, f32::from(f[0]));
        }
        // A full update after appends sees nothing changed.
        assert_eq!(run(&mut store, &g, &mut scratch, &frames), 0);
    }

    /// The last frame pushed (tag `t`).
    fn frame_of(frames: &[Bytes], t: u8) -> Bytes {
        frames[usize::from(t) - 1].clone()
    }

    /// No time to spare: only the wanted frame is packed.
    fn no_time() -> bool {
        false
    }

    #[test]
    fn without_time_only_the_drawn_frame_is_packed_and_the_rest_later() {
        let Some(g) = gpu() else { return };
        let mut store = small_store();
        let mut scratch = Vec::new();
        let frames: Vec<Bytes> = (1..=7).map(frame).collect();
        let lazy = Budget::Until(&no_time);
        // Frame 4 is drawn: only it is packed; every frame's bounds are known at once.
        assert_eq!(run_with(&mut store, &g, &mut scratch, &frames, lazy, Some(4)), (1, 6));
        assert_eq!(store.stale_len(), 6);
        assert_eq!(read(&g, &store, 4), vec![5; 8]);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(store.bounds(i).min.x, f32::from(f[0]), "bounds of frame {i}");
        }
        // A stale frame is never drawn.
        assert!(store.slice(0).is_none());
        assert!(store.slice(99).is_none(), "clamped to frame 6, still stale");
        // Nothing changed, frame 6 is drawn: it alone is packed.
        assert_eq!(run_with(&mut store, &g, &mut scratch, &frames, lazy, Some(6)), (1, 5));
        assert_eq!(read(&g, &store, 99), vec![7; 8]);
        // With time, the rest: every frame then reads back as packed.
        assert_eq!(
            run_with(&mut store, &g, &mut scratch, &frames, Budget::All, None),
            (5, 0)
        );
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(read(&g, &store, i), vec![f[0]; 8], "frame {i}");
        }
    }

    #[test]
    fn stale_frames_are_packed_after_the_drawn_one_first_as_time_allows() {
        let Some(g) = gpu() else { return };
        let mut store = small_store();
        let mut scratch = Vec::new();
        let frames: Vec<Bytes> = (1..=7).map(frame).collect();
        run_with(&mut store, &g, &mut scratch, &frames, Budget::Until(&no_time), Some(3));
        // Time for two runs' checks: the frames from 3 on go first (one run: 4..=6), then 0..=2.
        let checks = std::cell::Cell::new(0);
        let twice = || {
            checks.set(checks.get() + 1);
            checks.get() <= 1
        };
        let mut up = uploader(&g, &mut scratch, Budget::Until(&twice), Some(3));
        store.pack_due(&mut up, &mut fill(&frames));
        assert_eq!((up.frames_uploaded, up.frames_stale), (3, 3));
        for (i, f) in frames.iter().enumerate().skip(3) {
            assert_eq!(read(&g, &store, i), vec![f[0]; 8], "frame {i}");
        }
        assert!((0..3).all(|i| store.slice(i).is_none()));
    }

    #[test]
    fn stale_frames_stay_stale_through_appends_updates_and_removals() {
        let Some(g) = gpu() else { return };
        let mut store = small_store();
        let mut scratch = Vec::new();
        let lazy = Budget::Until(&no_time);
        let mut frames: Vec<Bytes> = (1..=5).map(frame).collect();
        run_with(&mut store, &g, &mut scratch, &frames, lazy, Some(0));
        // Append two frames: they are stale too (bounds known).
        let mut up = uploader(&g, &mut scratch, lazy, Some(0));
        frames.extend([frame(6), frame(7)]);
        store.append(
            &mut up,
            frames[5..].iter().map(|b| vec![b.clone()]).collect(),
            &mut fill(&frames),
        );
        assert_eq!((up.frames_uploaded, up.frames_stale), (0, 6));
        assert_eq!(store.bounds(6).min.x, 7.0);
        // Remove frames 0 (packed) and 2 (stale): the survivors keep their state.
        frames.remove(2);
        frames.remove(0);
        assert_eq!(run_with(&mut store, &g, &mut scratch, &frames, lazy, Some(0)), (1, 4));
        assert_eq!(read(&g, &store, 0), vec![2; 8]);
        assert_eq!(store.bounds(3).min.x, 6.0);
        // Then everything: each frame in its place.
        run(&mut store, &g, &mut scratch, &frames);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(read(&g, &store, i), vec![f[0]; 8], "frame {i}");
        }
    }

    #[test]
    fn frames_larger_than_a_buffer_are_refused() {
        let limits = wgpu::Limits {
            max_buffer_size: 16,
            ..wgpu::Limits::downlevel_webgl2_defaults()
        };
        assert!(FrameStore::new("big", 32, &limits).is_err());
        assert!(FrameStore::new("ok", 16, &limits).is_ok());
    }
}
