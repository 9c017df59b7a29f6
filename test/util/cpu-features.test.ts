// cpuBf16Support: where the demo's bf16 default comes from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuBf16Support } from '../../src/util/cpu-features.js';

test('cpuBf16Support reads avx512_bf16 / amx_bf16 from /proc/cpuinfo; SHAPESEG_CPU_BF16 overrides', () => {
  const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 ${flags}\n\nprocessor\t: 1\n`;
  const linux = (flags: string, env: NodeJS.ProcessEnv = {}) => cpuBf16Support({ platform: 'linux', cpuinfo: cpuinfo(flags), env });
  assert.deepEqual(linux('avx512f avx512_bf16'), { bf16: true, source: '/proc/cpuinfo: avx512_bf16' });
  assert.deepEqual(linux('amx_tile amx_bf16'), { bf16: true, source: '/proc/cpuinfo: amx_bf16' });
  assert.equal(linux('avx512f avx512bw').bf16, false);
  // a flag that merely contains the name does not count
  assert.equal(linux('xavx512_bf16x').bf16, false);
  assert.deepEqual(linux('avx512_bf16', { SHAPESEG_CPU_BF16: '0' }), { bf16: false, source: 'SHAPESEG_CPU_BF16=0' });
  assert.deepEqual(linux('', { SHAPESEG_CPU_BF16: '1' }), { bf16: true, source: 'SHAPESEG_CPU_BF16=1' });
  assert.throws(() => linux('', { SHAPESEG_CPU_BF16: 'yes' }), /SHAPESEG_CPU_BF16: expected 0 or 1, got "yes"/);
  assert.equal(cpuBf16Support({ platform: 'darwin', env: {} }).bf16, false);
  assert.equal(cpuBf16Support({ platform: 'linux', cpuinfo: '', env: {} }).bf16, false);
  // this machine: whatever it has, the answer names its source
  assert.match(cpuBf16Support().source, /cpuinfo|SHAPESEG_CPU_BF16|not detected/);
});
