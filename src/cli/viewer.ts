// `shapeseg viewer --model a.onnx [--model b.onnx] [--out DIR] [--serve [--port N]] [--labels NAME]`
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Command } from 'commander';
import { serveViewer } from '../deploy/viewer/serve.js';
import { writeViewer } from '../deploy/viewer/write.js';

interface ViewerFlags {
  model: string[];
  out: string;
  serve?: boolean;
  port: string;
  labels?: string;
}

/** Registers `viewer`: a static page that segments images in the browser with exported .onnx models. */
export function registerViewerCommand(program: Command): void {
  program
    .command('viewer')
    .description('write a web page that segments images in the browser (onnxruntime-web) with exported .onnx models')
    .option('--model <file>', 'an exported .onnx model (repeat for side-by-side panels)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('-o, --out <dir>', 'folder to write the page into', 'runs/viewer')
    .option('--labels <space>', 'label space for models whose metadata has no class names (e.g. cityscapes19)')
    .option('--serve', 'serve the folder on 127.0.0.1 (browsers refuse WASM and fetch() from file://)')
    .option('--port <n>', 'port for --serve (0: any free port)', '8080')
    .action(async (flags: ViewerFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected an integer in 0..65535, got ${JSON.stringify(flags.port)}`);
      const manifest = writeViewer({ models: flags.model, out: flags.out, ...(flags.labels ? { labels: flags.labels } : {}) });
      for (const m of manifest.models) process.stderr.write(`${m.file}: ${m.name}, ${m.numClasses} classes${m.labelSpace ? ` (${m.labelSpace})` : ''}\n`);
      process.stdout.write(`wrote ${path.join(flags.out, 'index.html')}\n`);
      if (!flags.serve) {
        process.stdout.write(`browsers refuse to run it from file://: add --serve, or serve ${flags.out} with any static HTTP server\n`);
        return;
      }
      const { server, url } = await serveViewer(flags.out, {
        port,
        // the page's test hook (?image=...): say what came back
        onResult: (r) => {
          const sha = createHash('sha256').update(r.labels).digest('hex').slice(0, 16);
          process.stdout.write(`result: model ${r.model}, ${r.width}x${r.height} label map, sha256 ${sha}\n`);
        },
      });
      process.stdout.write(`serving ${flags.out} at ${url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close(() => resolve());
          // a browser's keep-alive connections would hold the process open
          server.closeAllConnections();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
