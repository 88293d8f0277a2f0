// Numbers, sizes, times and durations for people.

export const n = (x) => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en-US'));

export function bytes(x) {
  if (x === null || x === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(x);
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u ? 1 : 0)} ${units[u]}`;
}

export function time(iso) {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function runDuration(run) {
  if (!run.started_at) return '—';
  const end = run.finished_at ? Date.parse(run.finished_at) : Date.now();
  return duration((end - Date.parse(run.started_at)) / 1000);
}

export function schedule(s) {
  if (!s || s.type === 'manual') return 'manual';
  if (s.type === 'interval') return s.every_minutes ? `every ${s.every_minutes} min` : `every ${s.every_seconds} s`;
  return `cron ${s.cron} (UTC)`;
}

export const runRows = (run) => run.streams.reduce((a, s) => a + s.rows, 0);
export const runBytes = (run) => run.streams.reduce((a, s) => a + s.bytes, 0);
