// Live view: the newest frame with what the station decided drawn on it (region of interest, label, score,
// verdict, latency). Pause to step through the recent frames the station keeps.
import { ms, pct } from './format.js';

const COLOURS = { pass: '#2ea043', reject: '#e5484d', unknown: '#d4a72c' };
const KEEP_RESULTS = 400;
const KEEP_FRAMES = 30;

export function create() {
  const canvas = document.getElementById('live-canvas');
  const ctx = canvas.getContext('2d');
  const caption = document.getElementById('live-caption');
  const mode = document.getElementById('live-mode');
  const pauseBtn = document.getElementById('live-pause');
  const prevBtn = document.getElementById('live-prev');
  const nextBtn = document.getElementById('live-next');
  const results = new Map();
  let frames = []; // FrameDto, oldest first
  let paused = false;
  let shown = -1; // index into frames while paused
  let loading = false;
  let pending = null;
  let current = null; // the frame on the canvas

  const buttons = () => {
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    mode.textContent = paused ? `paused (${shown + 1}/${frames.length})` : 'live';
    prevBtn.disabled = !paused || shown <= 0;
    nextBtn.disabled = !paused || shown >= frames.length - 1;
  };

  const draw = (frame, bitmap) => {
    const scale = Math.max(1, Math.ceil(640 / frame.width));
    canvas.width = frame.width * scale;
    canvas.height = frame.height * scale;
    ctx.imageSmoothingEnabled = scale < 3;
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const r = results.get(frame.number);
    const colour = r ? COLOURS[r.verdict] : '#8b98a5';
    const roi = frame.roi;
    ctx.lineWidth = 3;
    ctx.setLineDash([10, 6]);
    ctx.strokeStyle = colour;
    ctx.strokeRect(roi.x * scale + 1.5, roi.y * scale + 1.5, roi.width * scale - 3, roi.height * scale - 3);
    ctx.setLineDash([]);
    const font = Math.round(canvas.height / 20);
    ctx.font = `600 ${font}px system-ui, sans-serif`;
    const pad = font * 0.4;
    const label = (text, x, y, bg) => {
      const w = ctx.measureText(text).width + 2 * pad;
      ctx.fillStyle = bg;
      ctx.fillRect(x, y, w, font + 2 * pad);
      ctx.fillStyle = '#fff';
      ctx.fillText(text, x + pad, y + pad + font * 0.85);
      return w;
    };
    if (r) {
      const w = label(r.verdict.toUpperCase(), pad, pad, colour);
      label(`${r.label} ${pct(r.score)}`, 2 * pad + w, pad, 'rgba(0,0,0,.65)');
      ctx.font = `500 ${Math.round(font * 0.8)}px system-ui, sans-serif`;
      label(`#${r.number} · ${ms(r.total_ms)} (inference ${ms(r.inference_ms)})`, pad, canvas.height - font - 3 * pad, 'rgba(0,0,0,.65)');
      caption.textContent = `#${r.number} · frame ${r.frame_sequence} · ${r.label} ${pct(r.score)} → ${r.verdict} · total ${ms(r.total_ms)}, inference ${ms(r.inference_ms)}, preprocess ${ms(r.preprocess_ms)}`;
    } else {
      caption.textContent = `#${frame.number} (result no longer listed)`;
    }
    current = frame;
    canvas.dataset.number = frame.number;
    canvas.dataset.verdict = r ? r.verdict : '';
    canvas.dataset.label = r ? r.label : '';
  };

  const show = async (frame) => {
    if (loading) { pending = frame; return; }
    loading = true;
    try {
      const res = await fetch(frame.url, { cache: 'no-store' });
      const bitmap = res.ok ? await createImageBitmap(await res.blob()) : null;
      // Paused while this frame loaded: it must not replace the frame held (or stepped to).
      const wanted = !paused || frame === frames[shown];
      if (bitmap && wanted) draw(frame, bitmap);
      else if (!bitmap && paused) caption.textContent = `#${frame.number}: frame no longer kept`;
    } catch { /* connection lost: the stream reconnects */ }
    loading = false;
    if (pending) { const next = pending; pending = null; if (!paused || next === frames[shown]) show(next); }
  };

  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    if (paused) {
      // Hold the frame on the canvas (the one the operator saw), not a newer one still loading.
      const i = frames.indexOf(current);
      shown = i >= 0 ? i : frames.length - 1;
      pending = null;
    } else {
      shown = frames.length - 1;
      if (frames.length) show(frames[frames.length - 1]);
    }
    buttons();
  });
  prevBtn.addEventListener('click', () => { if (shown > 0) { shown--; show(frames[shown]); buttons(); } });
  nextBtn.addEventListener('click', () => { if (shown < frames.length - 1) { shown++; show(frames[shown]); buttons(); } });

  return {
    reset() { results.clear(); frames = []; shown = -1; buttons(); caption.textContent = 'station restarted; waiting for the first result…'; },
    result(r) {
      results.set(r.number, r);
      if (results.size > KEEP_RESULTS) results.delete(results.keys().next().value);
    },
    frame(f) {
      frames.push(f);
      if (frames.length > KEEP_FRAMES) { frames.shift(); if (paused) shown = Math.max(0, shown - 1); }
      if (!paused) show(f);
      buttons();
    },
    select(number) {
      const i = frames.findIndex((f) => f.number === number);
      if (i < 0) return;
      paused = true;
      shown = i;
      show(frames[i]);
      buttons();
    },
  };
}
