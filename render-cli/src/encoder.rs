//! Video encoding with ffmpeg, found at run time: raw RGBA frames are piped to its standard
//! input in order, and it writes the file. `.webm` gets VP9 (libvpx, the codec family the page's
//! WebM uses), `.mp4` H.264 (libx264), both `yuv420p` so every player reads them.
//!
//! Why ffmpeg and not a Rust crate: it is maintained, in every Linux distribution (`apt-get
//! install ffmpeg`), encodes VP9 and H.264 well and fast, and muxes WebM and MP4. The Rust
//! encoders are either a binding to the same C libraries that must be present at build time
//! (libvpx, x264, openh264) or slow on a CPU (rav1e, AV1); a missing ffmpeg is a clear message at
//! run time, not a build failure, and PNG frames need none.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Why encoding failed.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// No ffmpeg on this machine.
    #[error(
        "ffmpeg was not found ({looked}): install it (`apt-get install ffmpeg`), point --ffmpeg or \
         MESHCAST_FFMPEG at it, or write PNG frames only (--png-dir without --output)"
    )]
    NotFound {
        /// Where it was looked for.
        looked: String,
    },
    /// The output's extension names no format this command writes.
    #[error("cannot tell the video format of {0}: use a .webm (VP9) or .mp4 (H.264) file name")]
    Format(String),
    /// The output exists already.
    #[error("{0} exists: choose another name or pass --overwrite")]
    Exists(String),
    /// ffmpeg could not be started or fed.
    #[error("ffmpeg ({path}): {detail}")]
    Io {
        /// The ffmpeg binary.
        path: String,
        /// What failed.
        detail: String,
    },
    /// ffmpeg exited with an error.
    #[error("ffmpeg failed ({status}): {stderr}")]
    Failed {
        /// Its exit status.
        status: String,
        /// What it printed.
        stderr: String,
    },
}

/// Encoding quality: ffmpeg's constant-quality factor per codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Quality {
    /// Small files.
    Low,
    /// The default.
    Medium,
    /// Near-lossless.
    High,
}

/// The container and codec, from the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// `.webm`: VP9.
    Webm,
    /// `.mp4`: H.264.
    Mp4,
}

impl Container {
    /// The container of `path`, by extension.
    pub fn of(path: &Path) -> Result<Container, EncodeError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("webm") => Ok(Container::Webm),
            Some("mp4") => Ok(Container::Mp4),
            _ => Err(EncodeError::Format(path.display().to_string())),
        }
    }

    fn codec_args(self, quality: Quality) -> Vec<&'static str> {
        match self {
            Container::Webm => {
                let crf = match quality {
                    Quality::Low => "40",
                    Quality::Medium => "32",
                    Quality::High => "20",
                };
                vec![
                    "-c:v",
                    "libvpx-vp9",
                    "-b:v",
                    "0",
                    "-crf",
                    crf,
                    "-deadline",
                    "good",
                    "-cpu-used",
                    "4",
                    "-row-mt",
                    "1",
                ]
            }
            Container::Mp4 => {
                let crf = match quality {
                    Quality::Low => "28",
                    Quality::Medium => "23",
                    Quality::High => "16",
                };
                vec![
                    "-c:v",
                    "libx264",
                    "-preset",
                    "medium",
                    "-crf",
                    crf,
                    "-movflags",
                    "+faststart",
                ]
            }
        }
    }
}

/// The ffmpeg to use: `explicit` (from --ffmpeg), else `$MESHCAST_FFMPEG`, else `ffmpeg` on the
/// `PATH`.
pub fn find_ffmpeg(explicit: Option<&Path>) -> Result<PathBuf, EncodeError> {
    if let Some(p) = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("MESHCAST_FFMPEG").map(PathBuf::from))
    {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(EncodeError::NotFound {
                looked: p.display().to_string(),
            })
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("ffmpeg"))
        .find(|p| p.is_file())
        .ok_or_else(|| EncodeError::NotFound {
            looked: "no ffmpeg on the PATH".into(),
        })
}

/// An ffmpeg process encoding frames into a file.
pub struct Encoder {
    child: Child,
    stdin: Option<ChildStdin>,
    ffmpeg: String,
    frame_bytes: usize,
}

impl Encoder {
    /// Starts ffmpeg writing `output` (a `.webm` or `.mp4`) from `width × height` RGBA frames
    /// at `fps`; an existing `output` is an error unless `overwrite`.
    pub fn start(
        ffmpeg: &Path,
        output: &Path,
        (width, height): (u32, u32),
        fps: f64,
        quality: Quality,
        overwrite: bool,
    ) -> Result<Encoder, EncodeError> {
        let container = Container::of(output)?;
        if output.exists() && !overwrite {
            return Err(EncodeError::Exists(output.display().to_string()));
        }
        let name = ffmpeg.display().to_string();
        let size = format!("{width}x{height}");
        let rate = format!("{fps}");
        let mut cmd = Command::new(ffmpeg);
        cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
            .args([
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgba",
                "-s",
                &size,
                "-framerate",
                &rate,
                "-i",
                "pipe:0",
            ])
            .args(container.codec_args(quality))
            .args(["-pix_fmt", "yuv420p", "-r", &rate])
            .arg(output)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| EncodeError::Io {
            path: name.clone(),
            detail: format!("cannot start it: {e}"),
        })?;
        let stdin = child.stdin.take();
        Ok(Encoder {
            child,
            stdin,
            ffmpeg: name,
            frame_bytes: width as usize * height as usize * 4,
        })
    }

    /// Hands ffmpeg the next frame (RGBA, rows top to bottom).
    pub fn push(&mut self, rgba: &[u8]) -> Result<(), EncodeError> {
        debug_assert_eq!(rgba.len(), self.frame_bytes);
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.io("its input is closed".into()));
        };
        if let Err(e) = stdin.write_all(rgba) {
            // ffmpeg exited: its own message says why.
            self.stdin = None;
            return Err(match self.wait() {
                Err(failed) => failed,
                Ok(()) => self.io(format!("writing a frame: {e}")),
            });
        }
        Ok(())
    }

    /// Closes ffmpeg's input and waits for it to finish the file.
    pub fn finish(mut self) -> Result<(), EncodeError> {
        self.stdin = None;
        self.wait()
    }

    fn wait(&mut self) -> Result<(), EncodeError> {
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        let status = self.child.wait().map_err(|e| self.io(format!("waiting for it: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(EncodeError::Failed {
                status: status.to_string(),
                stderr: stderr.trim().to_owned(),
            })
        }
    }

    fn io(&self, detail: String) -> EncodeError {
        EncodeError::Io {
            path: self.ffmpeg.clone(),
            detail,
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // Not finished (an error elsewhere): stop ffmpeg rather than leave it waiting.
        if self.stdin.take().is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_picks_the_codec() {
        assert_eq!(Container::of(Path::new("a.webm")).ok(), Some(Container::Webm));
        assert_eq!(Container::of(Path::new("a.MP4")).ok(), Some(Container::Mp4));
        let e = Container::of(Path::new("a.avi")).unwrap_err();
        assert!(e.to_string().contains("use a .webm (VP9) or .mp4 (H.264)"), "{e}");
        assert!(Container::Webm.codec_args(Quality::High).contains(&"libvpx-vp9"));
        assert!(Container::Mp4.codec_args(Quality::Low).contains(&"libx264"));
    }

    #[test]
    fn a_missing_ffmpeg_says_how_to_get_one() {
        let e = find_ffmpeg(Some(Path::new("/nonexistent/ffmpeg"))).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("/nonexistent/ffmpeg") && msg.contains("apt-get install ffmpeg"),
            "{msg}"
        );
    }
}
