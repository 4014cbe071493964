// The WebSocket to the relay, owned by a dedicated Web Worker so that the browser receives at its
// own speed while the page's thread draws (a frame can take hundreds of milliseconds on a
// software rasteriser; a socket on that thread would wait for it). Each binary message's
// ArrayBuffer is handed to the page transferred, not copied. Where a worker cannot be started
// (a page whose policy forbids blob: workers), the same code runs on the page's thread.
//
// Messages to the socket host: {op: 'open', url}, {op: 'close'}, or an ArrayBuffer to send
// (viewer -> relay; sent once the socket is open, in order). Events from it: an ArrayBuffer (one
// relay message), {event: 'open'}, {event: 'text', text}, {event: 'closed', reason}.

/** The socket host: returns the handler of messages to it; `post(event, transfer)` sends events.
 * Self-contained (its source text becomes the worker's script). */
function relaySocket(post) {
  let ws = null;
  let pending = [];
  let failed = null;
  const close = () => {
    const s = ws;
    ws = null;
    pending = [];
    if (s) s.close();
  };
  const open = (url) => {
    close();
    let s;
    try {
      s = new WebSocket(url);
    } catch (err) {
      post({ event: 'closed', reason: `cannot open the connection: ${err.message}` });
      return;
    }
    s.binaryType = 'arraybuffer';
    ws = s;
    failed = null;
    s.onopen = () => {
      if (ws !== s) return;
      for (const m of pending) s.send(m);
      pending = [];
      post({ event: 'open' });
    };
    s.onmessage = (e) => {
      if (ws !== s) return;
      if (e.data instanceof ArrayBuffer) post(e.data, [e.data]);
      else post({ event: 'text', text: String(e.data) });
    };
    s.onerror = () => {
      if (ws === s) failed = 'connection error';
    };
    s.onclose = (e) => {
      if (ws !== s) return;
      ws = null;
      pending = [];
      const why = e.reason ? `: ${e.reason}` : '';
      const reason = failed && e.code === 1006 ? `${failed} (code 1006)` : `the relay closed the connection (code ${e.code}${why})`;
      post({ event: 'closed', reason });
    };
  };
  return (m) => {
    if (m instanceof ArrayBuffer) {
      if (ws && ws.readyState === 1) ws.send(m);
      else if (ws) pending.push(m);
    } else if (m && m.op === 'open') {
      open(m.url);
    } else if (m && m.op === 'close') {
      close();
    }
  };
}

/** Starts the socket host: in a worker when one can be started, else on this thread. `onEvent`
 * receives its events. Returns `{inWorker, send(message, transfer)}`. */
export function startRelaySocket(onEvent) {
  try {
    const source = `const handle = (${relaySocket})((m, t) => self.postMessage(m, t || []));\nself.onmessage = (e) => handle(e.data);\n`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url, { name: 'meshcast relay socket' });
    worker.onmessage = (e) => onEvent(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      onEvent({ event: 'closed', reason: `the connection worker failed: ${e.message}` });
    };
    return { inWorker: true, send: (m, transfer) => worker.postMessage(m, transfer || []) };
  } catch (err) {
    console.warn(`meshcast: no connection worker (${err.message}); the socket runs on the page's thread`);
    const handle = relaySocket((m) => onEvent(m));
    return { inWorker: false, send: (m) => handle(m) };
  }
}
