import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDevice } from '../../src/tensor/device.js';

test('parseDevice accepts cpu, cuda and cuda:N and names the flag and the value otherwise', () => {
  for (const d of ['cpu', 'cuda', 'cuda:0', 'cuda:12']) assert.equal(parseDevice(d, '--device'), d);
  for (const bad of ['gpu', 'cuda:', 'cuda:x', 'CPU', ' cpu', 'cuda:1 ']) {
    assert.throws(() => parseDevice(bad, '--device'), { message: `--device: expected cpu, cuda or cuda:N, got ${JSON.stringify(bad)}` });
  }
});
