// A tiny static HTTP server for the viewer folder (browsers refuse fetch() and WASM from file://), bound to
// 127.0.0.1. It also takes the page's test hook: POST /__result with a label map, and GET /__hold answered at
// POST /__done (see assets/viewer/viewer.js).
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/** Content types by extension; application/wasm lets the browser compile the binary while it streams. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

/** One label map the page posted to /__result (the test hook). */
export interface ViewerResult {
  /** Index of the model (panel) that produced it. */
  model: number;
  width: number;
  height: number;
  /** Class index per pixel, row-major. */
  labels: Uint8Array;
  /** The result canvas's position in the page (CSS pixels), for screenshot checks. */
  canvas: { x: number; y: number; width: number; height: number } | null;
}

/** Options of serveViewer. */
export interface ServeOptions {
  /** Port (0: any free one). */
  port: number;
  /** Called for each POST /__result; without it such posts, /__hold and /__done get 404/405. */
  onResult?: (r: ViewerResult) => void;
}

function parseResult(req: http.IncomingMessage, body: Buffer): ViewerResult {
  const int = (name: string): number => {
    const v = Number(req.headers[name]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`header ${name} is not an integer`);
    return v;
  };
  const width = int('x-width');
  const height = int('x-height');
  if (body.length !== width * height) throw new Error(`${body.length} bytes for a ${width}x${height} label map`);
  const rect = req.headers['x-canvas'];
  return { model: int('x-model'), width, height, labels: new Uint8Array(body), canvas: typeof rect === 'string' ? JSON.parse(rect) : null };
}

/** Serves `dir` on 127.0.0.1:`port`; resolves with the server and its URL once listening. */
export function serveViewer(dir: string, opts: ServeOptions): Promise<{ server: http.Server; url: string }> {
  const root = path.resolve(dir);
  // the test hook's held requests: GET /__hold is answered when the page POSTs /__done (see viewer.js). The two
  // travel on separate connections, so /__done may arrive first (a page that fails at once): then /__hold is answered
  // as it comes, instead of holding Chromium until the test's timeout.
  const held = new Set<http.ServerResponse>();
  let done = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (opts.onResult && url.pathname === '/__hold' && req.method === 'GET') {
      if (done) {
        res.writeHead(204).end();
        return;
      }
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (opts.onResult && url.pathname === '/__done' && req.method === 'POST') {
      done = true;
      for (const h of held) h.writeHead(204).end();
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/__result' && opts.onResult) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          opts.onResult?.(parseResult(req, Buffer.concat(chunks)));
          res.writeHead(204).end();
        } catch (e) {
          res.writeHead(400).end((e as Error).message);
        }
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let file = '';
    try {
      file = path.join(root, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    } catch {
      // a malformed %-escape: not found below
    }
    // path.join normalises `..` away: anything outside the folder is refused
    if (!file.startsWith(root + path.sep) || !fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}
