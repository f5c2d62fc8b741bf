import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeDtb } from '../../src/dtb/write.js';
import { readDtb } from '../../src/dtb/read.js';
import { StringsTable } from '../../src/dtb/strings-table.js';
import { readU32 } from '../../src/util/bytes.js';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { cells, cstr, dtree, node, prop } from './tree-builders.js';
import { equalBytes, firstDiff, hasDtc, runDtc, skipUnless } from './helpers.js';

function header(b: Uint8Array): number[] {
  return Array.from({ length: 10 }, (_, i) => readU32(b, i * 4));
}

function stringsBlock(b: Uint8Array): string {
  const off = readU32(b, 12);
  const size = readU32(b, 32);
  return Buffer.from(b.subarray(off, off + size)).toString('latin1');
}

describe('strings block', () => {
  test('a name equal to the tail of an earlier name reuses the lowest such offset', () => {
    const t = new StringsTable();
    const names = ['linux,phandle-like', 'a-reg', 'reg-names', 'compatible', 'xreg'];
    for (const n of names) t.offsetOf(n);
    assert.equal(t.offsetOf('phandle-like'), 6);
    assert.equal(t.offsetOf('reg'), 21);
    assert.equal(t.offsetOf('g'), 23);
    assert.equal(t.offsetOf('e'), 17, 'first e is the one in "like"');
    assert.equal(t.offsetOf('names'), 29);
    assert.equal(t.offsetOf('patible'), 38);
    assert.equal(t.offsetOf('mpatible'), 37);
    assert.equal(t.offsetOf('ames'), 30);
    assert.equal(
      Buffer.from(t.toBytes()).toString('latin1'),
      'linux,phandle-like\0a-reg\0reg-names\0compatible\0xreg\0',
    );
  });

  test('an earlier short name is not merged into a later long one', () => {
    const t = new StringsTable();
    assert.equal(t.offsetOf('reg'), 0);
    assert.equal(t.offsetOf('a-reg'), 4);
    assert.equal(t.offsetOf('reg'), 0);
    assert.equal(Buffer.from(t.toBytes()).toString('latin1'), 'reg\0a-reg\0');
  });

  test('offsets equal a byte-by-byte scan like dtc 1.6.1 (random names over a tiny alphabet)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 6 }), { maxLength: 40 }),
        (names) => {
          const t = new StringsTable();
          let table = '';
          for (const n of names) {
            // dtc 1.6.1: the first offset whose C string equals the name, else append.
            let found = -1;
            for (let i = 0; i < table.length && found < 0; i++) {
              const nul = table.indexOf('\0', i);
              if (table.slice(i, nul) === n) found = i;
            }
            if (found < 0) {
              found = table.length;
              table += n + '\0';
            }
            assert.equal(t.offsetOf(n), found, `name ${JSON.stringify(n)} in ${JSON.stringify(table)}`);
          }
          assert.equal(Buffer.from(t.toBytes()).toString('latin1'), table);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the empty name matches the first NUL', () => {
    const t = new StringsTable();
    t.offsetOf('abc');
    assert.equal(t.offsetOf(''), 3);
  });

  test('strings are entered in order of first use during the pre-order flattening', () => {
    const tree = dtree(
      node(
        '',
        [prop('model', 'm'), prop('compatible', 'c')],
        [node('a', [prop('reg', cells(1)), prop('model', 'x')])],
      ),
    );
    assert.equal(stringsBlock(writeDtb(tree)), 'model\0compatible\0reg\0');
  });
});

describe('layout', () => {
  test('header words, reserve map at 40, struct right after, strings right after, totalsize not rounded', () => {
    const tree = dtree(node('', [prop('a', cstr('xyz'))]), [[0x1000n, 0x2000n]], 3);
    const b = writeDtb(tree);
    const [magic, totalsize, offStruct, offStrings, offRsv, version, lastComp, boot, sizeStr, sizeStruct] =
      header(b);
    assert.equal(magic, 0xd00dfeed);
    assert.equal(offRsv, 40);
    assert.equal(offStruct, 40 + 16 * 2);
    // BEGIN, "" padded to 4, PROP len nameoff "xyz\0", END_NODE, END
    assert.equal(sizeStruct, 4 + 4 + 12 + 4 + 4 + 4);
    assert.equal(offStrings, offStruct + sizeStruct);
    assert.equal(sizeStr, 2);
    assert.equal(totalsize, offStrings + sizeStr);
    assert.equal(b.length, totalsize);
    assert.deepEqual([version, lastComp, boot], [17, 16, 3]);
  });

  test('deleted nodes and properties produce nothing', () => {
    const gone = node('gone', [prop('x', cells(1))]);
    gone.deleted = true;
    const p = prop('hidden', cells(7));
    p.deleted = true;
    const withDeleted = dtree(node('', [p, prop('a', cells(1))], [gone, node('kept')]));
    const without = dtree(node('', [prop('a', cells(1))], [node('kept')]));
    assert.ok(equalBytes(writeDtb(withDeleted), writeDtb(without)));
  });

  test('-R adds all-zero entries before the terminator', () => {
    const b = writeDtb(dtree(node(''), [[1n, 2n]]), { reserveExtra: 2 });
    assert.equal(readU32(b, 8), 40 + 16 * 4);
  });

  const padCases: { name: string; opts: Parameters<typeof writeDtb>[1]; expect: (base: number) => number }[] =
    [
      { name: '-p adds bytes', opts: { padBytes: 10 }, expect: (n) => n + 10 },
      { name: '-S raises to a minimum', opts: { minSize: 500 }, expect: () => 500 },
      { name: '-a rounds up', opts: { align: 64 }, expect: (n) => Math.ceil(n / 64) * 64 },
      { name: '-p then -a', opts: { padBytes: 1, align: 64 }, expect: (n) => Math.ceil((n + 1) / 64) * 64 },
      { name: '-S then -a', opts: { minSize: 129, align: 16 }, expect: () => 144 },
      { name: '-p wins over -S', opts: { padBytes: 4, minSize: 1000 }, expect: (n) => n + 4 },
    ];
  for (const c of padCases) {
    test(`padding: ${c.name}`, () => {
      const tree = dtree(node('', [prop('a', cstr('hello'))]));
      const base = writeDtb(tree).length;
      const b = writeDtb(tree, c.opts);
      assert.equal(b.length, c.expect(base));
      assert.equal(readU32(b, 4), b.length);
      assert.ok(b.subarray(base).every((x) => x === 0));
    });
  }

  test('-S below the blob size warns like dtc and pads nothing', () => {
    const diagnostics: Diagnostic[] = [];
    const tree = dtree(node('', [prop('a', cstr('hello'))]));
    const b = writeDtb(tree, { minSize: 10, diagnostics });
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, 'dtb/min-size');
    assert.equal(diagnostics[0].message, `blob size ${b.length} >= minimum size 10`);
  });
});

describe('old versions', () => {
  const tree = () =>
    dtree(
      node(
        '',
        [prop('compatible', 'x')],
        [node('cpus', [], [node('cpu@0', [prop('reg', cells(0)), prop('big', new Uint8Array(9))])])],
      ),
      [],
      5,
    );

  test('v1-v3 write full paths, name properties and 8-byte aligned long values; readDtb reads them back', () => {
    for (const version of [1, 2, 3]) {
      const b = writeDtb(tree(), { version });
      const r = readDtb(b, 'old.dtb');
      assert.ok(r.tree, JSON.stringify(r.diagnostics));
      const cpu = r.tree.root.getChild('cpus')!.getChild('cpu@0')!;
      assert.equal(cpu.getProperty('big')!.value.length, 9);
      assert.deepEqual(Array.from(cpu.getProperty('name')!.value), [...Buffer.from('cpu'), 0]);
      assert.equal(readU32(b, 20), version);
      assert.equal(readU32(b, 24), 1);
      if (version >= 2) assert.equal(readU32(b, 28), 5);
    }
  });

  test('v16 has no size_dt_struct and reserve map at 40', () => {
    const b = writeDtb(tree(), { version: 16 });
    assert.equal(readU32(b, 16), 40);
    assert.equal(readU32(b, 20), 16);
    assert.equal(readU32(b, 24), 16);
  });

  test(
    'every version and option is byte-identical to dtc rewriting our own output',
    skipUnless([hasDtc, 'no /usr/bin/dtc']),
    () => {
      const v17 = writeDtb(tree());
      for (const [args, opts] of [
        [['-V', '1'], { version: 1 }],
        [['-V', '2'], { version: 2 }],
        [['-V', '3'], { version: 3 }],
        [['-V', '16'], { version: 16 }],
        [['-R', '1', '-p', '7'], { reserveExtra: 1, padBytes: 7 }],
      ] as const) {
        const ref = runDtc(['-q', '-I', 'dtb', '-O', 'dtb', ...args, '-'], v17);
        const ours = writeDtb(tree(), opts);
        assert.ok(
          equalBytes(ours, ref.stdout),
          `${args.join(' ')}: first difference at ${firstDiff(ours, ref.stdout)}`,
        );
      }
    },
  );
});

describe('deep trees', () => {
  function chain(depth: number): ReturnType<typeof dtree> {
    const root = node('');
    let cur = root;
    for (let i = 0; i < depth; i++) {
      const c = node(`n${i}`, [prop('v', cells(i))]);
      cur.addChild(c);
      cur = c;
    }
    return dtree(root);
  }

  test('a chain of 100,000 nested nodes is written and read without recursion limits', () => {
    const b = writeDtb(chain(100000));
    const r = readDtb(b, 'deep.dtb');
    assert.ok(r.tree);
    assert.ok(equalBytes(writeDtb(r.tree), b));
  });

  test('and printed (5,000 levels: the text grows with depth squared)', async () => {
    const { printDts } = await import('../../src/dts/print.js');
    const text = printDts(chain(5000));
    // Header and blank line, root open/close, per child: blank, open, property, close; then the final newline.
    assert.equal(text.split('\n').length, 2 + 2 + 5000 * 4 + 1);
  });
});
