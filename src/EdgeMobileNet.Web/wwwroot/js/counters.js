// Counters since the station started.
import { facts } from './format.js';

export function create() {
  const dl = document.getElementById('counters');
  return {
    state(s) {
      const c = s.counters;
      facts(dl, [
        ['frames', c.frames],
        ['classified', c.classified],
        ['dropped', c.dropped],
        ['triggers', c.triggers],
        ['pass', c.verdicts.pass, 'verdict-pass'],
        ['reject', c.verdicts.reject, 'verdict-reject'],
        ['unknown', c.verdicts.unknown, 'verdict-unknown'],
        ['uptime', `${Math.round(s.uptime_s)} s`],
      ]);
    },
  };
}
