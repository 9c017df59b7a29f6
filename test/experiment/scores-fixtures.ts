// RunScores of a suite evaluation for the comparison tests: the in-style set, selection, held-out and unseen styles.
import type { RunScores, SetScores } from '../../src/experiment/scores.js';

/** One evaluation set with the same mIoU for its one class. */
export const set = (name: string, kind: SetScores['kind'], mIoU: number): SetScores => ({ name, kind, mIoU, pixelAccuracy: 0.9, perClassIoU: [mIoU] });
/** A run's scores: in-style mIoU, then the selection (shifted), held-out and unseen styles' mIoU. */
export const run = (name: string, inStyle: number, selection: number[], heldOut: number[], unseen: number[] = []): RunScores => ({
  run: name,
  outputStride: 8,
  checkpoint: '',
  classNames: ['a'],
  shapeBias: 0.5,
  shapeBiasPerClass: [0.5],
  sets: [
    set('default', 'in-style', inStyle),
    ...selection.map((v, i) => set(`shifted-${i}`, 'shifted', v)),
    ...heldOut.map((v, i) => set(`heldout-${i + 1}`, 'held-out', v)),
    ...unseen.map((v, i) => set(`unseen-${i + 1}`, 'unseen', v)),
  ],
});

/** A run at OS 16 with an in-style set and one shifted set ("x"), no shape-bias score; `extra` overrides fields. */
export const pair = (name: string, inStyle: number, shifted: number, extra: Partial<RunScores> = {}): RunScores => ({
  run: name,
  outputStride: 16,
  checkpoint: '',
  classNames: ['a'],
  shapeBias: null,
  shapeBiasPerClass: [],
  sets: [
    { name: 'default', kind: 'in-style', mIoU: inStyle, pixelAccuracy: 1, perClassIoU: [inStyle] },
    { name: 'x', kind: 'shifted', mIoU: shifted, pixelAccuracy: 1, perClassIoU: [shifted] },
  ],
  ...extra,
});
