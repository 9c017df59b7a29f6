// Device strings from outside (CLI flags, files), checked before they reach the native layer.
import type { Device } from './dtype.js';

/** Exactly the Device strings: cpu, cuda, cuda:N (the config schema checks with it too). */
export const DEVICE_PATTERN = /^(cpu|cuda|cuda:\d+)$/;

/** `value` as a Device (cpu, cuda, cuda:N); throws naming `what` (e.g. "--device") and the value otherwise. */
export function parseDevice(value: string, what: string): Device {
  if (!DEVICE_PATTERN.test(value)) throw new Error(`${what}: expected cpu, cuda or cuda:N, got ${JSON.stringify(value)}`);
  return value as Device;
}
