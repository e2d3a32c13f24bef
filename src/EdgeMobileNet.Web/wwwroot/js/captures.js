// Captures: the dataset folder's images, lowest score first (the ones worth labelling first) or newest first. Select tiles (click,
// or "Select page"), then file them into a class (an existing one or a new name), send them back to the inbox or
// delete them. "Capture now" saves the next classified frame.
import { el } from './format.js';

const PAGE = 24;
const CLASS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
  const answer = await r.json().catch(() => ({}));
  return { ok: r.ok, answer, text: r.ok ? '' : `failed: ${answer.error || (answer.problems || []).join('; ') || r.status}` };
}

export function create() {
  const panel = document.getElementById('panel-captures');
  if (!panel) return {};
  const grid = document.getElementById('captures-grid');
  const filter = document.getElementById('captures-filter');
  const sort = document.getElementById('captures-sort');
  const classInput = document.getElementById('captures-class');
  const classList = document.getElementById('captures-classes');
  const note = document.getElementById('captures-note');
  const stats = document.getElementById('captures-stats');
  const pageText = document.getElementById('captures-page');
  const selected = new Set();
  let offset = 0;
  let total = 0;
  let loading = false;
  let again = false; // a load asked for while one ran (a new sort or filter): done once it ends
  let picks = 0; // selection changes, so an automatic refresh can tell the operator started selecting meanwhile
  let lastLoad = 0;

  const ids = () => [...selected];
  const say = (text) => { note.textContent = text; };

  async function loadClasses() {
    const r = await fetch('/api/classes', { cache: 'no-store' });
    // 404: capturing is off (Capture:Enabled), and with it the gallery and training.
    if (!r.ok) return;
    panel.hidden = false;
    document.getElementById('panel-training').hidden = false;
    const c = await r.json();
    const current = filter.value;
    const options = [['', `inbox (${c.inbox})`], ['*', 'all']].concat(c.classes.map((k) => [k.name, `${k.name} (${k.count})`]));
    filter.replaceChildren(...options.map(([v, t]) => el('option', { value: v, textContent: t })));
    filter.value = options.some(([v]) => v === current) ? current : '';
    classList.replaceChildren(...c.classes.map((k) => el('option', { value: k.name })));
  }

  async function load(auto = false) {
    if (loading) { again ||= !auto; return; }
    loading = true;
    grid.setAttribute('aria-busy', 'true');
    const picksAtStart = picks;
    try {
      await loadClasses();
      const q = new URLSearchParams({ offset, limit: PAGE, sort: sort.value });
      if (filter.value) q.set('class', filter.value);
      const r = await fetch(`/api/captures?${q}`, { cache: 'no-store' });
      if (!r.ok) { say(`failed: ${r.status}`); return; }
      const body = await r.json();
      // An automatic refresh answered after the operator began selecting: keep the tiles being clicked.
      if (auto && picks !== picksAtStart) return;
      total = body.total;
      const s = body.stats;
      stats.textContent = `${s.files} images, ${(s.bytes / 1048576).toFixed(1)} MiB; saved ${s.saved}, dropped ${s.dropped_busy + s.dropped_full}`;
      pageText.textContent = total ? `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}` : 'none';
      const shown = new Set(body.items.map((i) => i.id));
      for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
      grid.replaceChildren(...body.items.map(tile));
      lastLoad = Date.now();
    } finally {
      loading = false;
      grid.removeAttribute('aria-busy');
      if (again) { again = false; load(); }
    }
  }

  function tile(item) {
    const score = item.score == null ? '' : ` ${(item.score * 100).toFixed(0)}%`;
    const where = item.class ? `→ ${item.class}` : item.reason || '';
    const t = el('figure', { className: 'tile', title: `${item.id}\n${item.label || ''}${score} ${item.verdict || ''}` },
      el('img', { src: item.url, alt: item.label || item.id, loading: 'lazy' }),
      el('figcaption', { textContent: `${item.label || '?'}${score} ${where}` }));
    t.dataset.id = item.id;
    if (item.verdict) t.dataset.verdict = item.verdict;
    t.classList.toggle('selected', selected.has(item.id));
    t.addEventListener('click', () => {
      picks++;
      if (selected.has(item.id)) selected.delete(item.id); else selected.add(item.id);
      t.classList.toggle('selected', selected.has(item.id));
      say(`${selected.size} selected`);
    });
    return t;
  }

  async function bulk(action, body) {
    if (!selected.size) { say('select images first'); return; }
    const r = await post(`/api/captures/${action}`, { ids: ids(), ...body });
    say(r.ok ? `${action}: ${r.answer.changed} image(s)${r.answer.problems.length ? '; ' + r.answer.problems.join('; ') : ''}` : r.text);
    selected.clear();
    await load();
  }

  document.getElementById('captures-label').addEventListener('click', () => {
    const name = classInput.value.trim();
    if (!CLASS_NAME.test(name)) { say('class: 1-64 letters, digits, _ - or ., starting with a letter or digit'); return; }
    bulk('label', { class: name });
  });
  document.getElementById('captures-unlabel').addEventListener('click', () => bulk('unlabel'));
  document.getElementById('captures-delete').addEventListener('click', () => bulk('delete'));
  document.getElementById('captures-all').addEventListener('click', () => {
    picks++;
    grid.querySelectorAll('.tile').forEach((t) => { selected.add(t.dataset.id); t.classList.add('selected'); });
    say(`${selected.size} selected`);
  });
  document.getElementById('captures-now').addEventListener('click', async () => {
    const r = await post('/api/captures/now', {});
    say(r.ok ? r.answer.ok : r.text);
    setTimeout(load, 700);
  });
  document.getElementById('captures-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
  document.getElementById('captures-next').addEventListener('click', () => { if (offset + PAGE < total) { offset += PAGE; load(); } });
  filter.addEventListener('change', () => { offset = 0; selected.clear(); load(); });
  sort.addEventListener('change', () => { offset = 0; selected.clear(); load(); });

  return {
    reset() { offset = 0; selected.clear(); load(); },
    // New captures arrive all the time: refresh every few seconds, but not while the operator is selecting.
    state() { if (!selected.size && Date.now() - lastLoad > 4000) load(true); },
  };
}
