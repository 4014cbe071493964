// meshcast page plugin "two_way": aitviewer's examples/remote_two_way_communication.py in the
// browser. Load it with ?plugin=two_way. It adds a panel with a name, a position and a target
// (all clients or one); "Send" sends {name, position: [x, y, z]} to the clients, which answer by
// creating a cube there (client/python/examples/two_way.py, client/examples/two_way.rs).
// User messages (type >= 10000) the clients send to the viewer are listed under the button.
(() => {
  'use strict';
  const mc = window.meshcast;
  if (!mc) {
    console.error('two_way plugin: window.meshcast is missing (load it with ?plugin=two_way)');
    return;
  }

  const panel = mc.addPanel('Two-way');
  const make = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const labelled = (text, input) => {
    const l = make('label', {}, text);
    l.append(input);
    panel.append(l);
    return input;
  };

  const name = labelled('Name', make('input', { id: 'mc-tw-name', type: 'text', value: 'Test', maxlength: '64' }));
  const row = make('div', { class: 'mc-vec' });
  row.append(make('span', {}, 'Position'));
  const xyz = ['x', 'y', 'z'].map((axis) => {
    const i = make('input', { id: `mc-tw-${axis}`, type: 'number', step: '0.1', value: '0', 'aria-label': `Position ${axis}` });
    row.append(i);
    return i;
  });
  panel.append(row);
  const target = labelled('Send to', make('select', { id: 'mc-tw-client' }));
  const send = make('button', { id: 'mc-tw-send', type: 'button' }, 'Make cube');
  panel.append(send);
  const status = make('p', { id: 'mc-tw-status', class: 'mc-dim', role: 'status' });
  panel.append(status);
  const log = make('ul', { id: 'mc-tw-log', class: 'mc-dim', 'aria-label': 'Messages from clients' });
  panel.append(log);

  // Keep the target list in step with the connected clients.
  let shown = '';
  function refreshTargets() {
    const clients = mc.clients();
    const sig = clients.map((c) => c.id).join(',');
    if (sig === shown) return;
    shown = sig;
    const keep = target.value;
    target.replaceChildren(make('option', { value: '' }, 'All clients'));
    for (const c of clients) target.append(make('option', { value: String(c.id) }, `#${c.id} ${c.addr}`));
    if ([...target.options].some((o) => o.value === keep)) target.value = keep;
  }
  refreshTargets();
  setInterval(refreshTargets, 500);

  send.addEventListener('click', () => {
    const position = xyz.map((i) => Number(i.value) || 0);
    const msg = { name: name.value || 'Cube', position };
    const client = target.value === '' ? null : Number(target.value);
    const ok = mc.sendToClients(msg, client);
    status.textContent = ok
      ? `sent ${JSON.stringify(msg)} to ${client === null ? 'all clients' : `client #${client}`}`
      : 'not connected to the relay';
  });

  mc.onMessage((m) => {
    if (m.type < 10000) return;
    const li = make('li', {}, `#${m.client}: ${JSON.stringify(m.kwargs)}`);
    log.prepend(li);
    while (log.children.length > 5) log.lastChild.remove();
  });
})();
