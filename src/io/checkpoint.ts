// Format-agnostic checkpoint loading: torch.save zip vs safetensors, told apart by content.
import type { RawTensor } from '../tensor/dtype.js';
import { CheckpointError } from './errors.js';
import { readPth } from './pth-read.js';
import { looksLikeSafetensors, readSafetensors } from './safetensors.js';
import { withFileSource } from './source.js';

/** What loadCheckpoint found. */
export interface LoadedCheckpoint {
  format: 'pth' | 'safetensors';
  tensors: Map<string, RawTensor>;
  /** safetensors `__metadata__` ({} for .pth files). */
  metadata: Record<string, string>;
}

/** Which checkpoint format `path` holds, judged by its first bytes. */
export function detectCheckpointFormat(path: string): 'pth' | 'safetensors' {
  return withFileSource(path, (src) => {
    const head = src.read(0, Math.min(9, src.size));
    if (head[0] === 0x50 && head[1] === 0x4b) return 'pth';
    if (looksLikeSafetensors(head, src.size)) return 'safetensors';
    if (head[0] === 0x80) return 'pth'; // a pickle: the legacy (pre-1.6) torch.save format
    throw new CheckpointError(path, 'unrecognised checkpoint format: neither a torch.save zip nor safetensors');
  });
}

/** Loads a state dict from a torch.save (.pth/.pt) or safetensors file, whatever its extension. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  if (detectCheckpointFormat(path) === 'pth') return { format: 'pth', tensors: readPth(path), metadata: {} };
  return { format: 'safetensors', ...readSafetensors(path) };
}
