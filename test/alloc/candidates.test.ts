import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedSegments, defaultRange, segmentsSize, skipReason, walkSegments, type PortPolicy } from '../../src/alloc/candidates.js';
import { BROWSER_UNSAFE_PORTS } from '../../src/ports/facts.js';

const policy: PortPolicy = {
  ephemeral: { from: 32768, to: 60999 },
  unprivilegedFloor: 1024,
  browserUnsafe: BROWSER_UNSAFE_PORTS,
  excluded: new Set([4000, 4001, 65535]),
};

describe('port policy', () => {
  it('never allows ephemeral, privileged, browser-unsafe or excluded ports', () => {
    assert.equal(skipReason(40000, policy), 'ephemeral');
    assert.equal(skipReason(80, policy), 'privileged');
    assert.equal(skipReason(6000, policy), 'browser-unsafe');
    assert.equal(skipReason(4001, policy), 'excluded');
    assert.equal(skipReason(3000, policy), null);
  });
  it('allowed segments are exactly the allowed ports (checked port by port)', () => {
    for (const range of [defaultRange(policy), { from: 1, to: 65535 }, { from: 5990, to: 6100 }, { from: 40000, to: 40010 }]) {
      const segments = allowedSegments(range, policy);
      const expected: number[] = [];
      for (let p = range.from; p <= range.to; p++) if (skipReason(p, policy) === null) expected.push(p);
      const walked = [...walkSegments(segments, 0)];
      assert.deepEqual(walked, expected, `${range.from}-${range.to}`);
      assert.equal(segmentsSize(segments), expected.length);
    }
  });
  it('the default range starts at 1024 even where the floor is 0', () => {
    assert.equal(defaultRange({ ...policy, unprivilegedFloor: 0 }).from, 1024);
  });
  it('a walk from any offset visits every allowed port once, wrapping around', () => {
    const segments = allowedSegments({ from: 5000, to: 5020 }, policy);
    const walked = [...walkSegments(segments, 7)];
    assert.equal(walked[0], 5007);
    assert.deepEqual([...walked].sort((a, b) => a - b), [...walkSegments(segments, 0)]);
    assert.deepEqual([...walkSegments([], 3)], []);
  });
});
