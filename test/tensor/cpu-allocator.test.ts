// The cache of large CPU blocks (native/cpu_allocator.cc): freed blocks of 32 MiB and more are reused, not
// refaulted; values stay right; the cache can be emptied and turned off.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/tensor/index.js';

const MiB = 1 << 20;

test('a freed large block serves the next request of the same size; small ones bypass the cache', () => {
  T.cpuEmptyCache();
  const before = T.cpuCacheStats();
  assert.ok(before, 'the cache is on by default');
  const a = T.full([16, MiB], 1.5); // 64 MiB
  a.dispose();
  const afterFree = T.cpuCacheStats()!;
  assert.equal(afterFree.cachedBytes, 64 * MiB);
  const b = T.zeros([16, MiB]); // same size: reused, and zeros() still writes zeros into it
  const stats = T.cpuCacheStats()!;
  assert.equal(stats.hits, before.hits + 1);
  assert.equal(stats.cachedBytes, 0);
  assert.equal(b.sum().item(), 0);
  const c = T.zeros([1, MiB]); // 4 MiB: malloc's
  assert.equal(T.cpuCacheStats()!.misses, stats.misses);
  for (const t of [b, c]) t.dispose();
  T.cpuEmptyCache();
  assert.equal(T.cpuCacheStats()!.cachedBytes, 0);
});

test('large tensors through oneDNN convolutions (raw allocations) compute the same as small ones', () => {
  // 2x8x1024x1024 float input = 64 MiB: oneDNN's reorders and scratch go through the raw path
  T.manualSeed(0);
  const x = T.rand([2, 8, 1024, 1024]);
  const w = T.rand([8, 8, 3, 3]);
  const y = T.F.conv2d(x, w, null, { padding: 1 });
  const tile = T.F.conv2d(x.narrow(2, 0, 64).narrow(3, 0, 64).contiguous(), w, null, { padding: 1 });
  const diff = y
    .narrow(2, 1, 62)
    .narrow(3, 1, 62)
    .sub(tile.narrow(2, 1, 62).narrow(3, 1, 62))
    .abs()
    .amax()
    .item();
  assert.ok(diff < 1e-4, `max diff ${diff}`);
  for (const t of [x, w, y, tile]) t.dispose();
});

test('SHAPESEG_CPU_CACHE_MB=0 turns the cache off', () => {
  const tensorIndex = fileURLToPath(new URL('../../src/tensor/index.js', import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `const T = await import(${JSON.stringify(tensorIndex)}); console.log(JSON.stringify(T.cpuCacheStats()));`],
    {
      env: { ...process.env, SHAPESEG_CPU_CACHE_MB: '0' },
      encoding: 'utf8',
    },
  );
  assert.equal(out.trim(), 'null');
});
