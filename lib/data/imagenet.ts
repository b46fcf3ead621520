// ImageNet's 1000 classes and the paper's Restricted ImageNet: 9 superclasses, each a range of classes.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../paths';

/** The superclasses of Restricted ImageNet, in the robustness library's order, with their inclusive class ranges. */
export const RESTRICTED_IMAGENET: { name: string; first: number; last: number }[] = [
  { name: 'dog', first: 151, last: 268 }, { name: 'cat', first: 281, last: 285 }, { name: 'frog', first: 30, last: 32 },
  { name: 'turtle', first: 33, last: 37 }, { name: 'bird', first: 80, last: 100 }, { name: 'primate', first: 365, last: 382 },
  { name: 'fish', first: 389, last: 397 }, { name: 'crab', first: 118, last: 121 }, { name: 'insect', first: 300, last: 319 },
];

/** The Restricted ImageNet superclass (0..8) of an ImageNet class (0..999), or -1 if it has none. */
export function superclassOf(imagenetIndex: number): number {
  if (!(Number.isInteger(imagenetIndex) && imagenetIndex >= 0 && imagenetIndex < 1000)) {
    throw new Error(`an ImageNet class index is an integer in 0..999, got ${imagenetIndex}`);
  }
  return RESTRICTED_IMAGENET.findIndex((s) => imagenetIndex >= s.first && imagenetIndex <= s.last);
}

/** The superclasses' names, by superclass index: Restricted ImageNet's class names. */
export const SUPERCLASS_NAMES: string[] = RESTRICTED_IMAGENET.map((s) => s.name);

/** ImageNet class indices as Restricted ImageNet labels (0..8); a class in no superclass is an error. */
export function superclassLabels(imagenetIndices: ArrayLike<number>): number[] {
  return Array.from(imagenetIndices, (c) => {
    const s = superclassOf(c);
    if (s < 0) throw new Error(`ImageNet class ${c} is in no Restricted ImageNet superclass`);
    return s;
  });
}

export interface ImagenetClass { index: number; wnid: string; name: string }

let classes: ImagenetClass[] | undefined;

/** The 1000 classes in index order (data/imagenet/imagenet_1000_index.tsv). */
export function imagenetClasses(): ImagenetClass[] {
  classes ??= fs.readFileSync(path.join(ROOT, 'data', 'imagenet', 'imagenet_1000_index.tsv'), 'utf8')
    .trim().split('\n').slice(1).map((line) => {
      const [index, wnid, name] = line.split('\t');
      return { index: Number(index), wnid, name };
    });
  return classes;
}

export interface LabelledFile { file: string; imagenetIndex: number }

const WNID = /^n\d{8}/;

/**
 * The images of a folder, labelled by their wnid: either an ILSVRC-style tree (one folder per wnid)
 * or a flat folder of files whose names start with their wnid (n02085620_Chihuahua.JPEG).
 */
export function listImageFolder(dir: string): LabelledFile[] {
  if (!fs.existsSync(dir)) throw new Error(`no image folder at ${dir}`);
  const byWnid = new Map(imagenetClasses().map((c) => [c.wnid, c.index]));
  const isImage = (f: string) => /\.(jpe?g|png)$/i.test(f);
  const label = (wnid: string, where: string) => {
    const index = byWnid.get(wnid);
    if (index === undefined) throw new Error(`${where}: ${wnid} is not an ImageNet class`);
    return index;
  };
  const out: LabelledFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && WNID.test(entry.name)) {
      for (const f of fs.readdirSync(p).filter(isImage).sort()) out.push({ file: path.join(p, f), imagenetIndex: label(entry.name, p) });
    } else if (entry.isFile() && isImage(entry.name)) {
      const m = WNID.exec(entry.name);
      if (!m) throw new Error(`${p}: a flat image folder names each file after its wnid (n02085620_...)`);
      out.push({ file: p, imagenetIndex: label(m[0], p) });
    }
  }
  if (out.length === 0) throw new Error(`${dir} holds no JPEG or PNG images`);
  return out;
}
