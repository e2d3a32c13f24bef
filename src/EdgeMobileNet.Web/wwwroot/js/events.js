// Recent events: newest first, verdict colour, top-k with scores, latency. Click one to see its frame.
import { el, ms, pct, time } from './format.js';

const MAX = 100;

export function create() {
  const list = document.getElementById('events');
  let last = 0;
  return {
    reset() { list.replaceChildren(); last = 0; },
    result(r) {
      if (r.number <= last) return;
      last = r.number;
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
      list.prepend(li);
      while (list.children.length > MAX) list.lastElementChild.remove();
    },
  };
}
