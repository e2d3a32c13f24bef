// GPIO: each pin the station uses, its level and last change. With the simulated driver (commissioning), buttons
// fire the trigger input and pulse the outputs.
import { el, time } from './format.js';

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : '{}' });
  const answer = await r.json().catch(() => ({}));
  return r.ok ? answer.ok : `failed: ${answer.error || r.status}`;
}

export function create() {
  const body = document.querySelector('#gpio-pins tbody');
  const driver = document.getElementById('gpio-driver');
  const trigger = document.getElementById('gpio-trigger');
  const note = document.getElementById('gpio-note');
  trigger.addEventListener('click', async () => { note.textContent = await post('/api/gpio/trigger'); });
  return {
    state(s) {
      const g = s.gpio;
      driver.textContent = g.driver;
      trigger.hidden = !(g.simulated && s.trigger.kind === 'gpio');
      body.replaceChildren(...g.pins.map((p) => {
        const led = el('span', { className: p.active ? 'on' : '', title: p.active ? 'active' : 'inactive' });
        const row = el('tr', {},
          el('td', { textContent: p.pin }),
          el('td', { textContent: `${p.role}: ${p.detail}` }),
          el('td', { className: 'level' }, led, ` ${p.level}`),
          el('td', { textContent: time(p.last_change) }),
          el('td'));
        if (g.simulated && p.role === 'output') {
          const pulse = el('button', { type: 'button', textContent: 'Pulse' });
          pulse.addEventListener('click', async () => { note.textContent = await post('/api/gpio/pulse', { pin: p.pin, ms: 500 }); });
          row.lastElementChild.append(pulse);
        }
        row.dataset.pin = p.pin;
        row.dataset.active = p.active;
        return row;
      }));
      if (!g.simulated) note.textContent = 'Buttons appear with the simulated driver (commissioning).';
    },
  };
}
