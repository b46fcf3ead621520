// Progress of a long operation, and two ways to show it: a terminal line and a notebook bar.
import type * as tslab from 'tslab';

export interface Progress {
  /** What is running, e.g. 'epoch 3/10' or 'PGD-40'. */
  label: string;
  done: number;
  total: number;
  /** Units of `done` per second. */
  rate: number;
  /** What `done` counts (default 'img'; 'MB' for downloads). */
  unit?: string;
  /** Running metrics, e.g. { loss: 0.12, acc: 0.97 }. */
  metrics: Record<string, number>;
}

export type OnProgress = (p: Progress) => void;

/** The same progress, its label prefixed ('linf-0.3: epoch 2/10'), so that nested loops say where they are. */
export function labelled(onProgress: OnProgress | undefined, prefix: string): OnProgress | undefined {
  return onProgress && ((p) => onProgress({ ...p, label: `${prefix}: ${p.label}` }));
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s % 60).padStart(2, '0')}`;
}

function describe(p: Progress): { bar: (width: number) => string; text: string } {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const metrics = Object.entries(p.metrics).map(([k, v]) => `${k} ${k.includes('acc') ? `${(100 * v).toFixed(1)}%` : v.toFixed(4)}`);
  const left = p.rate > 0 ? (p.total - p.done) / p.rate : Infinity;
  return {
    bar: (width) => '█'.repeat(Math.round(frac * width)).padEnd(width, '░'),
    text: [`${p.done}/${p.total}`, ...metrics, `${p.rate.toFixed(0)} ${p.unit ?? 'img'}/s`, `${clock(left)} left`].join('  '),
  };
}

/** A progress line on stderr: redrawn in place on a terminal, a line every 10% in a log file. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): OnProgress {
  let lastDecile = -1;
  let lastLabel = '';
  return (p) => {
    const { bar, text } = describe(p);
    if (stream.isTTY) {
      stream.write(`\r${p.label} ▕${bar(24)}▏ ${text}\x1b[K${p.done >= p.total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((10 * p.done) / p.total);
    if (decile !== lastDecile || p.label !== lastLabel) stream.write(`${p.label} ${text}\n`);
    lastDecile = decile;
    lastLabel = p.label;
  };
}

/** A progress bar in a tslab notebook, updated in place at most 4 times a second. */
export function notebookProgress(): OnProgress {
  const { newDisplay } = require('tslab') as typeof tslab;
  const display = newDisplay();
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 250 && p.done < p.total) return;
    last = now;
    const { text } = describe(p);
    display.html(`<div style="font-family:monospace">${p.label} <progress value="${p.done}" max="${p.total}" style="width:240px"></progress> ${text}</div>`);
  };
}

/** Shows a download (bytes) with the same renderer as training. */
export function downloadProgress(show: OnProgress = terminalProgress()): (p: { file: string; received: number; total: number | null }) => void {
  const started = Date.now();
  return (p) => {
    const mb = p.received / 1e6;
    show({ label: `download ${p.file}`, done: +mb.toFixed(1), total: +((p.total ?? p.received) / 1e6).toFixed(1), rate: mb / Math.max((Date.now() - started) / 1000, 1e-3), unit: 'MB', metrics: {} });
  };
}
