// The model in use: file name, sha256, engine, input size, labels.
import { facts } from './format.js';

export function create() {
  const dl = document.getElementById('model');
  let key = '';
  return {
    state(s) {
      const m = s.model;
      const k = m.sha256 + m.engine;
      if (k === key) return;
      key = k;
      facts(dl, [
        ['name', m.name],
        ['sha256', m.sha256],
        ['engine', m.engine],
        ['input', m.input_width ? `${m.input_width}×${m.input_height}` : '–'],
        ['labels', m.labels.length ? `${m.labels.length}: ${m.labels.slice(0, 20).join(', ')}${m.labels.length > 20 ? ', …' : ''}` : 'class indices'],
        ['trigger', s.trigger.kind + (s.trigger.pin != null ? ` (pin ${s.trigger.pin}, ${s.trigger.edge})` : '')],
      ]);
    },
  };
}
