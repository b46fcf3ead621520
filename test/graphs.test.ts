// Training and PGD steps as one TensorFlow graph (lib/backend/graphs.ts) against the same steps op by
// op: the same bits, step after step, with the graph actually used; and the steps it must not
// replay (a tensor that is not an input, a variable assigned, data made in JavaScript) run op by op.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { compiled, setCompiler } from '../lib/backend/compiled';
import { graphStats, installGraphs } from '../lib/backend/graphs';
import { architecture } from '../lib/models/architectures';
import { pgd } from '../lib/attacks/pgd';
import type { ModelFunction } from '../lib/models/classifier';
import { trainStep } from '../lib/train/loop';
import { setFastLayers } from '../lib/models/fast-path';
import { makeOptimizer, trainableVariables } from '../lib/train/optimizer';

let node = false;
test.before(async () => {
  node = (await initBackend({ quiet: true })).name === 'node' && process.env.AT_ODDS_GRAPHS !== '0';
});

/** Runs fn with the graph compiler on (graphs) or off (op by op). */
function withGraphs<T>(on: boolean, fn: () => T): T {
  if (!on) setCompiler(null);
  try {
    return fn();
  } finally {
    installGraphs();
  }
}

const images = (n: number, seed: number) => tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
const labels = (n: number, seed: number) => tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([n], 0, 10, 'float32', seed)), 'int32')) as tf.Tensor1D;

function sameBits(a: tf.Tensor, b: tf.Tensor): boolean {
  const [x, y] = [a.dataSync(), b.dataSync()];
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

test.serial('a training step as one graph gives the op-by-op step\'s weights to the bit, step after step', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const before = { compiled: graphStats.compiled, runs: graphStats.runs };
  const trainFour = (graphs: boolean) => withGraphs(graphs, () => {
    const net = architecture('small').build(3);
    const optimizer = makeOptimizer({ name: 'adam', lr: 1e-3 });
    const vars = trainableVariables(net);
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const [x, y] = [images(24, 10 + s), labels(24, 20 + s)];
      // Steps 2 and 3 are adversarial: PGD's gradient is a graph of its own.
      const m = trainStep(net, optimizer, vars, x, y, { seed: s, ...(s >= 2 ? { adversarial: { threat: 'linf', eps: 0.1, stepSize: 0.03, steps: 3, restarts: 1, randomStart: true, stepScale: 1 } as never } : {}) });
      losses.push(m.advLoss);
      tf.dispose([x, y]);
    }
    optimizer.dispose();
    return { net, losses };
  });
  const graph = trainFour(true);
  const used = { compiled: graphStats.compiled - before.compiled, runs: graphStats.runs - before.runs };
  const eager = trainFour(false);
  t.true(used.compiled >= 2 && used.runs >= 4, `the graphs were used (${JSON.stringify(used)})`);
  t.deepEqual(graph.losses, eager.losses);
  graph.net.weights.forEach((w, i) => t.true(sameBits(w.read(), eager.net.weights[i].read()), `weight ${w.name}`));
  graph.net.dispose();
  eager.net.dispose();
});

test.serial('PGD with one graph a step gives the op-by-op attack to the bit, in both norms, and leaves no tensor behind', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const net = architecture('small').build(5);
  // 80 images: more than MAX_CONSTANT, so the gradient's seed of ones (made in JavaScript) must pass as uniform.
  const [x, y] = [images(80, 1), labels(80, 2)];
  for (const spec of [{ threat: 'linf', eps: 0.2, stepSize: 0.05 }, { threat: 'l2', eps: 1.5, stepSize: 0.4 }] as const) {
    const attack = () => pgd(net, x, y, { ...spec, steps: 5, seed: 7 });
    const runs = graphStats.runs;
    withGraphs(true, () => attack().dispose()); // records the step's graph
    const tensors = tf.memory().numTensors;
    const graph = withGraphs(true, attack);
    t.true(graphStats.runs - runs >= 9, `${spec.threat}: the graph ran for the steps after the first`);
    const eager = withGraphs(false, attack);
    t.true(sameBits(graph, eager), spec.threat);
    t.false(sameBits(graph, x), `${spec.threat}: the attack moved the images`);
    tf.dispose([graph, eager]);
    t.is(tf.memory().numTensors, tensors - 0, `${spec.threat}: no tensor left behind`);
  }
  tf.dispose([x, y]);
  net.dispose();
});

test.serial('a step that reads a tensor that is not an input, assigns a variable or makes data in JavaScript runs op by op', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const x = tf.tensor1d([1, 2, 3]);
  const owner = {};
  const refusedBefore = graphStats.refused.length;
  const why = () => graphStats.refused.slice(refusedBefore).map((r) => r.why);

  // A captured tensor: replaying it would bake in its first value.
  for (const c of [10, 20]) {
    const captured = tf.tensor1d([c, c, c]);
    const [out] = compiled(owner, 'captures', () => [tf.add(x, captured)], [x]);
    t.deepEqual(Array.from(out.dataSync()), [1 + c, 2 + c, 3 + c]);
    tf.dispose([out, captured]);
  }
  t.true(why().some((w) => /not one of its inputs/.test(w)), why().join('; '));

  // A variable assigned twice in one step.
  const v = tf.variable(tf.zeros([3]));
  for (let i = 1; i <= 2; i++) {
    const [out] = compiled(owner, 'assigns twice', () => { v.assign(tf.add(v, x)); v.assign(tf.add(v, x)); return [tf.mul(x, 2)]; }, [x, v]);
    t.deepEqual(Array.from(v.dataSync()), [2 * i, 4 * i, 6 * i], 'the assignments happen on every call');
    out.dispose();
  }
  t.true(why().some((w) => /assigns a variable twice/.test(w)), why().join('; '));

  // Random numbers drawn in JavaScript: a new draw each call.
  const draws = [1, 2].map(() => {
    const [out] = compiled(owner, 'random', () => [tf.add(tf.randomUniform([100]), 0)], []);
    const d = Array.from(out.dataSync());
    out.dispose();
    return d;
  });
  t.notDeepEqual(draws[0], draws[1]);
  t.true(why().some((w) => /in JavaScript/.test(w)), why().join('; '));

  // A value read into JavaScript that decides what the step does.
  for (const [input, expected] of [[[1, 2, 3], [2, 4, 6]], [[-1, 2, 3], [-2, 1, 2]]] as const) {
    const a = tf.tensor1d(input as unknown as number[]);
    const [out] = compiled(owner, 'branches', () => [a.dataSync()[0] > 0 ? tf.mul(a, 2) : tf.sub(a, 1)], [a]);
    t.deepEqual(Array.from(out.dataSync()), expected as unknown as number[]);
    tf.dispose([a, out]);
  }
  t.true(why().some((w) => /reads tensor values into JavaScript/.test(w)), why().join('; '));
  tf.dispose([x, v]);
});

test.serial('a recorded step replays with new inputs of the same shape', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const owner = {};
  const f = (a: tf.Tensor, b: tf.Tensor) => compiled(owner, 'affine', () => [tf.add(tf.matMul(a, b), 1)], [a, b])[0];
  const runs = graphStats.runs;
  for (const k of [1, 2, 3]) {
    const [a, b] = [tf.tensor2d([[k, 1], [0, k]]), tf.tensor2d([[1, 2], [3, 4]])];
    const out = f(a, b);
    t.deepEqual(out.arraySync(), tf.tidy(() => tf.add(tf.matMul(a, b), 1).arraySync()));
    tf.dispose([a, b, out]);
  }
  t.is(graphStats.runs - runs, 2, 'recorded on the first call, replayed on the next two');
});

test.serial('a step that assigns a variable (a running mean) assigns it on every replay', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const x = tf.tensor1d([1, 2, 3]);
  const v = tf.variable(tf.zeros([3]));
  const runs = graphStats.runs;
  for (let i = 1; i <= 3; i++) {
    const [out] = compiled({}, 'running mean', () => { v.assign(tf.add(tf.mul(v, 0.5), x)); return [tf.mul(v, 2)]; }, [x, v]);
    out.dispose();
  }
  // 1, 1.5, 1.75 times x after three calls of v <- v / 2 + x.
  t.deepEqual(Array.from(v.dataSync()), [1.75, 3.5, 5.25]);
  tf.dispose([x, v]);
  t.is(graphStats.runs, runs, 'a fresh owner: recorded each time, not replayed');
  const owner = {};
  const w = tf.variable(tf.zeros([3]));
  const y = tf.tensor1d([1, 2, 3]);
  for (let i = 1; i <= 3; i++) compiled(owner, 'running mean', () => { w.assign(tf.add(tf.mul(w, 0.5), y)); return [tf.mul(w, 2)]; }, [y, w])[0].dispose();
  t.deepEqual(Array.from(w.dataSync()), [1.75, 3.5, 5.25]);
  t.is(graphStats.runs - runs, 2, 'recorded once, replayed twice');
  tf.dispose([y, w]);
});

test.serial('ResNet-9 (batch norm in training mode) trains as graphs to the bit of the op-by-op run, running statistics included', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const runs = graphStats.runs;
  const trainThree = (graphs: boolean) => withGraphs(graphs, () => {
    const net = architecture('resnet9-4').build(1);
    const optimizer = makeOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true });
    const vars = trainableVariables(net);
    for (let s = 0; s < 3; s++) {
      const x = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 30 + s) as tf.Tensor4D;
      const y = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([8], 0, 10, 'float32', 40 + s)), 'int32')) as tf.Tensor1D;
      trainStep(net, optimizer, vars, x, y, { seed: s, weightDecay: 5e-4 });
      tf.dispose([x, y]);
    }
    optimizer.dispose();
    return net;
  });
  const graph = trainThree(true);
  t.true(graphStats.runs - runs >= 2, 'the graph ran');
  const eager = trainThree(false);
  graph.weights.forEach((w, i) => t.true(sameBits(w.read(), eager.weights[i].read()), `weight ${w.name}`));
  t.true(graph.weights.some((w) => /moving_mean/.test(w.name)), 'the running statistics are among the weights compared');
  graph.dispose();
  eager.dispose();
});

test.serial('switching our layers\' fast paths forgets the recorded steps: the same model then runs other ops', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const net = architecture('resnet9-4').build(2);
  const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 50) as tf.Tensor4D;
  const weights = net.weights.map((w) => w.read());
  // Logits in inference mode: the fast path folds batch norm into the convolutions, which moves the last bits.
  const logits = () => compiled(net, 'logits', () => [net.apply(x, { training: false }) as tf.Tensor], [x, ...weights])[0];
  const fast = withGraphs(true, () => { logits().dispose(); return logits(); });
  setFastLayers(false);
  try {
    const stockGraph = withGraphs(true, logits);
    const stockEager = withGraphs(false, logits);
    t.true(sameBits(stockGraph, stockEager), 'with the stock layers, the graph is the stock layers\' graph');
    t.false(sameBits(fast, stockEager), 'the two paths differ in the last bits, so the check above can fail');
    tf.dispose([stockGraph, stockEager]);
  } finally {
    setFastLayers(true);
  }
  tf.dispose([fast, x]);
  net.dispose();
});

test.serial('a step that fails while it is recorded fails as it would op by op, and leaves the backend and memory as they were', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const x = tf.tensor1d([1, 2, 3]);
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const methods = ['executeSingleOutput', 'executeMultipleOutputs', 'write', 'readSync'].map((k) => [k, Object.getOwnPropertyDescriptor(backend, k)?.value, backend[k]]);
  const assign = tf.Variable.prototype.assign;
  const tensors = tf.memory().numTensors;
  t.throws(() => compiled({}, 'fails', () => tf.tidy(() => {
    tf.add(x, 1);
    throw new Error('bad input: labels out of range');
  }), [x]), { message: /bad input/ });
  t.is(tf.memory().numTensors, tensors, 'no tensor left behind');
  for (const [k, own, seen] of methods) t.true(Object.getOwnPropertyDescriptor(backend, k as string)?.value === own && backend[k as string] === seen, `${k} as it was`);
  t.is(tf.Variable.prototype.assign, assign, 'tf.Variable.assign as it was');
  x.dispose();
});

test.serial('a mean over 7x7 (a division by the constant 49, which TensorFlow\'s optimizer would turn into a product) replays to the bit', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const w = tf.randomNormal([3, 3, 3, 6], 0, 0.5, 'float32', 4) as tf.Tensor4D;
  // A global average pool, as MobileNet's and the robustness library's ResNets end, and its gradient.
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.mean(tf.relu6(tf.conv2d(x as tf.Tensor4D, w, 2, 'same')), [1, 2]))));
  const x = tf.randomUniform([3, 14, 14, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const owner = {};
  const step = () => compiled(owner, 'mean 7x7', () => [grad(x)], [x, w])[0];
  const before = { compiled: graphStats.compiled, refused: graphStats.refused.length };
  const recorded = withGraphs(true, step);
  const replayed = withGraphs(true, step);
  t.is(graphStats.refused.length, before.refused, graphStats.refused.at(-1)?.why);
  t.is(graphStats.compiled, before.compiled + 1);
  const eager = withGraphs(false, step);
  t.true(sameBits(replayed, eager) && sameBits(recorded, eager));
  tf.dispose([w, x, recorded, replayed, eager]);
});

test.serial('a function model that declares the tensors it reads is attacked with one graph a step, to the bit; one that does not runs op by op', (t) => {
  if (!node) { t.pass('tfjs-node is not built here (or AT_ODDS_GRAPHS=0)'); return; }
  const w = tf.randomNormal([3, 3, 1, 4], 0, 0.5, 'float32', 8) as tf.Tensor4D;
  const head = tf.randomNormal([4, 10], 0, 0.5, 'float32', 9) as tf.Tensor2D;
  const body = (x: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => tf.matMul(tf.mean(tf.relu(tf.conv2d(x, w, 2, 'same')), [1, 2]) as tf.Tensor2D, head));
  const declared: ModelFunction = (x) => body(x);
  declared.weights = [w, head];
  const undeclared: ModelFunction = (x) => body(x);
  const [x, y] = [images(6, 3), labels(6, 4)];
  const attack = (m: ModelFunction) => pgd(m, x, y, { threat: 'linf', eps: 0.2, stepSize: 0.05, steps: 4, seed: 1 });
  let runs = graphStats.runs;
  const graph = withGraphs(true, () => attack(declared));
  t.true(graphStats.runs - runs >= 3, 'the declared model\'s steps after the first ran as a graph');
  const eager = withGraphs(false, () => attack(declared));
  t.true(sameBits(graph, eager));
  runs = graphStats.runs;
  const refused = graphStats.refused.length;
  const plain = withGraphs(true, () => attack(undeclared));
  t.is(graphStats.runs, runs, 'no graph for a model whose tensors are unknown');
  t.is(graphStats.refused.length, refused, 'nor a refusal: it is not recorded at all');
  t.true(sameBits(plain, eager));
  tf.dispose([w, head, x, y, graph, eager, plain]);
});
