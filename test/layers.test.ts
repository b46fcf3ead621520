// The library's layers: every relative import of every .ts file in lib/ (import and export ... from,
// require(...), import(...)) as an arrow between folders, which must go down the order declared here and
// never close a cycle; and the page's code (lib/live) reaches nothing that only Node has.
import test from 'ava';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import * as ts from 'typescript';

const LIB = path.resolve(__dirname, '..', 'lib');

/**
 * lib/'s units, bottom first; units of one layer are peers and import nothing of each other. A unit is a
 * folder of lib/, or for a file directly in lib/ the name UNIT_OF_FILE gives it. Why this order:
 */
const LAYERS: { units: string[]; why: string }[] = [
  { units: ['util'], why: 'lib/*.ts: argument checks, paths, seeded randomness, progress bars, tensor accounting: used everywhere, they use nothing of ours' },
  { units: ['io', 'backend', 'theory', 'notebook'], why: 'bytes and files (CSV, float16, torch.save); the TensorFlow.js backend and its kernels; Section 2 in closed form; a notebook without outputs: each needs only util' },
  { units: ['data'], why: 'data sets read files (io) and know nothing of models' },
  { units: ['models', 'profile'], why: 'architectures build for a data set\'s input shape (data), run on our kernels (backend), load and save (io); lib/profile.ts sizes a chapter per data set (data)' },
  { units: ['attacks'], why: 'threat models and the one PGD loop take any model; they know nothing of training or data sets' },
  { units: ['figures'], why: 'what Node and the page both draw and compute, with neither fs nor the DOM: plotly specs, tables, gradients as pictures, Section 2\'s figures, the explorer\'s PGD over each model' },
  { units: ['live', 'train', 'eval', 'exercises'], why: 'the page (compiled for the browser, so nothing Node-only) and, in Node, training and evaluation: three uses of attacks and models that know nothing of each other; the chapters\' exercises check answers against attacks, figures and theory' },
  { units: ['zoo'], why: 'the models we ship: trains (train) or loads them and measures them (eval)' },
  { units: ['plots'], why: 'Node writes the outputs: figures as HTML, image grids, the pages of the live figures (it packs what lib/live compiles to, and writes its payload type); a chapter\'s figures name the recipe and plot the rows of zoo\'s models, so plots sits above zoo; it never trains' },
  { units: ['chapters', 'handouts'], why: 'a chapter orchestrates everything below for a notebook; handouts print and check what the notebooks made' },
  { units: ['setup'], why: 'set-up installs what the handouts need (Chromium)' },
  { units: ['cli'], why: 'the at-odds command calls anything' },
];

/** Files directly in lib/: the utilities, and two that belong with a layer above them. */
const UNIT_OF_FILE: Record<string, string> = {
  'checks.ts': 'util', 'paths.ts': 'util', 'random.ts': 'util', 'progress.ts': 'util', 'memory.ts': 'util',
  // What tslab imports as './lib/theory': Section 2, all of it.
  'theory.ts': 'theory',
  'profile.ts': 'profile',
};

/** What a page has not: Node's modules and the packages that need them. */
const NODE_ONLY = new Set([...builtinModules, 'esbuild', '@tensorflow/tfjs-node', 'canvas', 'tslab']);
const nodeOnly = (spec: string) => spec.startsWith('node:') || NODE_ONLY.has(spec) || NODE_ONLY.has(spec.split('/')[0])
  || [...NODE_ONLY].some((m) => spec.startsWith(`${m}/`));

interface Import { spec: string; line: number; typeOnly: boolean }

/** Every module a file names: import/export ... from, import '...', require('...'), import('...'). */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Import[] = [];
  const add = (lit: ts.Expression | undefined, typeOnly: boolean) => {
    if (lit && ts.isStringLiteralLike(lit)) out.push({ spec: lit.text, line: src.getLineAndCharacterOfPosition(lit.getStart()).line + 1, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, Boolean(node.importClause?.isTypeOnly));
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression, true);
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The file a relative specifier names: x.ts, or x/index.ts. */
function resolve(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const f of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  throw new Error(`${rel(from)} imports '${spec}', which is no file`);
}

const rel = (f: string) => path.relative(path.dirname(LIB), f);

/** A file's unit, or null outside lib/. */
function unitOf(file: string): string | null {
  const r = path.relative(LIB, file);
  if (r.startsWith('..')) return null;
  const parts = r.split(path.sep);
  return parts.length > 1 ? parts[0] : UNIT_OF_FILE[parts[0]] ?? `lib/${parts[0]}`;
}

interface Arrow { from: string; to: string; file: string; line: number; spec: string }

function libGraph(): { files: Map<string, Import[]>; arrows: Arrow[] } {
  const files = new Map(tsFiles(LIB).map((f) => [f, importsOf(f)]));
  const arrows: Arrow[] = [];
  for (const [file, imports] of files) {
    for (const i of imports.filter((i) => i.spec.startsWith('.'))) {
      const from = unitOf(file)!;
      const to = unitOf(resolve(file, i.spec));
      if (to !== null && to !== from) arrows.push({ from, to, file: rel(file), line: i.line, spec: i.spec });
    }
  }
  return { files, arrows };
}

const where = (a: Arrow) => `${a.file}:${a.line} imports '${a.spec}'`;

/** Each cycle between units as a path, with the import behind each of its arrows. */
function cycles(arrows: Arrow[]): string[] {
  const next = new Map<string, Map<string, Arrow>>();
  for (const a of arrows) {
    if (!next.has(a.from)) next.set(a.from, new Map());
    if (!next.get(a.from)!.has(a.to)) next.get(a.from)!.set(a.to, a);
  }
  // Tarjan's strongly connected components; a component of more than one unit holds a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const comps: string[][] = [];
  const strong = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of next.get(v)?.keys() ?? []) {
      if (!index.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; comp.push(w); } while (w !== v);
      comps.push(comp);
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) strong(v);
  return comps.filter((c) => c.length > 1).map((comp) => {
    // The shortest way back to the component's first unit, by breadth first search within it.
    const start = [...comp].sort()[0];
    const back = new Map<string, string>();
    const queue = [start];
    let end: string | undefined;
    while (queue.length && !end) {
      const v = queue.shift()!;
      for (const w of [...(next.get(v)?.keys() ?? [])].sort()) {
        if (!comp.includes(w)) continue;
        if (w === start) { end = v; break; }
        if (!back.has(w)) { back.set(w, v); queue.push(w); }
      }
    }
    const units = [start];
    for (let v = end!; v !== start; v = back.get(v)!) units.splice(1, 0, v);
    units.push(start);
    const steps = units.slice(1).map((u, i) => `  ${units[i]} -> ${u}: ${where(next.get(units[i])!.get(u)!)}`);
    return `${units.join(' -> ')}\n${steps.join('\n')}`;
  });
}

/** Arrows that do not go down LAYERS: to a peer, or up. */
function backArrows(arrows: Arrow[], layers: { units: string[] }[]): string[] {
  const rank = new Map(layers.flatMap((l, i) => l.units.map((u) => [u, i] as const)));
  return arrows.filter((a) => rank.get(a.to)! >= rank.get(a.from)!).map((a) =>
    `${a.from} -> ${a.to} goes ${rank.get(a.to) === rank.get(a.from) ? 'to a peer' : 'up'}: ${where(a)}`);
}

test('every unit of lib/ has its place in the declared order', (t) => {
  const declared = LAYERS.flatMap((l) => l.units);
  t.is(new Set(declared).size, declared.length, 'a unit declared twice');
  const units = new Set(tsFiles(LIB).map((f) => unitOf(f)!));
  const missing = [...units].filter((u) => !declared.includes(u));
  t.deepEqual(missing, [], `place these in LAYERS (or UNIT_OF_FILE) of test/layers.test.ts: ${missing.join(', ')}`);
  const gone = declared.filter((u) => !units.has(u));
  t.deepEqual(gone, [], `LAYERS names units lib/ no longer has: ${gone.join(', ')}`);
});

test('no cycle between the folders of lib/', (t) => {
  const found = cycles(libGraph().arrows);
  t.deepEqual(found, [], `cycles:\n${found.join('\n')}`);
});

test('every import goes down the declared order', (t) => {
  const found = backArrows(libGraph().arrows, LAYERS);
  t.deepEqual(found, [], `arrows that go against LAYERS in test/layers.test.ts:\n${found.join('\n')}`);
});

test('the page\'s code (lib/live and all it imports) needs nothing that only Node has', (t) => {
  const { files } = libGraph();
  // Breadth first from lib/live's files through the imports the bundle compiles (type-only ones vanish).
  const via = new Map<string, string[]>();
  for (const f of files.keys()) if (unitOf(f) === 'live') via.set(f, [rel(f)]);
  const queue = [...via.keys()];
  const found: string[] = [];
  while (queue.length) {
    const f = queue.shift()!;
    for (const i of files.get(f) ?? importsOf(f)) {
      if (i.typeOnly) continue;
      if (!i.spec.startsWith('.')) {
        if (nodeOnly(i.spec)) found.push(`${via.get(f)!.join(' -> ')}:${i.line} imports '${i.spec}', which a page has not`);
        continue;
      }
      const g = resolve(f, i.spec);
      if (!via.has(g)) { via.set(g, [...via.get(f)!, rel(g)]); queue.push(g); }
    }
  }
  t.deepEqual(found, [], found.join('\n'));
  t.true(via.size > 15, `the page reaches ${via.size} files`);
});

test('the checks find a cycle and a back arrow, and name the import', (t) => {
  const arrow = (from: string, to: string): Arrow => ({ from, to, file: `lib/${from}/x.ts`, line: 3, spec: `../${to}/y` });
  const arrows = [arrow('live', 'plots'), arrow('plots', 'live'), arrow('plots', 'figures'), arrow('a', 'b'), arrow('b', 'c'), arrow('c', 'a')];
  t.deepEqual(cycles(arrows).sort(), [
    'a -> b -> c -> a\n  a -> b: lib/a/x.ts:3 imports \'../b/y\'\n  b -> c: lib/b/x.ts:3 imports \'../c/y\'\n  c -> a: lib/c/x.ts:3 imports \'../a/y\'',
    'live -> plots -> live\n  live -> plots: lib/live/x.ts:3 imports \'../plots/y\'\n  plots -> live: lib/plots/x.ts:3 imports \'../live/y\'',
  ]);
  t.deepEqual(backArrows([arrow('live', 'plots'), arrow('plots', 'live'), arrow('train', 'eval')], [{ units: ['live', 'train', 'eval'] }, { units: ['plots'] }]), [
    'live -> plots goes up: lib/live/x.ts:3 imports \'../plots/y\'',
    'train -> eval goes to a peer: lib/train/x.ts:3 imports \'../eval/y\'',
  ]);
  const imports = importsOf(path.join(LIB, 'plots', 'bundle.ts')).map((i) => i.spec);
  t.true(imports.includes('esbuild') && imports.includes('fs'), `a dynamic import and a static one are read: ${imports}`);
});
