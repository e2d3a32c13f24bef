// Small shared formatting helpers.
export const ms = (v) => (v == null ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1)) + ' ms';
export const pct = (v) => (v * 100).toFixed(1) + '%';
export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');
export const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
};
export const facts = (dl, rows) => {
  dl.replaceChildren(...rows.flatMap(([k, v, cls]) => [el('dt', { textContent: k }), el('dd', { textContent: v, className: cls || '' })]));
};
