// Writes the viewer: a static page (assets/viewer/ at the package root), the models, their model-info.json and the onnxruntime-web files
// its WASM backend loads. Nothing is bundled: any static HTTP server can serve the folder (see serve.ts).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelInfo, type ViewerModelInfo } from './model-info.js';

/** The page's static files at the package root (assets/viewer/, in package.json `files`), shipped as they are. */
export const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'assets', 'viewer');

/**
 * What the WASM backend of onnxruntime-web needs: the wasm-only ES module build, the Emscripten glue it imports and
 * the SIMD binary (the "threaded" build, run here with numThreads = 1, which needs no cross-origin isolation).
 */
export const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'] as const;

/** Where onnxruntime-web's dist/ folder is installed. */
export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  // its exports map hides package.json; the Node entry point lies in dist/ beside the browser files
  return path.dirname(require.resolve('onnxruntime-web'));
}

/** model-info.json: one entry per model, in --model order, with the page-relative path of its .onnx file. */
export interface ViewerManifest {
  models: (ViewerModelInfo & { file: string })[];
}

/** Options of writeViewer. */
export interface WriteViewerOptions {
  /** .onnx files, one panel each (side by side). */
  models: string[];
  /** Output folder (created; files already there are overwritten). */
  out: string;
  /** Label space name for models whose metadata has no class names. */
  labels?: string;
}

/** A file name for each model under models/: its own name, numbered when two share one. */
function modelFileNames(models: string[]): string[] {
  const seen = new Set<string>();
  return models.map((m, i) => {
    let name = path.basename(m);
    if (seen.has(name)) name = `${i}-${name}`;
    seen.add(name);
    return name;
  });
}

/** Writes the viewer page for `models` into `out`; returns model-info.json's content. */
export function writeViewer(opts: WriteViewerOptions): ViewerManifest {
  if (opts.models.length === 0) throw new Error('--model: give at least one .onnx file');
  for (const m of opts.models) if (!fs.existsSync(m)) throw new Error(`--model: no such file ${m}`);
  const infos = opts.models.map((m) => readModelInfo(m, opts.labels));
  fs.mkdirSync(path.join(opts.out, 'models'), { recursive: true });
  fs.mkdirSync(path.join(opts.out, 'ort'), { recursive: true });
  for (const f of fs.readdirSync(ASSETS_DIR)) fs.copyFileSync(path.join(ASSETS_DIR, f), path.join(opts.out, f));
  const ort = ortDistDir();
  for (const f of ORT_FILES) fs.copyFileSync(path.join(ort, f), path.join(opts.out, 'ort', f));
  const names = modelFileNames(opts.models);
  const manifest: ViewerManifest = { models: [] };
  opts.models.forEach((m, i) => {
    fs.copyFileSync(m, path.join(opts.out, 'models', names[i]!));
    manifest.models.push({ file: `models/${names[i]!}`, ...infos[i]! });
  });
  fs.writeFileSync(path.join(opts.out, 'model-info.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
