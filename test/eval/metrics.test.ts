import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeMetrics,
  countConfusion,
  frequencyWeightedIoU,
  matrixSide,
  meanClassAccuracy,
  meanIoU,
  nanMean,
  perClassAccuracy,
  perClassIoU,
  pixelAccuracy,
} from '../../src/eval/metrics.js';
import { formatMetricsTable } from '../../src/eval/table.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

describe('metrics from a confusion matrix', () => {
  // rows = gt, cols = pred
  //        p0 p1 p2
  // gt0 [  8, 2, 0 ]
  // gt1 [  1, 3, 0 ]
  // gt2 [  0, 0, 0 ]   class 2 absent from gt and pred -> NaN IoU, excluded from means
  const cm = Float64Array.from([8, 2, 0, 1, 3, 0, 0, 0, 0]);

  it('per-class IoU with NaN for absent classes', () => {
    const iou = perClassIoU(cm);
    close(iou[0]!, 8 / (10 + 9 - 8));
    close(iou[1]!, 3 / (4 + 5 - 3));
    assert.ok(Number.isNaN(iou[2]));
    close(meanIoU(cm), (8 / 11 + 3 / 6) / 2);
  });

  it('class predicted but never in gt has IoU 0 and counts in the mean', () => {
    const m = Float64Array.from([5, 5, 0, 0]); // gt0 predicted as class 1 half the time
    const iou = perClassIoU(m);
    close(iou[0]!, 0.5);
    assert.equal(iou[1], 0);
    close(meanIoU(m), 0.25);
    const acc = perClassAccuracy(m);
    close(acc[0]!, 0.5);
    assert.ok(Number.isNaN(acc[1])); // absent from gt
    close(meanClassAccuracy(m), 0.5);
  });

  it('pixel accuracy, mean class accuracy, fwIoU', () => {
    close(pixelAccuracy(cm), 11 / 14);
    close(meanClassAccuracy(cm), (0.8 + 0.75) / 2);
    close(frequencyWeightedIoU(cm), (10 / 14) * (8 / 11) + (4 / 14) * 0.5);
  });

  it('perfect prediction gives 1 everywhere', () => {
    const m = computeMetrics(Float64Array.from([4, 0, 0, 6]));
    assert.equal(m.mIoU, 1);
    assert.equal(m.pixelAccuracy, 1);
    assert.equal(m.frequencyWeightedIoU, 1);
    assert.equal(m.classesInMean, 2);
  });

  it('empty matrix gives NaN, not a crash', () => {
    const m = computeMetrics(new Float64Array(9));
    assert.ok(Number.isNaN(m.mIoU) && Number.isNaN(m.pixelAccuracy) && Number.isNaN(m.frequencyWeightedIoU));
    assert.equal(m.classesInMean, 0);
  });

  it('rejects a non-square length', () => {
    assert.throws(() => matrixSide(new Float64Array(5)), /5 entries/);
  });

  it('nanMean skips NaN', () => {
    assert.equal(nanMean([1, NaN, 3]), 2);
    assert.ok(Number.isNaN(nanMean([NaN])));
  });
});

describe('countConfusion (host reference)', () => {
  it('skips the ignore index and counts target*C+pred', () => {
    const target = [0, 0, 1, 255, 2, 1];
    const pred = [0, 1, 1, 2, 2, 0];
    const cm = countConfusion(target, pred, 3);
    assert.deepEqual(Array.from(cm), [1, 1, 0, 1, 1, 0, 0, 0, 1]);
  });

  it('names out-of-range labels', () => {
    assert.throws(() => countConfusion([7], [0], 3), /target 7/);
  });
});

describe('formatMetricsTable', () => {
  it('shows every class including thin ones, n/a for absent, and the summary', () => {
    const names = ['road', 'pole', 'traffic light'];
    const m = computeMetrics(Float64Array.from([8, 2, 0, 1, 3, 0, 0, 0, 0]));
    const s = formatMetricsTable(m, names, 'KITTI val');
    for (const n of names) assert.match(s, new RegExp(`^${n}\\s`, 'm'));
    assert.match(s, /^traffic light\s+n\/a\s+n\/a\s+0\.00$/m);
    assert.match(s, /^road\s+72\.73\s+80\.00\s+71\.43$/m);
    assert.match(s, /mIoU\s+61\.36\s+\(mean over 2 of 3 classes; 1 absent/);
    assert.match(s, /pixel accuracy\s+78\.57/);
  });

  it('throws when names and classes disagree', () => {
    assert.throws(() => formatMetricsTable(computeMetrics(new Float64Array(4)), ['a']), /2 classes but 1 class names/);
  });

  it('reports the mIoU of a class subset under the summary (the mean of its defined IoUs)', () => {
    const names = ['road', 'pole', 'traffic light'];
    const m = computeMetrics(Float64Array.from([8, 2, 0, 1, 3, 0, 0, 0, 0]));
    const s = formatMetricsTable(m, names, 'KITTI val', [{ name: 'mIoU2', classes: ['road', 'traffic light'] }]);
    // traffic light is absent (n/a): the subset's mean is road's IoU alone
    assert.match(s, /^mIoU2\s+72\.73\s+\(2 classes, without pole\)$/m);
  });
});
