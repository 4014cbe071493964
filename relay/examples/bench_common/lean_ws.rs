//! A benchmark WebSocket client that costs per message what the raw TCP copy's endpoints cost,
//! so that a comparison of the relay with a raw copy measures the relay, not its clients.
//!
//! The tungstenite client masks and copies each outgoing frame into its write buffer, zero-fills
//! its read buffer and reassembles each incoming message into a new buffer. On a 2-core machine
//! that work shares the cores with the relay and is not done by the raw copy's endpoints (which
//! write bytes held in memory and read into one reused buffer). This client does the same as
//! those: its frames are masked before the clock starts (the messages "in memory"), written
//! through a 128 KiB buffer like the raw producer's, and a reader counts messages by parsing
//! frame headers in one reused 256 KiB buffer, without copying payloads.

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;

/// The fixed mask of every frame this client sends (the relay unmasks whatever the key).
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// `payload` as one masked binary frame, ready to be written.
pub fn masked_frame(payload: &[u8]) -> Bytes {
    let len = payload.len();
    let mut out = Vec::with_capacity(len + 14);
    out.push(0x82);
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out.into()
}

/// One WebSocket connection, after its handshake.
pub struct LeanWs {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

/// A frame header: opcode, FIN, header length, payload length.
struct Header {
    opcode: u8,
    fin: bool,
    len: usize,
    payload: u64,
}

fn parse_header(b: &[u8]) -> Option<Header> {
    if b.len() < 2 {
        return None;
    }
    assert_eq!(b[1] & 0x80, 0, "a server frame must not be masked");
    let (len, payload) = match b[1] & 0x7f {
        126 => (4, u64::from(u16::from_be_bytes(b.get(2..4)?.try_into().ok()?))),
        127 => (10, u64::from_be_bytes(b.get(2..10)?.try_into().ok()?)),
        n => (2, u64::from(n)),
    };
    (b.len() >= len).then_some(Header {
        opcode: b[0] & 0x0f,
        fin: b[0] & 0x80 != 0,
        len,
        payload,
    })
}

impl LeanWs {
    /// Connects to `path` on the relay at 127.0.0.1:`port` (no Nagle delay) and completes the
    /// WebSocket handshake.
    pub async fn connect(port: u16, path: &str) -> LeanWs {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut ws = LeanWs {
            stream,
            buf: vec![0; 256 * 1024],
            start: 0,
            end: 0,
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        ws.stream.write_all(request.as_bytes()).await.expect("handshake");
        loop {
            if let Some(at) = ws.buf[..ws.end].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&ws.buf[..at]);
                assert!(head.starts_with("HTTP/1.1 101"), "handshake refused: {head}");
                ws.start = at + 4;
                return ws;
            }
            ws.fill().await;
        }
    }

    /// Reads more bytes after `end`, first moving the unread ones to the front when the buffer's
    /// tail is too short for a frame header.
    async fn fill(&mut self) {
        if self.buf.len() - self.end < 16 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let k = self.stream.read(&mut self.buf[self.end..]).await.expect("read");
        assert!(k > 0, "the relay closed the connection");
        self.end += k;
    }

    /// The next whole message (copied out; for setup and small messages, not the timed part).
    pub async fn next_message(&mut self) -> Vec<u8> {
        let mut message = Vec::new();
        loop {
            let Some(h) = parse_header(&self.buf[self.start..self.end]) else {
                self.fill().await;
                continue;
            };
            let total = h.len + h.payload as usize;
            while self.end - self.start < total {
                if self.buf.len() - self.start < total {
                    self.buf.resize(self.start + total, 0);
                }
                self.fill().await;
            }
            // Control frames (ping, pong) may come between a message's fragments: skipped.
            let data = matches!(h.opcode, 0x0..=0x2);
            if data {
                message.extend_from_slice(&self.buf[self.start + h.len..self.start + total]);
            }
            self.start += total;
            if data && h.fin {
                return message;
            }
        }
    }

    /// Reads until `n` more data messages have arrived; returns their payload bytes. Payloads are
    /// skipped where they lie in the buffer, not copied.
    pub async fn count_messages(&mut self, n: usize) -> u64 {
        let (mut count, mut bytes) = (0usize, 0u64);
        while count < n {
            let Some(h) = parse_header(&self.buf[self.start..self.end]) else {
                self.fill().await;
                continue;
            };
            self.start += h.len;
            self.discard(h.payload).await;
            if matches!(h.opcode, 0x0..=0x2) {
                bytes += h.payload;
                count += usize::from(h.fin);
            }
        }
        bytes
    }

    /// Consumes `n` bytes, reading as needed.
    async fn discard(&mut self, mut n: u64) {
        while n > 0 {
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
                self.fill().await;
            }
            let k = n.min((self.end - self.start) as u64);
            self.start += k as usize;
            n -= k;
        }
    }

    /// Writes masked frames (see [`masked_frame`]) through a 128 KiB buffer (the raw producer's)
    /// and flushes.
    pub async fn send(&mut self, frames: &[Bytes]) {
        let mut w = BufWriter::with_capacity(128 * 1024, &mut self.stream);
        for f in frames {
            w.write_all(f).await.expect("write");
        }
        w.flush().await.expect("flush");
    }
}
