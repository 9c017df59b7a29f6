// `shapeseg pretrain --out DIR [...]`: formula-driven pretraining of a ResNet backbone (src/pretrain/).
import { type Command, InvalidArgumentError } from 'commander';
import { RESNET_NAMES } from '../models/names.js';
import { type PretrainInput, PretrainOptionsError, parsePretrainOptions } from '../pretrain/options.js';

interface PretrainFlags {
  out: string;
  arch: string;
  categories?: number;
  instances?: number;
  heldOut?: number;
  size?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  amp: string;
  device?: string;
  threads?: number;
  evalEvery?: number;
  progress: boolean;
}

/** A commander parser for a number flag; the range is checked with the other options (naming the flag too). */
function numberArg(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects a number, got "${v}"`);
    return n;
  };
}

/** `heldOut` -> `--held-out`: the flag that sets an option. */
function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Registers `shapeseg pretrain`. */
export function registerPretrainCommand(program: Command): void {
  // the help states the schema's defaults, so the two cannot drift apart
  const d = parsePretrainOptions({ out: '.' });
  program
    .command('pretrain')
    .description(
      'pretrain a ResNet backbone without natural images: classify seeded fractal categories (FractalDB-style IFS shapes, random colours and ' +
        'textures), then write DIR/backbone.pth (torchvision keys, for model.pretrainedBackbone), DIR/pretrain.json and DIR/metrics.jsonl',
    )
    .requiredOption('--out <dir>', 'output folder (refused if it already holds a pretraining)')
    .option('--arch <name>', `ResNet to train: ${RESNET_NAMES.join('|')}`, 'resnet18')
    .option(
      '--categories <n>',
      `fractal categories (classes), each an IFS of 2-4 random affine maps passing the filling-rate filter (default ${d.categories})`,
      numberArg('--categories'),
    )
    .option(
      '--instances <m>',
      `instances per category: the IFS with one parameter perturbed, flipped, thickened (default ${d.instances})`,
      numberArg('--instances'),
    )
    .option('--held-out <share>', `share of each category's instances held out to measure accuracy (default ${d.heldOut})`, numberArg('--held-out'))
    .option('--size <s>', `image side in pixels (default ${d.size})`, numberArg('--size'))
    .option('--steps <k>', `optimizer steps (default ${d.steps}: about 9 minutes on 2 idle cores with bf16)`, numberArg('--steps'))
    .option('--batch <b>', `images per step (default ${d.batch})`, numberArg('--batch'))
    .option(
      '--lr <x>',
      `peak learning rate of SGD (momentum ${d.momentum}, weight decay ${d.weightDecay}), poly decay after a 5% warmup (default ${d.lr}: torchvision's 0.1 per 256 images, scaled to the batch)`,
      numberArg('--lr'),
    )
    .option('--seed <s>', `seed of the categories, instances, images and initial weights (default ${d.seed})`, numberArg('--seed'))
    .option('--amp <mode>', 'auto (bf16 autocast on a CPU with BF16 instructions, fp32 elsewhere), fp32 or bf16', 'auto')
    .option('--device <device>', `cpu, cuda or cuda:N (default ${d.device})`)
    .option('--threads <n>', 'CPU intra-op threads', numberArg('--threads'))
    .option('--eval-every <n>', 'held-out evaluation every N steps, and at the end (default a quarter of the steps)', numberArg('--eval-every'))
    .option('--no-progress', 'no progress bar or periodic lines')
    .action(async (flags: PretrainFlags) => {
      const input: PretrainInput = {
        out: flags.out,
        arch: flags.arch as PretrainInput['arch'],
        amp: flags.amp as PretrainInput['amp'],
        ...(flags.progress ? {} : { progress: 'off' as const }),
      };
      const numbers = ['categories', 'instances', 'heldOut', 'size', 'steps', 'batch', 'lr', 'seed', 'threads', 'evalEvery'] as const;
      for (const k of numbers) if (flags[k] !== undefined) input[k] = flags[k];
      if (flags.device !== undefined) input.device = flags.device;
      try {
        parsePretrainOptions(input);
      } catch (e) {
        // the options' names as the user typed them
        if (e instanceof PretrainOptionsError) throw new Error(`${flagOf(e.field)}: ${e.problem}`);
        throw e;
      }
      // loaded on use, so `--help` and bad options do not pay for loading libtorch
      const { pretrain } = await import('../pretrain/train.js');
      await pretrain(input);
    });
}
