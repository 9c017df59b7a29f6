// Test-time BatchNorm statistics (Schneider et al., NeurIPS 2020, "Improving robustness against common corruptions
// by covariate shift adaptation"): an eval-mode BatchNorm normalises with its source (running) statistics mixed with
// the input batch's own, the source ones weighing as `prior` images. The running statistics are never written.
import { F, noGrad, type Tensor, tidy } from '../tensor/index.js';

/**
 * Eval-mode batch norm of N,C,H,W `x` with μ = (prior·μ_source + n·μ_batch)/(prior + n) and the same mix of the
 * variances (n = images in the batch). prior 0 is train-mode normalisation by the batch statistics, without
 * touching the running ones; gradients then flow through the batch statistics (TENT). With prior > 0 the mixed
 * statistics are constants (no gradient through them): only BN adaptation uses them, under no-grad.
 */
export function priorBatchNorm(
  x: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  prior: number,
  eps: number,
): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  // one value per channel (a 1-image batch through ASPP's 1×1 pooling branch) has no batch statistics:
  // the source statistics stand (train-mode BN would map every such input to the bias)
  if (n * h * w <= 1) return F.batchNorm(x, runningMean, runningVar, weight, bias, false, 0, eps);
  if (prior === 0) return F.batchNorm(x, null, null, weight, bias, true, 0, eps);
  // the source weight as a double: a huge prior rounds to exactly the source statistics (no adaptation)
  const a = prior / (prior + n);
  const [mean, variance] = noGrad(() =>
    tidy(() => {
      const xf = x.float();
      const m = xf.mean([0, 2, 3]);
      // biased variance, the one train-mode BN normalises with (so prior 0 and prior > 0 agree in the limit)
      const v = xf
        .sub(m.view([1, -1, 1, 1]))
        .pow(2)
        .mean([0, 2, 3]);
      return [runningMean.mul(a).add(m, 1 - a), runningVar.mul(a).add(v, 1 - a)] as const;
    }),
  );
  try {
    return F.batchNorm(x, mean, variance, weight, bias, false, 0, eps);
  } finally {
    mean.dispose();
    variance.dispose();
  }
}
