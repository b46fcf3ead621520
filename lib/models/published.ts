// MadryLab's published robust models (robustness-library checkpoints), by path or URL, and the
// accuracies the library reports for them: the chapters put them beside the models we train.
import * as fs from 'fs';
import * as path from 'path';
import { FetchProgress, fetchFile } from '../data/fetch';
import { readTorch, stateDict } from '../io/torch';
import { ResNet, resnetFromTorch } from './resnet';

export interface PublishedModel {
  name: string;
  url: string;
  /** The threat it was trained against and eps_train (0: standard training). */
  threat?: 'linf' | 'l2';
  eps?: number;
  /** As reported by the robustness library: standard accuracy, and robust accuracy at eps_train. */
  stdAcc?: number;
  robustAcc?: number;
}

/** ImageNet ResNet-50s of "Do adversarially robust ImageNet models transfer better?" (Salman et al. 2020). */
export const PUBLISHED_IMAGENET_MODELS: PublishedModel[] = [
  { name: 'ResNet-50, ImageNet, l2 eps 3 (62.8% standard accuracy)', url: 'https://huggingface.co/madrylab/robust-imagenet-models/resolve/main/resnet50_l2_eps3.ckpt' },
  { name: 'ResNet-50, ImageNet, l_inf eps 4/255 (63.9%)', url: 'https://huggingface.co/madrylab/robust-imagenet-models/resolve/main/resnet50_linf_eps4.0.ckpt' },
];

/**
 * The CIFAR-10 ResNet-50s of the robustness library's README (github.com/MadryLab/robustness, "Pretrained
 * models"), with the accuracies it reports, as it prints them (95.25% is 0.9525): standard, and PGD-20 at the
 * training eps on the 10,000 test images.
 */
export const PUBLISHED_CIFAR10_MODELS: PublishedModel[] = [
  { name: 'cifar_nat.pt', url: 'https://www.dropbox.com/s/yhpp4yws7sgi6lj/cifar_nat.pt?dl=1', threat: undefined, eps: 0, stdAcc: 0.9525 },
  { name: 'cifar_l2_0_25.pt', url: 'https://www.dropbox.com/s/2qsp7pt6t7uo71w/cifar_l2_0_25.pt?dl=1', threat: 'l2', eps: 0.25, stdAcc: 0.9277, robustAcc: 0.8121 },
  { name: 'cifar_l2_0_5.pt', url: 'https://www.dropbox.com/s/1zazwjfzee7c8i4/cifar_l2_0_5.pt?dl=1', threat: 'l2', eps: 0.5, stdAcc: 0.9083, robustAcc: 0.7017 },
  { name: 'cifar_l2_1_0.pt', url: 'https://www.dropbox.com/s/s2x7thisiqxz095/cifar_l2_1_0.pt?dl=1', threat: 'l2', eps: 1.0, stdAcc: 0.8162, robustAcc: 0.5272 },
  { name: 'cifar_linf_8.pt', url: 'https://www.dropbox.com/s/c9qlt1lbdnu9tlo/cifar_linf_8.pt?dl=1', threat: 'linf', eps: 8 / 255, stdAcc: 0.8703, robustAcc: 0.5349 },
];

/** A checkpoint file, or a URL fetched once into data/cache/models (or cacheDir/models) with a progress bar. */
export async function loadRobustResNet(pathOrUrl: string, onProgress?: FetchProgress, cacheDir?: string): Promise<ResNet> {
  const url = /^https?:\/\//.test(pathOrUrl);
  let file = pathOrUrl;
  if (url) {
    file = await fetchFile({ name: path.basename(new URL(pathOrUrl).pathname), dataset: 'models', urls: [pathOrUrl] }, { onProgress, cacheDir, mirror: '' });
  } else if (!fs.existsSync(pathOrUrl)) {
    throw new Error(`no checkpoint at ${pathOrUrl}: give a path or a URL (see PUBLISHED_IMAGENET_MODELS, PUBLISHED_CIFAR10_MODELS)`);
  }
  // The check of a download with no published md5: it must read as a ResNet state dict. One that
  // does not (a server's HTML page) is removed, so that the next call downloads it again.
  try {
    return resnetFromTorch(stateDict(readTorch(file), file), file);
  } catch (e) {
    if (!url) throw e;
    fs.rmSync(file, { force: true });
    throw new Error(`${(e as Error).message}\nThe download from ${pathOrUrl} is not a ResNet checkpoint; it was removed from the cache, so the next run downloads it again.`);
  }
}
