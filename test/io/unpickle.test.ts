import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PyDict, UnpickleError, type UnpickleHooks, unpickle } from '../../src/io/unpickle.js';

const refuseAll: UnpickleHooks = {
  findClass(module, name) {
    throw new Error(`refused ${module}.${name}`);
  },
};
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('unpickle (no Python needed)', () => {
  test('protocol 2 containers and scalars', () => {
    // pickle.dumps({'a': [1, -2, 3.5, None, True], 'b': (300, 70000, 2**40), 'c': b'\x00\x01'}, protocol=2) with bytes as py3 codecs.encode
    const v = unpickle(
      hex(`80 02 7d 71 00 28 58 01 00 00 00 61 71 01 5d 71 02 28 4b 01 4a fe ff ff ff
           47 40 0c 00 00 00 00 00 00 4e 88 65 58 01 00 00 00 62 71 03 4d 2c 01 4a 70 11 01 00
           8a 06 00 00 00 00 00 01 87 71 04 75 2e`),
      refuseAll,
    );
    assert.ok(v instanceof PyDict);
    assert.deepEqual(v.map.get('a'), [1, -2, 3.5, null, true]);
    assert.deepEqual(v.map.get('b'), [300, 70000, 2 ** 40]);
  });

  test('protocol 4 framing, SHORT_BINUNICODE, MEMOIZE and BINGET', () => {
    // pickle.dumps(['x', 'x', ['x']], protocol=4) reusing the memoised string
    const v = unpickle(hex(`80 04 95 10 00 00 00 00 00 00 00 5d 94 28 8c 01 78 94 68 01 5d 94 68 01 61 65 2e`), refuseAll);
    assert.deepEqual(v, ['x', 'x', ['x']]);
  });

  test('huge LONG1 stays exact as a bigint; negative LONG1 decodes', () => {
    assert.equal(unpickle(hex('80 02 8a 09 00 00 00 00 00 00 00 00 01 2e'), refuseAll), 2n ** 64n);
    assert.equal(unpickle(hex('80 02 8a 02 00 ff 2e'), refuseAll), -256);
  });

  test('GLOBAL goes through findClass (refused) before anything else happens', () => {
    assert.throws(() => unpickle(Buffer.from('\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00hi\x85R.', 'latin1'), refuseAll), /refused posix\.system/);
  });

  test('malformed input: clear errors with the byte offset, never a hang', () => {
    assert.throws(() => unpickle(hex('80 02 5d'), refuseAll), /pickle ended without STOP at byte 3/);
    assert.throws(
      () => unpickle(hex('80 02 58 ff ff ff 7f 61'), refuseAll),
      (e: Error) => e instanceof UnpickleError && /truncated/.test(e.message),
    );
    assert.throws(() => unpickle(hex('80 02 74 2e'), refuseAll), /MARK missing/);
    assert.throws(() => unpickle(hex('80 02 68 05 2e'), refuseAll), /memo key 5 missing/);
    assert.throws(() => unpickle(hex('80 02 ff'), refuseAll), /unsupported pickle opcode 0xff at byte 2/);
    assert.throws(() => unpickle(hex('80 02 4b 01 4b 02 52 2e'), refuseAll), /cannot call number/);
  });
});
