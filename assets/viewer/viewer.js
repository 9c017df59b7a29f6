// The shapeseg viewer page: open or drop an image, every model of model-info.json segments it in the browser
// (onnxruntime-web, WASM), the result is drawn over the image in the label space's colours with a legend.
import * as ort from './ort/ort.wasm.min.mjs';
import { argmax, blend, toInput } from './segment.js';

// one thread: multi-threaded WASM needs SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP headers)
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL('./ort/', import.meta.url).href;

const $ = (id) => document.getElementById(id);
const status = (text, error = false) => {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
};
const opacity = () => Number($('opacity').value);

/** Decodes an image file to RGBA bytes as stored: no colour management (shapeseg's sharp reads ignore ICC too). */
async function decode(blob) {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  const ctx = Object.assign(document.createElement('canvas'), { width, height }).getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** A panel per model: title, canvas and legend; its session is created on first use. */
function makePanel(info, index) {
  const el = Object.assign(document.createElement('section'), { className: 'panel' });
  el.dataset.model = String(index);
  const title = Object.assign(document.createElement('h2'), { textContent: info.name });
  const meta = Object.assign(document.createElement('div'), { className: 'meta', textContent: `${info.labelSpace ?? 'classes'}: ${info.numClasses} classes` });
  const canvas = document.createElement('canvas');
  const legend = Object.assign(document.createElement('ul'), { className: 'legend' });
  info.classNames.forEach((name, k) => {
    const li = document.createElement('li');
    li.dataset.class = String(k);
    const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
    swatch.style.background = `rgb(${info.colors[k].join(',')})`;
    li.append(swatch, Object.assign(document.createElement('span'), { className: 'name', textContent: name }));
    li.append(Object.assign(document.createElement('span'), { className: 'share' }));
    legend.append(li);
  });
  el.append(title, meta, canvas, legend);
  $('panels').append(el);
  return { info, index, el, meta, canvas, legend, session: null, labels: null };
}

/** Draws the panel's label map over the image at the slider's opacity. */
function draw(panel, image) {
  const { width, height } = image;
  Object.assign(panel.canvas, { width, height });
  const pixels = blend(image.rgba, panel.labels, panel.info.colors, opacity());
  panel.canvas.getContext('2d').putImageData(new ImageData(pixels, width, height), 0, 0);
}

/** Segments `image` with the panel's model; returns the label map (class index per pixel). */
async function segment(panel, image) {
  const { info } = panel;
  const { width, height } = image;
  panel.session ??= await ort.InferenceSession.create(info.file, { executionProviders: ['wasm'] });
  const input = new ort.Tensor('float32', toInput(image.rgba, width, height, info.mean, info.std), [1, 3, height, width]);
  const t0 = performance.now();
  const out = await panel.session.run({ [panel.session.inputNames[0]]: input });
  const logits = out[panel.session.outputNames[0]];
  const ms = performance.now() - t0;
  const [n, c, h, w] = logits.dims;
  if (n !== 1 || c !== info.numClasses || h !== height || w !== width) {
    throw new Error(`${info.name}: logits [${logits.dims}] for a ${width}x${height} image with ${info.numClasses} classes`);
  }
  panel.labels = argmax(logits.data, c, h * w);
  input.dispose();
  logits.dispose();
  draw(panel, image);
  const counts = new Array(c).fill(0);
  for (const k of panel.labels) counts[k]++;
  for (const li of panel.legend.children) li.lastChild.textContent = `${((100 * counts[Number(li.dataset.class)]) / (h * w)).toFixed(1)} %`;
  panel.meta.textContent = `${info.labelSpace ?? 'classes'}: ${c} classes · ${width}×${height} in ${ms.toFixed(0)} ms`;
  return panel.labels;
}

/**
 * Test hook (test/deploy/viewer.test.ts): POSTs a label map, with its size and the canvas's place in the page, to
 * /__result, which `shapeseg viewer --serve` answers.
 */
async function postResult(panel, image) {
  const r = panel.canvas.getBoundingClientRect();
  const canvas = { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height };
  const headers = { 'x-model': String(panel.index), 'x-width': String(image.width), 'x-height': String(image.height), 'x-canvas': JSON.stringify(canvas) };
  await fetch('__result', { method: 'POST', headers, body: panel.labels });
}

let panels = [];
let current = null;

/** Segments an image file with the given panels (all by default), one after the other. */
async function show(blob, which = panels, hook = false) {
  document.body.dataset.state = 'running';
  try {
    status('decoding…');
    current = await decode(blob);
    for (const p of which) {
      status(`running ${p.info.name}…`);
      await segment(p, current);
      if (hook) await postResult(p, current);
    }
    status(`${current.width}×${current.height}`);
    document.body.dataset.state = 'done';
  } catch (e) {
    status(String(e?.message ?? e), true);
    document.body.dataset.state = 'error';
  }
}

async function main() {
  if (location.protocol === 'file:') return;
  // test hook: ?image=<url>[&model=<i>] segments that image with model i (all when absent) and posts the results
  const params = new URLSearchParams(location.search);
  const image = params.get('image');
  // A pending request holds headless Chromium's virtual time (--virtual-time-budget) until the page posts __done:
  // WASM compiling and inference leave the page idle, and on a busy machine the budget ran out before the result.
  if (image !== null) fetch('__hold').catch(() => {});
  try {
    await start(params, image);
  } finally {
    if (image !== null) await fetch('__done', { method: 'POST' }).catch(() => {});
  }
}

/** Loads the models, wires the controls and, under the test hook, segments the given image. */
async function start(params, image) {
  $('file-note').remove();
  const { models } = await (await fetch('model-info.json')).json();
  panels = models.map(makePanel);
  $('opacity').addEventListener('input', () => {
    $('opacity-value').textContent = opacity().toFixed(2);
    for (const p of panels) if (p.labels && current) draw(p, current);
  });
  $('file').addEventListener('change', (e) => e.target.files[0] && show(e.target.files[0]));
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer.files[0];
    if (file) show(file);
  });
  if (image === null) {
    status('open an image');
    document.body.dataset.state = 'ready';
    return;
  }
  const which = params.has('model') ? [panels[Number(params.get('model'))]] : panels;
  if (which.includes(undefined)) throw new Error(`?model=${params.get('model')}: there are ${panels.length} models`);
  await show(await (await fetch(image)).blob(), which, true);
}

main().catch((e) => {
  status(String(e?.message ?? e), true);
  document.body.dataset.state = 'error';
});
