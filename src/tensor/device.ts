// Device strings from outside (CLI flags, files), checked before they reach the native layer.
import type { Device } from './dtype.js';

/** `value` as a Device (cpu, cuda, cuda:N); throws naming `what` (e.g. "--device") and the value otherwise. */
export function parseDevice(value: string, what: string): Device {
  if (!/^(cpu|cuda|cuda:\d+)$/.test(value)) throw new Error(`${what}: expected cpu, cuda or cuda:N, got ${JSON.stringify(value)}`);
  return value as Device;
}
