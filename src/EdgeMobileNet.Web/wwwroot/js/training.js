// Training: start a job on the labelled images, follow its progress (count, rate, ETA), read the held-out report
// (accuracy, per-class precision and recall, the confusion matrix drawn as a picture) and deploy the model.
import { el, facts, pct, time } from './format.js';

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
  const answer = await r.json().catch(() => ({}));
  return r.ok ? (answer.ok || `${r.status}`) : `failed: ${answer.error || answer.reason || r.status}`;
}

// confusion[true][predicted]: each row coloured by its share, counts written in the cells.
function drawConfusion(canvas, classes, m) {
  const k = classes.length;
  const ctx = canvas.getContext('2d');
  const margin = 90;
  const cell = Math.floor((canvas.width - margin - 10) / Math.max(k, 1));
  ctx.fillStyle = '#1a2027';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (let t = 0; t < k; t++) {
    const rowTotal = m[t].reduce((a, b) => a + b, 0) || 1;
    for (let p = 0; p < k; p++) {
      const share = m[t][p] / rowTotal;
      const x = margin + p * cell;
      const y = margin + t * cell;
      ctx.fillStyle = t === p ? `rgba(46,160,67,${0.15 + 0.85 * share})` : `rgba(229,72,77,${share ? 0.2 + 0.8 * share : 0.05})`;
      ctx.fillRect(x + 1, y + 1, cell - 2, cell - 2);
      ctx.fillStyle = '#e6edf3';
      ctx.textAlign = 'center';
      ctx.fillText(String(m[t][p]), x + cell / 2, y + cell / 2);
    }
    ctx.textAlign = 'right';
    ctx.fillStyle = '#8b98a5';
    ctx.fillText(classes[t].slice(0, 12), margin - 6, margin + t * cell + cell / 2);
  }
  ctx.save();
  for (let p = 0; p < k; p++) {
    ctx.setTransform(1, 0, 0, 1, margin + p * cell + cell / 2, margin - 6);
    ctx.rotate(-Math.PI / 4);
    ctx.textAlign = 'left';
    ctx.fillText(classes[p].slice(0, 12), 0, 0);
  }
  ctx.restore();
  ctx.fillStyle = '#8b98a5';
  ctx.textAlign = 'left';
  ctx.fillText('true ↓  predicted →', 4, 12);
}

export function create() {
  const panel = document.getElementById('panel-training');
  if (!panel) return {};
  const stateText = document.getElementById('training-state');
  const bar = document.getElementById('training-progress');
  const progressText = document.getElementById('training-progress-text');
  const summary = document.getElementById('training-summary');
  const table = document.getElementById('training-classes');
  const perClass = table.querySelector('tbody');
  const canvas = document.getElementById('training-confusion');
  const note = document.getElementById('training-note');
  const start = document.getElementById('training-start');
  const cancel = document.getElementById('training-cancel');
  const deploy = document.getElementById('training-deploy');
  start.addEventListener('click', async () => {
    const answer = await post('/api/training/start');
    note.textContent = answer === '202' ? 'training started' : answer;
  });
  cancel.addEventListener('click', async () => { note.textContent = await post('/api/training/cancel'); });
  deploy.addEventListener('click', async () => {
    deploy.disabled = true;
    note.textContent = 'deploying…';
    const r = await fetch('/api/training/deploy', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const a = await r.json().catch(() => ({}));
    note.textContent = r.ok ? `deployed ${a.file} (${a.sha256.slice(0, 12)}…), classes ${a.labels.join(', ')}` : `refused: ${a.error || a.reason || r.status}`;
    deploy.disabled = false;
  });

  const show = (s) => {
    panel.dataset.state = s.state;
    stateText.textContent = s.state + (s.backbone ? ` · backbone ${s.backbone}` : '');
    const running = s.state === 'running';
    start.disabled = running;
    cancel.disabled = !running;
    deploy.disabled = running || !s.model;
    const p = s.progress;
    bar.hidden = !running;
    if (running && p) {
      bar.max = Math.max(p.total, 1);
      bar.value = p.done;
      progressText.textContent = `${p.stage}: ${p.done}/${p.total}, ${p.rate_per_second.toFixed(1)}/s${p.eta_s != null ? `, ETA ${Math.round(p.eta_s)} s` : ''}`;
    } else {
      progressText.textContent = s.error ? `error: ${s.error}` : s.finished ? `finished ${time(s.finished)}` : '';
    }
    const r = s.report;
    table.hidden = !r;
    if (!r) { summary.replaceChildren(); perClass.replaceChildren(); canvas.hidden = true; return; }
    facts(summary, [
      ['model', s.model ? `${s.model.file} (${s.model.sha256.slice(0, 12)}…)` : '–'],
      ['method', `${r.method}, ${r.folds} folds`],
      ['images', r.classes.map((c, i) => `${c} ${r.images_per_class[i]}`).join(', ')],
      ['held-out accuracy', r.held_out_accuracy_int8 != null ? `${pct(r.held_out_accuracy_int8)} (int8)` : r.held_out_accuracy != null ? pct(r.held_out_accuracy) : 'not measured'],
      ['deployed', s.deploy ? `${s.deploy.swapped ? 'yes' : 'refused: ' + s.deploy.reason} ${time(s.deploy.time)}` : 'no'],
    ]);
    perClass.replaceChildren(...r.per_class.map((c) => el('tr', {},
      el('td', { textContent: c.name }), el('td', { textContent: c.support }),
      el('td', { textContent: pct(c.precision) }), el('td', { textContent: pct(c.recall) }))));
    canvas.hidden = r.folds === 0;
    if (r.folds > 0) drawConfusion(canvas, r.classes, r.confusion);
  };

  fetch('/api/training', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : null)).then((s) => s && show(s)).catch(() => {});
  return { training: show };
}
