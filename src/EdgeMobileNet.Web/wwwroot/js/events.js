// Recent events: newest first, verdict colour, top-k with scores, latency. Click one to see its frame.
import { el, ms, pct, time } from './format.js';

const MAX = 100;

export function create() {
  const list = document.getElementById('events');
  const shown = new Set();
  return {
    reset() { list.replaceChildren(); shown.clear(); },
    result(r) {
      // The catch-up list (/api/events) and the stream may overlap or arrive out of order.
      if (shown.has(r.number)) return;
      shown.add(r.number);
      const top = r.top.map((t) => `${t.label} ${pct(t.score)}`).join(' · ');
      const li = el('li', { title: time(r.time) },
        el('span', { textContent: `#${r.number}` }),
        el('b', { textContent: r.verdict, className: `verdict-${r.verdict}` }),
        el('span', { className: 'top', textContent: top }),
        el('span', { textContent: ms(r.total_ms) }));
      li.dataset.verdict = r.verdict;
      li.dataset.number = r.number;
      li.addEventListener('click', () => {
        list.querySelectorAll('.selected').forEach((x) => x.classList.remove('selected'));
        li.classList.add('selected');
        document.dispatchEvent(new CustomEvent('select-result', { detail: r.number }));
      });
      const after = [...list.children].find((x) => Number(x.dataset.number) < r.number);
      list.insertBefore(li, after || null);
      while (list.children.length > MAX) { shown.delete(Number(list.lastElementChild.dataset.number)); list.lastElementChild.remove(); }
    },
  };
}
