// Training and attack steps as one TensorFlow graph each, on tfjs-node.
//
// tfjs-node runs every op on its own: a call through JavaScript and N-API into TensorFlow's eager
// runtime, then the kernel. The small MNIST CNN's training step is about 75 ops and spent a third of
// its time between kernels (issue #20: 12.6 ms forward and backward op by op, 6.6 ms as one graph).
// TensorFlow runs a graph in one call, with its own executor, and both cores busy on independent
// branches of the backward pass.
//
// Nothing here builds graphs by hand. The step runs once op by op while every TensorFlow op it calls
// is recorded (name, attributes, which earlier op or input each operand came from); the record is a
// GraphDef, written as a SavedModel, which tfjs-node loads into a TensorFlow session. Later calls
// feed the inputs to that session and fetch the outputs. It is the same ops with the same attributes,
// so the same kernels: the graph is checked, once, to give the recorded run's outputs to the bit, and
// is not used otherwise.
//
// A step is recorded only where replaying it is safe: it may read no tensor but its declared inputs
// and the constants it makes (shape vectors, scalars, ones); it may not make data in JavaScript
// (random numbers). The variables it assigns (batch norm's running statistics in training mode) are
// fetched from the graph and assigned after each run, in the recorded order. Otherwise it runs op by
// op, as it always did.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { NodeBackend, TfeAttr } from './node-kernels';
import { setCompiler } from './compiled';

interface SessionBackend extends NodeBackend {
  write(values: unknown, shape: number[], dtype: tf.DataType): object;
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: tf.Tensor[], infos: { name: string }[], outputs: string[]): tf.Tensor[];
  binding: NodeBackend['binding'] & { deleteSavedModel(id: number): void };
}

/**
 * The most values a tensor that the step makes from JavaScript values may have, unless all of them
 * are equal: shape vectors, axes and scalars pass, and so do ones and zeros; random numbers do not.
 */
const MAX_CONSTANT = 64;
/** Sessions kept at once; the least recently used one is closed beyond this. */
const MAX_GRAPHS = 64;

/**
 * Type attributes that tfjs-node leaves to TensorFlow's eager runtime, which reads them off the
 * inputs; a GraphDef must state them. Per op, the attribute each input's type sets (TensorFlow's
 * op definitions); an op not listed sets 'T' from its first input.
 */
const INPUT_TYPE_ATTRS: Record<string, (string | null)[]> = {
  Reshape: ['T', 'Tshape'], Cast: ['SrcT'], SparseSoftmaxCrossEntropyWithLogits: ['T', 'Tlabels'],
  Mean: ['T', 'Tidx'], Sum: ['T', 'Tidx'], Max: ['T', 'Tidx'], Min: ['T', 'Tidx'], Prod: ['T', 'Tidx'], ArgMax: ['T', 'Tidx'], ArgMin: ['T', 'Tidx'],
  ExpandDims: ['T', 'Tdim'], Transpose: ['T', 'Tperm'], Tile: ['T', 'Tmultiples'], Pad: ['T', 'Tpaddings'], Slice: ['T', 'Index'],
  OneHot: ['TI', null, 'T', 'T'], Conv2DBackpropInput: [null, 'T', 'T'], Conv2DBackpropFilter: ['T', null, 'T'],
  _MklNativeMaxPoolGrad: ['T', 'T', 'T', null], Select: [null, 'T', 'T'], SelectV2: [null, 'T', 'T'], Fill: ['index_type', 'T'],
  // No 'T' at all (tfjs-node states Tidx): TensorFlow would log the extra attribute as an error.
  Range: [null, null, null],
};

/** TensorFlow's DataType numbers (the same in its C API and its protos). */
const DTYPE: Partial<Record<tf.DataType, number>> = { float32: 1, int32: 3, bool: 10 };

class Untraceable extends Error {}

// tfjs-node's generated protobuf classes for SavedModel, GraphDef and their parts (google-protobuf,
// untyped): each message has a getter and a setter per field, and getXMap() for a map field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Message = { [method: string]: (...args: any[]) => any };
type Proto = Record<string, (new () => Message) & Record<string, new () => Message>>;
let protoCache: Proto | undefined;
const proto = (): Proto => (protoCache ??= require('@tensorflow/tfjs-node/dist/proto/api_pb') as Proto);

/**
 * The recorded step: a GraphDef, the placeholder fed by each input, the tensor fetched for each
 * output, and the outputs of the run that was recorded; or why it cannot be replayed.
 */
interface Recording {
  graphDef: Message; feeds: string[]; fetches: string[]; outputs: tf.Tensor[]; refused?: string;
  /** Variables the step assigns (batch norm's running statistics), in order: the fetches after the outputs are their new values. */
  assigned: tf.Variable[];
}

function attrValue(backend: SessionBackend, a: TfeAttr): Message {
  const P = proto();
  const b = backend.binding;
  const v = new P.AttrValue();
  const one = (set: (x: unknown) => void, x: unknown) => {
    switch (a.type) {
      case b.TF_ATTR_INT: case b.TF_ATTR_FLOAT: case b.TF_ATTR_BOOL: case b.TF_ATTR_TYPE: set(x); break;
      case b.TF_ATTR_STRING: set(Buffer.from(String(x))); break;
      default: throw new Untraceable(`attribute ${a.name} of a type the recorder does not write (${a.type})`);
    }
  };
  const key = { [b.TF_ATTR_INT]: 'I', [b.TF_ATTR_FLOAT]: 'F', [b.TF_ATTR_BOOL]: 'B', [b.TF_ATTR_TYPE]: 'Type', [b.TF_ATTR_STRING]: 'S' }[a.type];
  if (Array.isArray(a.value)) {
    const list = new P.AttrValue.ListValue();
    for (const x of a.value) one((y) => list[`add${key}`](y), x);
    v.setList(list);
  } else {
    one((y) => v[`set${key}`](y), a.value);
  }
  return v;
}

function typeAttr(dtype: tf.DataType): Message {
  const v = new (proto().AttrValue)();
  const n = DTYPE[dtype];
  if (n === undefined) throw new Untraceable(`a ${dtype} tensor`);
  v.setType(n);
  return v;
}

/** Runs fn once op by op, recording it (a failure is noted, and fn runs on: its outputs are good either way). */
function record(backend: SessionBackend, fn: () => tf.Tensor[], inputs: tf.Tensor[]): Recording {
  const P = proto();
  const graphDef = new P.GraphDef();
  const names = new Map<object, string>();
  const made = new Set<object>();
  let nodes = 0;
  const node = (op: string): Message => {
    const n = new P.NodeDef();
    n.setName(`n${nodes++}`);
    n.setOp(op);
    graphDef.addNode(n);
    return n;
  };
  let refused: string | undefined;
  let readingConstant = false;
  const feeds = inputs.map((t) => {
    const n = node('Placeholder');
    if (DTYPE[t.dtype] === undefined) refused ??= `an input of type ${t.dtype}`;
    else n.getAttrMap().set('dtype', typeAttr(t.dtype));
    const name = `${n.getName()}:0`;
    if (!names.has(t.dataId)) names.set(t.dataId, name);
    return name;
  });
  const constant = (t: TensorInfo): string => {
    if (!made.has(t.dataId)) throw new Untraceable('the step reads a tensor that is not one of its inputs');
    readingConstant = true;
    const values = backend.readSync(t.dataId) as unknown as Float32Array | Int32Array;
    readingConstant = false;
    // tfjs makes ones and zeros (a sum's gradient seed, a mask) in JavaScript: uniform, any size.
    if (values.length > MAX_CONSTANT && values.some((v) => !Object.is(v, values[0]))) {
      throw new Untraceable(`the step makes a tensor of ${values.length} values in JavaScript (random numbers?)`);
    }
    const tensor = new P.Tensor();
    tensor.setDtype(typeAttr(t.dtype).getType());
    const shape = new P.TensorShape();
    for (const d of t.shape) {
      const dim = new P.TensorShape.Dim();
      dim.setSize(d);
      shape.addDim(dim);
    }
    tensor.setTensorShape(shape);
    tensor.setTensorContent(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    const n = node('Const');
    const value = new P.AttrValue();
    value.setTensor(tensor);
    n.getAttrMap().set('value', value);
    n.getAttrMap().set('dtype', typeAttr(t.dtype));
    let name = `${n.getName()}:0`;
    if (t.dtype === 'float32') {
      // Seen through a PlaceholderWithDefault, a float constant is a value TensorFlow's graph optimizer
      // does not rewrite around: it turns x / c into x * (1 / c), not the same bits (a mean's gradient
      // divides by the pooled size, 49 in MobileNet), and may merge c1 * (c2 * x). Integer constants
      // (shapes, axes) stay plain, so that shapes stay known.
      const seen = node('PlaceholderWithDefault');
      seen.addInput(name);
      seen.getAttrMap().set('dtype', typeAttr(t.dtype));
      const shapeAttr = new P.AttrValue();
      shapeAttr.setShape(shape);
      seen.getAttrMap().set('shape', shapeAttr);
      name = `${seen.getName()}:0`;
    }
    names.set(t.dataId, name);
    return name;
  };
  const recordOp = (op: string, attrs: TfeAttr[], ins: TensorInfo[], outs: TensorInfo[]) => {
    if (refused) return;
    try {
      recordNode(op, attrs, ins, outs);
    } catch (e) {
      if (!(e instanceof Untraceable)) throw e;
      refused = e.message;
    }
  };
  const recordNode = (op: string, attrs: TfeAttr[], ins: TensorInfo[], outs: TensorInfo[]) => {
    const n = node(op);
    for (const t of ins) n.addInput(names.get(t.dataId) ?? constant(t));
    const map = n.getAttrMap() as unknown as Map<string, Message>;
    for (const a of attrs) map.set(a.name, attrValue(backend, a));
    (INPUT_TYPE_ATTRS[op] ?? ['T']).forEach((attr, i) => {
      if (attr && ins[i] && !map.has(attr)) map.set(attr, typeAttr(ins[i].dtype));
    });
    outs.forEach((t, i) => names.set(t.dataId, `${n.getName()}:${i}`));
  };

  const own = backend as unknown as Record<string, unknown>;
  const hooked = ['executeSingleOutput', 'executeMultipleOutputs', 'write', 'readSync'];
  const saved = hooked.map((k) => Object.getOwnPropertyDescriptor(own, k));
  const single = backend.executeSingleOutput;
  const multiple = backend.executeMultipleOutputs;
  const write = backend.write;
  const readSync = backend.readSync;
  const assign = tf.Variable.prototype.assign;
  const assignments: { v: tf.Variable; value: tf.Tensor }[] = [];
  own.executeSingleOutput = (op: string, attrs: TfeAttr[], ins: TensorInfo[]) => {
    const out = single.call(backend, op, attrs, ins);
    recordOp(op, attrs, ins, [out]);
    return out;
  };
  own.executeMultipleOutputs = (op: string, attrs: TfeAttr[], ins: TensorInfo[], n: number) => {
    const outs = multiple.call(backend, op, attrs, ins, n);
    recordOp(op, attrs, ins, outs);
    return outs;
  };
  own.write = (values: unknown, shape: number[], dtype: tf.DataType) => {
    const id = write.call(backend, values, shape, dtype);
    made.add(id);
    return id;
  };
  // A value read into JavaScript may steer what the step does next: the graph would not follow it.
  own.readSync = (dataId: object) => {
    if (!readingConstant) refused ??= 'the step reads tensor values into JavaScript';
    return readSync.call(backend, dataId);
  };
  tf.Variable.prototype.assign = function (this: tf.Variable, value: tf.Tensor) {
    assignments.push({ v: this, value });
    return assign.call(this, value);
  };
  let outputs: tf.Tensor[];
  try {
    outputs = fn();
  } finally {
    hooked.forEach((k, i) => {
      if (saved[i]) Object.defineProperty(own, k, saved[i]!);
      else delete own[k];
    });
    tf.Variable.prototype.assign = assign;
  }
  const fetches = [...outputs, ...assignments.map((a) => a.value)].map((t) => names.get(t.dataId));
  const assigned = assignments.map((a) => a.v);
  if (new Set(assigned).size < assigned.length) refused ??= 'the step assigns a variable twice';
  if (fetches.some((f) => f === undefined)) refused ??= 'an output or an assigned value is not made by the step';
  return { graphDef, feeds, fetches: fetches as string[], outputs, refused, assigned };
}

/** A recorded step loaded into a TensorFlow session. */
class Graph {
  private feeds: { name: string }[];

  constructor(private backend: SessionBackend, private session: number, feeds: string[], private fetches: string[], readonly assigned: tf.Variable[]) {
    this.feeds = feeds.map((name) => ({ name }));
  }

  /** The step's outputs, then the new values of the variables it assigns (not assigned here). */
  run(inputs: tf.Tensor[]): tf.Tensor[] {
    return this.backend.runSavedModel(this.session, inputs, this.feeds, this.fetches);
  }

  /** The step: its outputs, with its variables assigned as the recorded run assigned them. */
  step(inputs: tf.Tensor[]): tf.Tensor[] {
    const all = this.run(inputs);
    const outputs = all.slice(0, all.length - this.assigned.length);
    this.assigned.forEach((v, i) => v.assign(all[outputs.length + i]));
    tf.dispose(all.slice(outputs.length));
    return outputs;
  }

  dispose(): void {
    this.backend.binding.deleteSavedModel(this.session);
  }
}

function load(backend: SessionBackend, r: Recording): Graph {
  const P = proto();
  const model = new P.SavedModel();
  model.setSavedModelSchemaVersion(1);
  const meta = new P.MetaGraphDef();
  const info = new P.MetaGraphDef.MetaInfoDef();
  info.addTags('serve');
  meta.setMetaInfoDef(info);
  meta.setGraphDef(r.graphDef);
  model.addMetaGraphs(meta);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-odds-graph-'));
  try {
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), model.serializeBinary() as Uint8Array);
    return new Graph(backend, backend.loadSavedModelMetaGraph(dir, 'serve'), r.feeds, r.fetches, r.assigned);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sameBits(a: tf.Tensor[], b: tf.Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => {
    if (t.dtype !== b[i].dtype || !tf.util.arraysEqual(t.shape, b[i].shape)) return false;
    const [x, y] = [t.dataSync(), b[i].dataSync()];
    for (let j = 0; j < x.length; j++) if (!Object.is(x[j], y[j])) return false;
    return true;
  });
}

type Entry = { graph: Graph; owner: Map<string, Entry | string>; signature: string };

/** What the compiler did in this process: for the benchmark's report and the tests. */
export const graphStats = { compiled: 0, runs: 0, refused: [] as { signature: string; why: string }[] };

let byOwner = new WeakMap<object, Map<string, Entry | string>>();
const live: Entry[] = [];
let recording = false;

function compile(owner: object, signature: string, fn: () => tf.Tensor[], inputs: tf.Tensor[]): tf.Tensor[] {
  if (recording) return fn();
  const backend = tf.backend() as unknown as SessionBackend;
  let graphs = byOwner.get(owner);
  if (!graphs) byOwner.set(owner, (graphs = new Map()));
  const known = graphs.get(signature);
  if (typeof known === 'string') return fn();
  if (known) {
    // Most recently used last.
    live.splice(live.indexOf(known), 1);
    live.push(known);
    graphStats.runs++;
    return known.graph.step(inputs);
  }
  // The inputs as the step finds them (it may assign variables among them), for the check below.
  const before = inputs.map((t) => tf.clone(t));
  let r: Recording;
  let graph: Graph | null = null;
  let why: string;
  try {
    recording = true;
    try {
      r = record(backend, fn, inputs);
    } finally {
      recording = false;
    }
    why = r.refused ?? '';
    if (!why) {
      try {
        graph = load(backend, r);
        const replay = graph.run(before);
        if (!sameBits(replay, [...r.outputs, ...r.assigned])) why = 'the graph does not give the recorded outputs to the bit';
        tf.dispose(replay);
      } catch (e) {
        why = `TensorFlow would not run the recorded graph: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  } finally {
    tf.dispose(before);
  }
  if (why) {
    graph?.dispose();
    graphs.set(signature, why);
    graphStats.refused.push({ signature, why });
    return r.outputs;
  }
  const entry: Entry = { graph: graph!, owner: graphs, signature };
  graphs.set(signature, entry);
  live.push(entry);
  graphStats.compiled++;
  while (live.length > MAX_GRAPHS) {
    const old = live.shift()!;
    old.owner.delete(old.signature);
    old.graph.dispose();
  }
  return r.outputs;
}

/** Closes every session and forgets every refusal: the next call of each step records it again. */
function forget(): void {
  for (const e of live.splice(0)) e.graph.dispose();
  byOwner = new WeakMap();
}

/** Turns the compiler on for tfjs-node, unless AT_ODDS_GRAPHS=0. */
export function installGraphs(): void {
  if (process.env.AT_ODDS_GRAPHS === '0') return;
  setCompiler({ run: compile, forget });
}
