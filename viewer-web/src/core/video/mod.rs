//! Video export, the parts that know no browser and no GPU: the options and their validation,
//! and the plan they give (which scene frame and which camera each video frame shows). The page
//! (`web::video`) and the headless `meshcast-render` command both render a [`VideoPlan`] frame
//! by frame, in order, once each: the video does not depend on real time or on how fast the
//! machine renders.
//!
//! - [`webm`]: a WebM (Matroska) muxer for the page's WebCodecs chunks.
//! - [`yuv`]: RGBA to I420 (BT.601 studio range), what the page's WebCodecs encoder gets.
//! - [`zip`]: a stored (uncompressed) ZIP archive for the page's PNG frames.

pub mod webm;
pub mod yuv;
pub mod zip;

use super::camera::Camera;

/// The largest width or height of a video, in pixels.
pub const MAX_SIZE: u32 = 4096;
/// The smallest width or height of a video, in pixels.
pub const MIN_SIZE: u32 = 16;
/// The highest frame rate accepted.
pub const MAX_FPS: f64 = 240.0;
/// The most frames one video may have.
pub const MAX_FRAMES: usize = 100_000;
/// The longest still orbit, in seconds.
pub const MAX_STILL_SECONDS: f64 = 600.0;

/// Which camera the video is shot with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VideoCamera {
    /// The camera as it is (in the page: the current view).
    Current,
    /// An orbit around the camera's target, about the vertical axis, by `degrees` over the
    /// whole video (aitviewer's "rotate camera": 360 by default). Frame `i` of `n` is turned by
    /// `degrees × i / n`, so a full turn loops without a repeated frame.
    Orbit {
        /// The angle of the whole orbit, in degrees (negative: clockwise seen from above).
        degrees: f32,
    },
}

/// What to export: the frame range, the frame rate, the size and the camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoOptions {
    /// The first scene frame.
    pub first: usize,
    /// The last scene frame (inclusive); `None`: the scene's last frame.
    pub last: Option<usize>,
    /// Video frames per second.
    pub fps: f64,
    /// Width in pixels (even: video encoders subsample colour by 2).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// The camera.
    pub camera: VideoCamera,
    /// When the range is a single scene frame and the camera orbits, the orbit lasts this many
    /// seconds (`fps × still_seconds` video frames of that one scene frame).
    pub still_seconds: f64,
}

impl Default for VideoOptions {
    /// aitviewer's defaults: the whole sequence at 60 fps, the current view; 1280×720.
    fn default() -> Self {
        VideoOptions {
            first: 0,
            last: None,
            fps: 60.0,
            width: 1280,
            height: 720,
            camera: VideoCamera::Current,
            still_seconds: 4.0,
        }
    }
}

/// Why options do not give a video.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VideoError {
    /// The scene has no frames (nothing was sent yet).
    #[error("the scene is empty: there is no frame to export")]
    EmptyScene,
    /// A frame of the range is past the scene's last frame.
    #[error("frame {frame} is out of range: the scene has frames 0 to {last}")]
    FrameOutOfRange {
        /// The frame asked for.
        frame: usize,
        /// The scene's last frame.
        last: usize,
    },
    /// The range ends before it starts.
    #[error("the frame range {first} to {last} is reversed: the first frame must not be after the last")]
    Reversed {
        /// First frame.
        first: usize,
        /// Last frame.
        last: usize,
    },
    /// The frame rate is not a number in 1..=240.
    #[error("fps must be a number from 1 to {MAX_FPS}, got {0}")]
    Fps(f64),
    /// The size is out of bounds or odd.
    #[error("the video size must be even numbers from {MIN_SIZE} to {MAX_SIZE} pixels, got {width}×{height}")]
    Size {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// The orbit angle is not a finite number.
    #[error("the orbit angle must be a finite number of degrees, got {0}")]
    Degrees(f32),
    /// The still orbit's length is not a number in (0, 600] seconds.
    #[error("the still orbit must last more than 0 and at most {MAX_STILL_SECONDS} seconds, got {0}")]
    StillSeconds(f64),
    /// The video would have too many frames.
    #[error("the video would have {0} frames; at most {MAX_FRAMES} are allowed")]
    TooManyFrames(usize),
}

impl VideoOptions {
    /// Checks the options against a scene of `n_frames` frames and plans the video, shot from
    /// `camera` (the current view, or the start of the orbit).
    pub fn plan(&self, n_frames: usize, camera: Camera) -> Result<VideoPlan, VideoError> {
        if !(self.fps.is_finite() && (1.0..=MAX_FPS).contains(&self.fps)) {
            return Err(VideoError::Fps(self.fps));
        }
        let size_ok = |s: u32| (MIN_SIZE..=MAX_SIZE).contains(&s) && s % 2 == 0;
        if !(size_ok(self.width) && size_ok(self.height)) {
            return Err(VideoError::Size {
                width: self.width,
                height: self.height,
            });
        }
        let Some(scene_last) = n_frames.checked_sub(1) else {
            return Err(VideoError::EmptyScene);
        };
        let last = self.last.unwrap_or(scene_last);
        for frame in [self.first, last] {
            if frame > scene_last {
                return Err(VideoError::FrameOutOfRange {
                    frame,
                    last: scene_last,
                });
            }
        }
        if self.first > last {
            return Err(VideoError::Reversed {
                first: self.first,
                last,
            });
        }
        let orbit = match self.camera {
            VideoCamera::Current => None,
            VideoCamera::Orbit { degrees } if degrees.is_finite() => Some(degrees.to_radians()),
            VideoCamera::Orbit { degrees } => return Err(VideoError::Degrees(degrees)),
        };
        let range = last - self.first + 1;
        let len = if range == 1 && orbit.is_some() {
            if !(self.still_seconds.is_finite() && self.still_seconds > 0.0 && self.still_seconds <= MAX_STILL_SECONDS)
            {
                return Err(VideoError::StillSeconds(self.still_seconds));
            }
            ((self.fps * self.still_seconds).round() as usize).max(1)
        } else {
            range
        };
        if len > MAX_FRAMES {
            return Err(VideoError::TooManyFrames(len));
        }
        Ok(VideoPlan {
            first: self.first,
            range,
            len,
            fps: self.fps,
            width: self.width,
            height: self.height,
            camera,
            orbit,
        })
    }
}

/// One frame of a video: which scene frame it shows, from where, and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoFrame {
    /// The video frame's index (0-based).
    pub index: usize,
    /// The scene frame it shows.
    pub scene_frame: usize,
    /// The camera it is shot with.
    pub camera: Camera,
    /// When it starts, in microseconds from the video's start.
    pub timestamp_us: u64,
}

/// A checked video: `len()` frames, each a function of its index only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoPlan {
    first: usize,
    range: usize,
    len: usize,
    fps: f64,
    width: u32,
    height: u32,
    camera: Camera,
    orbit: Option<f32>,
}

impl VideoPlan {
    /// The number of video frames.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a plan has at least one frame.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Frames per second.
    pub fn fps(&self) -> f64 {
        self.fps
    }

    /// `(width, height)` in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The video's length in microseconds (`len / fps` seconds).
    pub fn duration_us(&self) -> u64 {
        self.timestamp_us(self.len)
    }

    /// When frame `i` starts, in microseconds.
    pub fn timestamp_us(&self, i: usize) -> u64 {
        (i as f64 * 1e6 / self.fps).round() as u64
    }

    /// Video frame `i` (`i < len()`): scene frame `first + i` (or the one frame of a still
    /// orbit), and the camera turned by `degrees × i / len` when it orbits.
    pub fn frame(&self, i: usize) -> VideoFrame {
        let scene_frame = self.first + if self.range == 1 { 0 } else { i.min(self.range - 1) };
        let camera = match self.orbit {
            Some(total) => self.camera.orbited(total * i as f32 / self.len as f32),
            None => self.camera,
        };
        VideoFrame {
            index: i,
            scene_frame,
            camera,
            timestamp_us: self.timestamp_us(i),
        }
    }

    /// Every frame, in order.
    pub fn frames(&self) -> impl Iterator<Item = VideoFrame> + '_ {
        (0..self.len).map(|i| self.frame(i))
    }

    /// The file name of PNG frame `i` (`frame00000.png` …, named by video frame so they sort
    /// in order).
    pub fn png_name(&self, i: usize) -> String {
        format!("frame{i:05}.png")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use glam::Vec3;

    use super::*;

    fn close(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-4
    }

    fn opts() -> VideoOptions {
        VideoOptions {
            fps: 30.0,
            width: 320,
            height: 240,
            ..VideoOptions::default()
        }
    }

    #[test]
    fn every_scene_frame_of_the_range_once_in_order() {
        let plan = VideoOptions {
            first: 3,
            last: Some(7),
            ..opts()
        }
        .plan(10, Camera::default())
        .unwrap();
        assert_eq!(plan.len(), 5);
        let frames: Vec<usize> = plan.frames().map(|f| f.scene_frame).collect();
        assert_eq!(frames, [3, 4, 5, 6, 7]);
        assert!(plan.frames().all(|f| f.camera == Camera::default()));
        // Timestamps follow the index and the fps, not the clock.
        let ts: Vec<u64> = plan.frames().map(|f| f.timestamp_us).collect();
        assert_eq!(ts, [0, 33_333, 66_667, 100_000, 133_333]);
        assert_eq!(plan.duration_us(), 166_667);
        assert_eq!(plan.png_name(4), "frame00004.png");
    }

    #[test]
    fn the_whole_scene_by_default() {
        let plan = opts().plan(240, Camera::default()).unwrap();
        assert_eq!(plan.len(), 240);
        assert_eq!(plan.frame(0).scene_frame, 0);
        assert_eq!(plan.frame(239).scene_frame, 239);
        assert_eq!(plan.size(), (320, 240));
    }

    #[test]
    fn an_orbit_turns_by_the_index_only() {
        let base = Camera {
            target: Vec3::new(0.5, 0.0, 0.0),
            yaw: 0.3,
            pitch: 0.2,
            ..Camera::default()
        };
        let o = VideoOptions {
            camera: VideoCamera::Orbit { degrees: 360.0 },
            last: Some(3),
            ..opts()
        };
        let plan = o.plan(10, base).unwrap();
        assert_eq!(plan.len(), 4);
        assert_eq!(plan.frame(0).camera, base);
        // A quarter turn per frame; the same plan gives the same cameras every time.
        let quarter = plan.frame(1).camera;
        assert!(close(quarter.eye(), base.orbited(std::f32::consts::FRAC_PI_2).eye()));
        assert_eq!(o.plan(10, base).unwrap().frame(2), plan.frame(2));
        let half = plan.frame(2).camera;
        let (a, b) = (base.eye() - base.target, half.eye() - base.target);
        assert!(close(Vec3::new(-a.x, a.y, -a.z), b));
        assert!((half.distance - base.distance).abs() < 1e-6);
    }

    #[test]
    fn a_still_frame_orbits_for_still_seconds() {
        let plan = VideoOptions {
            first: 2,
            last: Some(2),
            camera: VideoCamera::Orbit { degrees: 90.0 },
            still_seconds: 2.0,
            ..opts()
        }
        .plan(5, Camera::default())
        .unwrap();
        assert_eq!(plan.len(), 60);
        assert!(plan.frames().all(|f| f.scene_frame == 2));
        assert!(close(
            plan.frame(30).camera.eye(),
            Camera::default().orbited(std::f32::consts::FRAC_PI_4).eye()
        ));
        // Without an orbit a one-frame range is one video frame.
        let one = VideoOptions {
            first: 2,
            last: Some(2),
            ..opts()
        };
        assert_eq!(one.plan(5, Camera::default()).unwrap().len(), 1);
    }

    #[test]
    fn bad_options_are_refused_with_what_was_wrong() {
        let cam = Camera::default();
        assert_eq!(opts().plan(0, cam), Err(VideoError::EmptyScene));
        let e = |o: VideoOptions| o.plan(10, cam).unwrap_err();
        assert_eq!(
            e(VideoOptions { first: 10, ..opts() }),
            VideoError::FrameOutOfRange { frame: 10, last: 9 }
        );
        assert_eq!(
            e(VideoOptions {
                last: Some(12),
                ..opts()
            }),
            VideoError::FrameOutOfRange { frame: 12, last: 9 }
        );
        assert_eq!(
            e(VideoOptions {
                first: 5,
                last: Some(4),
                ..opts()
            }),
            VideoError::Reversed { first: 5, last: 4 }
        );
        for fps in [0.0, 0.5, 241.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(e(VideoOptions { fps, ..opts() }), VideoError::Fps(_)), "{fps}");
        }
        for (width, height) in [(321, 240), (320, 8), (8192, 240), (0, 0)] {
            assert_eq!(
                e(VideoOptions {
                    width,
                    height,
                    ..opts()
                }),
                VideoError::Size { width, height }
            );
        }
        assert!(matches!(
            e(VideoOptions {
                camera: VideoCamera::Orbit { degrees: f32::NAN },
                ..opts()
            }),
            VideoError::Degrees(_)
        ));
        let still = VideoOptions {
            last: Some(0),
            camera: VideoCamera::Orbit { degrees: 360.0 },
            ..opts()
        };
        for s in [0.0, -1.0, 601.0, f64::NAN] {
            assert!(matches!(
                e(VideoOptions {
                    still_seconds: s,
                    ..still
                }),
                VideoError::StillSeconds(_)
            ));
        }
        assert_eq!(
            e(VideoOptions {
                fps: 240.0,
                still_seconds: 500.0,
                ..still
            }),
            VideoError::TooManyFrames(120_000)
        );
        assert_eq!(
            e(VideoOptions { first: 10, ..opts() }).to_string(),
            "frame 10 is out of range: the scene has frames 0 to 9"
        );
    }
}
