// Latency histogram since start: total (trigger to verdict), inference and preprocess, per bucket.
import { ms } from './format.js';

const SERIES = [['total', '#4c9aff'], ['inference', '#a371f7'], ['preprocess', '#3fb9a0']];

export function create() {
  const canvas = document.getElementById('latency-chart');
  const ctx = canvas.getContext('2d');
  const summary = document.getElementById('latency-summary');
  return {
    state(s) {
      const l = s.latency;
      summary.textContent = l.total_p50_ms == null ? '' : `p50 ${ms(l.total_p50_ms)} · p99 ${ms(l.total_p99_ms)}`;
      // Buckets from the first to the last one holding anything, so the bars use the width.
      const used = (i) => SERIES.some(([k]) => l[k][i] > 0);
      let first = l.total.findIndex((_, i) => used(i));
      let last = l.total.length - 1;
      while (last > 0 && !used(last)) last--;
      if (first < 0) { first = 0; last = Math.min(5, l.total.length - 1); }
      const n = last - first + 1;
      const dpr = window.devicePixelRatio || 1;
      const w = canvas.clientWidth || 480;
      const h = Math.round(w * 0.42);
      canvas.width = w * dpr; canvas.height = h * dpr;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const axis = 18;
      const max = Math.max(1, ...SERIES.flatMap(([k]) => l[k].slice(first, last + 1)));
      const slot = w / n;
      const bar = Math.max(2, (slot - 6) / SERIES.length);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      for (let i = 0; i < n; i++) {
        const b = first + i;
        SERIES.forEach(([k, colour], j) => {
          const v = l[k][b];
          const bh = (h - axis - 4) * v / max;
          ctx.fillStyle = colour;
          ctx.fillRect(i * slot + 3 + j * bar, h - axis - bh, bar - 1, bh);
        });
        ctx.fillStyle = '#8b98a5';
        const label = b < l.bounds_ms.length ? `≤${l.bounds_ms[b]}` : `>${l.bounds_ms[l.bounds_ms.length - 1]}`;
        ctx.fillText(label, i * slot + slot / 2, h - 5);
      }
      canvas.dataset.samples = l.total.reduce((a, b) => a + b, 0);
    },
  };
}
