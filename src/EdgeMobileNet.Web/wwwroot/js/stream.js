// The live connection: server-sent events from /api/stream. The browser retries by itself after a dropped
// connection; when the server answers with an error (e.g. while the station restarts, or 401 after a token change)
// EventSource gives up, so we open a new one with a growing delay. A new run id means the station restarted.
export function connect(handlers, setStatus) {
  let source = null;
  let delay = 500;
  let run = null;

  const open = () => {
    setStatus('connecting', 'connecting…');
    source = new EventSource('/api/stream');
    source.addEventListener('hello', (e) => {
      const hello = JSON.parse(e.data);
      delay = 500;
      setStatus('live', 'live');
      const restarted = run !== null && hello.ok !== run;
      run = hello.ok;
      handlers.hello(run, restarted);
    });
    for (const name of ['state', 'result', 'frame', 'training']) {
      source.addEventListener(name, (e) => handlers[name](JSON.parse(e.data)));
    }
    source.onerror = () => {
      setStatus('lost', 'reconnecting…');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(async () => {
          // A 401 means the session cookie is no longer valid: back to the login form.
          try {
            const r = await fetch('/api/state', { cache: 'no-store' });
            if (r.status === 401) { location.href = '/login'; return; }
          } catch { /* station still away */ }
          open();
        }, delay);
        delay = Math.min(delay * 2, 5000);
      }
    };
  };
  open();
}
