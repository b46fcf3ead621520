// The explorer's attack, off the page's main thread: Web Workers made from a Blob URL of the worker's
// bundle (which works from file:// and in JupyterLab, where no script file can be fetched) run
// lib/live/worker.ts, one model each while the machine has the cores, so that two models attack at once;
// the main thread only turns their arrays into pictures. Where no worker starts (no Worker, a security
// policy that forbids blob: workers), the same code runs in the page in slices, as before.
import type { AttackSettings } from '../figures/attack';
import type { LiveExplorerData } from './data';
import { dataUrls } from './images';
import type { Port, Reply, Request, WorkerResult } from './worker';

/** The worker bundle's text, put here by lib/plots/bundle.ts when it builds the page's bundle. */
declare const AT_ODDS_WORKER_SOURCE: string;
/** Named once: esbuild writes a defined constant's value wherever the name appears. */
const WORKER_SOURCE: string = AT_ODDS_WORKER_SOURCE;

/** One model's answer for the attacked images, ready to show. */
export interface ModelResult {
  name: string;
  /** [k, H, W, C] */
  adversarial: Float32Array;
  /** [k, classes] */
  probs: Float32Array;
  advUrls: string[];
  deltaUrls: string[];
  gradUrls: string[];
}

type Shape = [number, number, number, number];

export interface Attacker {
  /** The TensorFlow.js backend the attack runs on: 'wasm' or 'cpu'. */
  backend: string;
  /** Web Workers computing (one model each, or all in one); 0 where the attack runs in the page. */
  workers: number;
  /** The first model's class for each image x [k, H, W, C] (a drawn digit's label). */
  classify(x: Float32Array, shape: Shape): Promise<number[]>;
  /**
   * Attacks x [k, H, W, C] (labels) against every model. Returns null when `stale()` says a newer attack
   * was asked for (the newer request also stops the older one in the workers, at their next slice).
   */
  attack(x: Float32Array, shape: Shape, labels: number[], a: AttackSettings, stale: () => boolean): Promise<ModelResult[] | null>;
}

/** Requests and their replies on one port, matched by id. */
class Link {
  private waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  constructor(private port: Port) {
    port.onmessage = (e: MessageEvent) => {
      const r = e.data as Reply;
      const key = r.kind === 'ready' || r.id === null ? -1 : r.id;
      const w = this.waiting.get(key);
      this.waiting.delete(key);
      if (r.kind === 'error') w?.reject(new Error(r.message));
      else w?.resolve(r);
    };
  }

  /** Sends `r` and resolves with its reply (`id` -1: the start). */
  ask(r: Request, id: number): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage(r);
    });
  }

  /** Fails every open request (a worker that died). */
  fail(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

/** `n` workers of the bundle's worker code, or null where the browser cannot start one. */
function workers(n: number): Worker[] | null {
  if (typeof Worker === 'undefined') return null;
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    return Array.from({ length: n }, () => new Worker(url));
  } catch (e) {
    console.warn('at-odds: no Web Worker here, the attack runs in the page:', e);
    return null;
  }
}

/** The worker code evaluated in the page, served over a MessageChannel. */
function inPage(): Port {
  const g = globalThis as { atOddsServeAttacks?: (port: Port) => void };
  if (!g.atOddsServeAttacks) (0, eval)(WORKER_SOURCE);
  const channel = new MessageChannel();
  g.atOddsServeAttacks!(channel.port1);
  return channel.port2;
}

/** Starts the links: each is sent its share of the models, and answers once they are loaded. */
async function start(ports: Port[], data: LiveExplorerData): Promise<{ links: Link[]; backend: string }> {
  const links = ports.map((p) => new Link(p));
  ports.forEach((p, i) => {
    // A worker whose script cannot run (a policy that blocks it after creation) says so by an error event.
    if (typeof Worker !== 'undefined' && p instanceof Worker) p.onerror = (e) => links[i].fail(new Error(e.message || 'the worker failed'));
  });
  const noWasm = typeof WebAssembly === 'undefined';
  const ready = await Promise.all(links.map((l, w) => l.ask({ kind: 'init', wasm: data.wasm, noWasm, models: data.models.filter((_, i) => i % links.length === w) }, -1)));
  return { links, backend: ready[0].kind === 'ready' ? ready[0].backend : 'unknown' };
}

/**
 * Starts the explorer's computing half: one Web Worker per model, up to the machine's cores (one
 * worker for all where it has one), else the page itself.
 */
export async function startAttacker(data: LiveExplorerData): Promise<Attacker> {
  const n = Math.max(1, Math.min(data.models.length, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1));
  const made = workers(n);
  let started: { links: Link[]; backend: string } | null = null;
  if (made) {
    try {
      started = await start(made, data);
    } catch (e) {
      console.warn('at-odds: the explorer\'s workers failed, the attack runs in the page:', e);
      made.forEach((w) => w.terminate());
    }
  }
  const inWorkers = started !== null;
  started ??= await start([inPage()], data);
  const { links, backend } = started;
  let next = 0;
  return {
    backend,
    workers: inWorkers ? links.length : 0,
    async classify(x, shape) {
      const id = ++next;
      const r = await links[0].ask({ kind: 'classify', id, x, shape }, id);
      return r.kind === 'classes' ? r.classes : [];
    },
    async attack(x, shape, labels, a, stale) {
      const id = ++next;
      const replies = await Promise.all(links.map((l) => l.ask({ kind: 'attack', id, x, shape, labels, settings: a }, id)));
      if (stale() || replies.some((r) => r.kind !== 'result')) return null;
      const byLink = replies.map((r) => (r as Extract<Reply, { kind: 'result' }>).results);
      const ordered: WorkerResult[] = data.models.map((_, i) => byLink[i % links.length][Math.floor(i / links.length)]);
      const [k, h, w, c] = shape;
      return ordered.map((m) => ({
        name: m.name, adversarial: m.adversarial, probs: m.probs,
        advUrls: dataUrls(m.adversarial, [k, h, w, c]), deltaUrls: dataUrls(m.delta, [k, h, w, 3]), gradUrls: dataUrls(m.grad, [k, h, w, 3]),
      }));
    },
  };
}
