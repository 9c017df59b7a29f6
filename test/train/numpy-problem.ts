// The segmentation problem (logits N×C×H×W, labels N×H×W) handed to a numpy reference of a loss: the JSON input
// and the Python lines that read it back as `x` (logits), `y` (labels) and `n, c, h, w`.
import type * as T from '../../src/tensor/index.js';

/** The JSON the reference reads from stdin. */
export function numpyProblemInput(logits: T.Tensor, labels: T.Tensor): string {
  return JSON.stringify({
    logits: [...(logits.toArray() as Float32Array)],
    labels: [...(labels.toArray() as BigInt64Array)].map(Number),
    shape: logits.shape,
  });
}

/** Python that loads numpyProblemInput's JSON, the logits as `dtype` (float32 or float64). */
export function numpyProblemPrelude(dtype: 'float32' | 'float64'): string {
  return `
import json, sys
import numpy as np
d = json.loads(sys.stdin.read())
n, c, h, w = d['shape']
x = np.array(d['logits'], dtype=np.${dtype}).reshape(n, c, h, w)
y = np.array(d['labels']).reshape(n, h, w)`;
}
