// Writes a texture-shift evaluation to its folder: one example figure per style and shift-eval.json.
import path from 'node:path';
import type { LabelSpace } from '../data/label-spaces.js';
import { SHIFT_EVAL_FILE, type ShiftEvalRun, writeShiftEval } from '../eval/shift-eval.js';
import { writeExampleGrid } from './figures.js';

/** Writes `<outDir>/<style>.png` for each style with examples, then `<outDir>/shift-eval.json`; returns the JSON's path. */
export async function writeShiftEvalOutput(outDir: string, run: ShiftEvalRun, labelSpace: LabelSpace): Promise<string> {
  const { file, examples } = run;
  for (const s of file.styles) {
    const ex = examples.get(s.name) ?? [];
    if (ex.length === 0) continue;
    s.figure = `${s.name}.png`;
    await writeExampleGrid(path.join(outDir, s.figure), ex, labelSpace.colors, { tileWidth: 320 });
  }
  const out = path.join(outDir, SHIFT_EVAL_FILE);
  await writeShiftEval(out, file);
  return out;
}
