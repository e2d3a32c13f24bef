// Health (state and reasons), MQTT connection and outbox backlog; also the header badge.
import { facts } from './format.js';

export function create() {
  const dl = document.getElementById('health');
  const badge = document.getElementById('health-badge');
  const id = document.getElementById('station-id');
  return {
    state(s) {
      const h = s.health;
      badge.dataset.state = h.state;
      badge.textContent = h.state;
      id.textContent = s.station;
      const m = s.mqtt;
      facts(dl, [
        ['state', h.state],
        ['reasons', h.reasons.length ? h.reasons.join('; ') : 'none', h.reasons.length ? 'reasons' : ''],
        ['MQTT', m.enabled ? `${m.connected ? 'connected' : 'not connected'} (${m.broker})` : 'off'],
        ['outbox', `${m.outbox} waiting (${(m.outbox_bytes / 1024).toFixed(0)} KiB, oldest ${m.outbox_oldest_seconds.toFixed(1)} s), ${m.events_dropped} dropped`],
        ['run', s.run],
      ]);
    },
  };
}
