// Terminal lines for the optional band metrics (Boundary IoU, trimap band) under the per-class table.
import type { BoundaryIoUResult } from './boundary-iou.js';
import { pct } from './table.js';
import type { TrimapResult } from './trimap.js';

/** One line per band metric that was computed, naming its band width. */
export function formatBandSummary(bands: { boundary?: BoundaryIoUResult; trimap?: TrimapResult }): string[] {
  const lines: string[] = [];
  if (bands.boundary) lines.push(`boundary IoU    ${pct(bands.boundary.mean)}  (band ${bands.boundary.ratio} of the diagonal, Cheng et al. 2021)`);
  if (bands.trimap)
    lines.push(
      `trimap mIoU     ${pct(bands.trimap.metrics.mIoU)}  (pixels within ${bands.trimap.ratio} of the diagonal of a class boundary; pixel acc ${pct(bands.trimap.metrics.pixelAccuracy)})`,
    );
  return lines;
}
