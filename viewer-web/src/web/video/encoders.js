// The browser's video encoders for the page's video export (web/video): WebCodecs'
// VideoEncoder where the browser has it, MediaRecorder otherwise. Rust renders each frame, reads
// it back and hands the pixels here (I420 for WebCodecs, RGBA for MediaRecorder); the WebCodecs chunks go back to Rust, which muxes them
// into WebM (core/video/webm.rs).

/** Whether WebCodecs can encode `codec` at this size and rate here. */
export async function webcodecsSupported(codec, width, height, fps) {
  if (typeof VideoEncoder === 'undefined' || typeof VideoFrame === 'undefined') return false;
  try {
    const r = await VideoEncoder.isConfigSupported(config(codec, width, height, fps));
    return r.supported === true;
  } catch (_) {
    return false;
  }
}

/** Whether MediaRecorder can record a canvas to WebM here. */
export function recorderSupported() {
  return typeof MediaRecorder !== 'undefined' && typeof HTMLCanvasElement.prototype.captureStream === 'function' &&
    recorderMime() !== null;
}

function recorderMime() {
  for (const m of ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm']) {
    if (MediaRecorder.isTypeSupported(m)) return m;
  }
  return null;
}

/** A quarter of a bit per pixel and frame, at least 2 Mbit/s: the floor's fine checkerboard
 * stays sharp (16 Mbit/s at 1280×720, 60 fps). */
function bitrate(width, height, fps) {
  return Math.max(2000000, Math.round(width * height * fps * 0.25));
}

function config(codec, width, height, fps) {
  return {
    codec,
    width,
    height,
    framerate: fps,
    bitrate: bitrate(width, height, fps),
    latencyMode: 'quality',
  };
}

/** WebCodecs: frames in, encoded chunks out (`take()` hands them over in order). */
export class CodecSink {
  constructor(codec, width, height, fps) {
    this.width = width;
    this.height = height;
    this.chunks = [];
    this.error = null;
    this.encoder = new VideoEncoder({
      output: (chunk) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        this.chunks.push({ key: chunk.type === 'key', timestamp: chunk.timestamp, data });
      },
      error: (e) => {
        this.error = e;
      },
    });
    this.encoder.configure(config(codec, width, height, fps));
  }

  /** Encodes one I420 frame (BT.601 studio range, converted by Rust); waits while the encoder
   * has more than a few frames queued. */
  async add(i420, timestampUs, durationUs, key) {
    if (this.error) throw this.error;
    const frame = new VideoFrame(i420, {
      format: 'I420',
      codedWidth: this.width,
      codedHeight: this.height,
      timestamp: timestampUs,
      duration: durationUs,
      colorSpace: { matrix: 'smpte170m', fullRange: false, primaries: 'bt709', transfer: 'iec61966-2-1' },
    });
    try {
      this.encoder.encode(frame, { keyFrame: key });
    } finally {
      frame.close();
    }
    while (this.encoder.encodeQueueSize > 2 && !this.error) {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (this.error) throw this.error;
  }

  /** Waits for every frame to be encoded. */
  async flush() {
    await this.encoder.flush();
    if (this.error) throw this.error;
  }

  /** The chunks encoded so far, oldest first: `{key, timestamp, data}`. */
  take() {
    return this.chunks.splice(0);
  }

  close() {
    if (this.encoder.state !== 'closed') this.encoder.close();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** MediaRecorder: frames drawn on a canvas whose stream is recorded. The recorder runs only for
 * one frame's time after each frame is drawn (paused while the next one renders), so the video's
 * timing follows the frame rate however long rendering takes. */
export class RecorderSink {
  constructor(width, height, fps) {
    this.width = width;
    this.height = height;
    this.frameMs = 1000 / fps;
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.ctx = this.canvas.getContext('2d');
    this.stream = this.canvas.captureStream(0);
    this.track = this.stream.getVideoTracks()[0];
    this.parts = [];
    this.error = null;
    const mimeType = recorderMime();
    this.recorder = new MediaRecorder(this.stream, {
      mimeType,
      videoBitsPerSecond: bitrate(width, height, fps),
    });
    this.recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.parts.push(e.data);
    };
    this.recorder.onerror = (e) => {
      this.error = e.error ?? new Error('MediaRecorder failed');
    };
    this.started = false;
  }

  async add(rgba) {
    if (this.error) throw this.error;
    const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    this.ctx.putImageData(new ImageData(pixels, this.width, this.height), 0, 0);
    if (!this.started) {
      // Frames requested before the recorder has started are lost.
      const started = new Promise((r) => {
        this.recorder.onstart = r;
      });
      this.recorder.start();
      this.started = true;
      await started;
    } else {
      this.recorder.resume();
    }
    this.track.requestFrame();
    await sleep(this.frameMs);
    this.recorder.pause();
  }

  /** Stops the recorder; resolves with the WebM blob. */
  async finish() {
    if (this.error) throw this.error;
    if (!this.started) return new Blob([], { type: 'video/webm' });
    const stopped = new Promise((r) => {
      this.recorder.onstop = r;
    });
    // The recorder's encoder hands out a frame when the next one comes: show the last frame
    // once more for a moment so it is written, then stop.
    this.recorder.resume();
    this.track.requestFrame();
    await sleep(Math.min(this.frameMs, 20));
    this.recorder.stop();
    await stopped;
    this.track.stop();
    if (this.error) throw this.error;
    return new Blob(this.parts, { type: 'video/webm' });
  }

  close() {
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    this.track.stop();
  }
}
