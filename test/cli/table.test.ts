import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from '../../src/cli/render/table.js';

describe('formatTable', () => {
  it('aligns by visible width (colour codes do not count), numbers right, the last column unpadded', () => {
    const red = (s: string): string => `\u001b[31m${s}\u001b[39m`;
    const lines = formatTable([{ title: 'PORT', align: 'right' }, { title: 'NAME' }, { title: 'USER' }], [
      ['80', red('nginx'), 'root'],
      ['3000', 'node', 'dev'],
    ]);
    assert.deepEqual(lines.map((l) => l.replace(/\u001b\[\d+m/g, '')), ['PORT  NAME   USER', '  80  nginx  root', '3000  node   dev']);
  });

  it('copes with a hundred thousand rows (no spread of every cell into one call)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), 'x']);
    const lines = formatTable([{ title: 'N', align: 'right' }, { title: 'V' }], rows);
    assert.equal(lines.length, 200_001);
    assert.equal(lines[1], '     0  x');
  });
});
