// The page: one module per panel, each with the same optional hooks (reset, state, result, frame).
// The captures and training panels also take `training` (the job's status from the stream).
import { connect } from './stream.js';
import * as live from './live.js';
import * as events from './events.js';
import * as counters from './counters.js';
import * as latency from './latency.js';
import * as health from './health.js';
import * as gpio from './gpio.js';
import * as model from './model.js';
import * as captures from './captures.js';
import * as training from './training.js';

const panels = [live, events, counters, latency, health, gpio, model, captures, training].map((m) => m.create());
const each = (hook, arg) => panels.forEach((p) => p[hook] && p[hook](arg));
const conn = document.getElementById('conn');

// Selecting an event (list click) shows it in the live view when its frame is still kept.
document.addEventListener('select-result', (e) => each('select', e.detail));

connect({
  async hello(run, restarted) {
    if (restarted) each('reset');
    // Catch up on what happened while disconnected (or before the page opened).
    const r = await fetch('/api/events?since=0&limit=100', { cache: 'no-store' });
    if (r.ok) {
      const body = await r.json();
      if (body.run === run) body.events.forEach((ev) => each('result', ev));
    }
  },
  state: (s) => each('state', s),
  result: (r) => each('result', r),
  frame: (f) => each('frame', f),
  training: (t) => each('training', t),
}, (state, text) => { conn.dataset.state = state; conn.textContent = text; });
