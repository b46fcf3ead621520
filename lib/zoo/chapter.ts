// What each chapter shows of its zoo (the data set's `chapter` entry): which models go on which figure,
// and Figure 7's points. The notebooks call these, so that a cell is one sentence of the argument.
import type { Norm } from '../attacks/threat';
import type { ImageDataset } from '../data/dataset';
import { datasetSpec, DatasetSpec } from '../data/datasets';
import { evaluate } from '../eval/accuracy';
import type { Classifier } from '../models/classifier';
import { OnProgress } from '../progress';
import { Recipe, recipesOf } from './recipes';

function chapter(dataset: string): DatasetSpec['chapter'] {
  return datasetSpec(dataset).chapter;
}

/** The recipes of Figure 7's grid, standard first. */
export function gridRecipes(dataset: string): Recipe[] {
  return recipesOf(dataset).filter((r) => r.architecture === chapter(dataset).grid);
}

/**
 * The models on the robust-accuracy curves under `threat`: every model outside the grid (the
 * headline ones), and the grid's standard model with those trained against that threat.
 */
export function curveModels(dataset: string, threat: Norm): string[] {
  const grid = chapter(dataset).grid;
  return recipesOf(dataset).filter((r) => r.architecture !== grid || !r.adversarial || r.adversarial.threat === threat).map((r) => r.name);
}

/**
 * The models named by a chapter's figure (`features` or `explorer`), under their labels. Those not
 * in `models` (a recipe not shipped yet) are left out; a figure with none of its models is an error.
 */
export function figureModels<M>(dataset: string, figure: 'features' | 'explorer', models: Record<string, M>): Record<string, M> {
  const named = Object.entries(chapter(dataset)[figure]);
  const present = named.filter(([, name]) => name in models);
  if (present.length === 0) throw new Error(`the ${figure} figure needs the models ${named.map(([, n]) => `'${n}'`).join(', ')}, and none is loaded`);
  return Object.fromEntries(present.map(([label, name]) => [label, models[name]]));
}

export interface EpsTrainPoint { [key: string]: number | string; threat: string; eps_train: number; std_acc: number; model: string; /** Test images counted. */ n: number }

/**
 * Figure 7's points: each grid model's standard accuracy on `testSet` at its eps_train, under its
 * threat; the standard model is the eps_train = 0 point of both threats. Grid models missing from
 * `models` are left out. A model in `known` (its stored evaluation) is not measured again.
 */
export async function epsTrainPoints(dataset: string, models: Record<string, Classifier>, testSet: ImageDataset, onProgress?: OnProgress, known: Record<string, { std_acc: number; n: number }> = {}): Promise<EpsTrainPoint[]> {
  const points: EpsTrainPoint[] = [];
  for (const r of gridRecipes(dataset).filter((g) => g.name in models)) {
    const { std_acc, n } = known[r.name] ?? await evaluate(models[r.name], testSet, { onProgress });
    const threats: Norm[] = r.adversarial ? [r.adversarial.threat] : ['linf', 'l2'];
    for (const threat of threats) points.push({ threat, eps_train: r.adversarial?.eps ?? 0, std_acc, model: r.name, n });
  }
  return points;
}
