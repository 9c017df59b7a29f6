import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';

describe('backend', () => {
  it('backendInfo names libtorch, devices and the addon build', () => {
    const info = T.backendInfo();
    assert.match(info.libtorchVersion, /^\d+\.\d+/);
    assert.ok(info.libtorchPath.length > 0);
    assert.match(info.libtorchFoundBy, /LIBTORCH|python|system/);
    assert.equal(info.cuda, T.cudaIsAvailable());
    assert.equal(info.devices[0], 'cpu');
    assert.equal(info.devices.length, 1 + T.cudaDeviceCount());
    assert.match(info.addon.path, /shapeseg\.node$/);
    assert.ok(info.addon.built.length > 0 && info.addon.compiler.length > 0);
  });

  it('thread count round-trips', () => {
    const n = T.getNumThreads();
    T.setNumThreads(1);
    assert.equal(T.getNumThreads(), 1);
    T.setNumThreads(n);
    assert.equal(T.backendInfo().threads, n);
  });

  it('CUDA helpers are safe without CUDA', () => {
    if (T.cudaIsAvailable()) return;
    assert.equal(T.cudaDeviceCount(), 0);
    T.cudaSynchronize();
    T.cudaResetPeakMemoryStats();
    assert.equal(T.cudaMaxMemoryAllocated(), 0);
    T.setCudnnBenchmark(true);
    T.setCudnnBenchmark(false);
  });

  it('find-libtorch --json reports what it found', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['scripts/find-libtorch.mjs', '--json'], { encoding: 'utf8' })) as {
      version: string;
      libDir: string;
      how: string;
      abi: number;
      cuda: boolean;
    };
    assert.match(out.how, /LIBTORCH|python|system/);
    assert.ok(out.abi === 0 || out.abi === 1);
    assert.equal(typeof out.cuda, 'boolean');
  });

  it('find-libtorch fails clearly for a bad $LIBTORCH', () => {
    assert.throws(
      () =>
        execFileSync(process.execPath, ['scripts/find-libtorch.mjs', '--include'], {
          env: { ...process.env, LIBTORCH: '/nonexistent' },
          stdio: 'pipe',
        }),
      (e: { stderr: Buffer; status: number }) => e.status === 1 && /is not a libtorch directory/.test(e.stderr.toString()),
    );
  });
});
