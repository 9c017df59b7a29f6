// The pretraining's outputs: the network in torchvision's key layout (what model.pretrainedBackbone loads; the
// fc.* head is kept, so torchvision's resnetNN(num_classes=N) loads the file as it is, and loadBackbone skips it)
// and a JSON record of how it was made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { writePth } from '../io/index.js';
import type { ResNet } from '../models/index.js';
import type { RawTensor } from '../tensor/index.js';

/** The files a pretraining writes into its output folder. */
export interface PretrainPaths {
  backbone: string;
  summary: string;
  metrics: string;
}

/** The file names inside `out`. */
export function pretrainPaths(out: string): PretrainPaths {
  return { backbone: path.join(out, 'backbone.pth'), summary: path.join(out, 'pretrain.json'), metrics: path.join(out, 'metrics.jsonl') };
}

/**
 * Creates `out`; refuses a folder holding a finished pretraining (never overwritten), and drops the metrics of an
 * unfinished one (a stopped run starts over: there is nothing to resume from).
 */
export function preparePretrainDir(out: string): PretrainPaths {
  const paths = pretrainPaths(out);
  for (const file of [paths.backbone, paths.summary]) {
    if (fs.existsSync(file)) throw new Error(`--out ${out}: already holds ${path.basename(file)} of a pretraining; choose another folder or delete it`);
  }
  fs.mkdirSync(out, { recursive: true });
  fs.rmSync(paths.metrics, { force: true });
  return paths;
}

/** The model's state dict as host tensors, torchvision's keys and order. */
export function resnetStateDict(model: ResNet): Map<string, RawTensor> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, t.toRaw()]));
}

/** Writes the network as a torch.save file (torch.load reads it; so does model.pretrainedBackbone). */
export function writeBackbone(file: string, model: ResNet): number {
  const sd = resnetStateDict(model);
  writePth(file, sd);
  return sd.size;
}

/** Writes the JSON record atomically. */
export function writeSummary(file: string, summary: object): void {
  writeFileAtomic(file, (fd) => fs.writeSync(fd, `${JSON.stringify(summary, null, 2)}\n`));
}
