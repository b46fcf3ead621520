// The published robust ImageNet models of MadryLab (robustness library checkpoints), by path or URL.
import * as fs from 'fs';
import * as path from 'path';
import { FetchProgress, fetchFile } from '../data/fetch';
import { readTorch, stateDict } from '../io/torch';
import { ResNet, resnetFromTorch } from './resnet';

/** Checkpoints this chapter is written for: ResNet-50s in the robustness library's layout. */
export const PUBLISHED_ROBUST_MODELS = [
  { name: 'ResNet-50, ImageNet, l2 eps 3 (62.8% standard accuracy)', url: 'https://huggingface.co/madrylab/robust-imagenet-models/resolve/main/resnet50_l2_eps3.ckpt' },
  { name: 'ResNet-50, ImageNet, l_inf eps 4/255 (63.9%)', url: 'https://huggingface.co/madrylab/robust-imagenet-models/resolve/main/resnet50_linf_eps4.0.ckpt' },
];

/** A checkpoint file, or a URL fetched once into data/cache/models (or cacheDir/models) with a progress bar. */
export async function loadRobustResNet(pathOrUrl: string, onProgress?: FetchProgress, cacheDir?: string): Promise<ResNet> {
  let file = pathOrUrl;
  if (/^https?:\/\//.test(pathOrUrl)) {
    file = await fetchFile({ name: path.basename(new URL(pathOrUrl).pathname), dataset: 'models', urls: [pathOrUrl] }, { onProgress, cacheDir, mirror: '' });
  } else if (!fs.existsSync(pathOrUrl)) {
    throw new Error(`no checkpoint at ${pathOrUrl}: give a path or a URL (see PUBLISHED_ROBUST_MODELS)`);
  }
  // The check of a download with no published md5: it must read as a ResNet state dict.
  return resnetFromTorch(stateDict(readTorch(file), file), file);
}
