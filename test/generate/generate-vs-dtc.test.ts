import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { printDts } from '../../src/dts/print.js';
import { writeDtb } from '../../src/dtb/write.js';
import { equalBytes, firstDiff, hasDtc, runDtc, skipUnless } from '../dtb/helpers.js';
import { runPipelineOn } from '../print/dts-pipeline.js';

const haveLayers =
  existsSync(new URL('../../src/dts/parse.ts', import.meta.url)) &&
  existsSync(new URL('../../src/checks/index.ts', import.meta.url));

/**
 * -A, -@, /plugin/ fixups and -s on small sources written for one quirk each,
 * compared live with dtc 1.6.1: the -O dts text, the -O dtb bytes and the
 * "label X already exists" warnings.
 */
interface Case {
  name: string;
  flags: string[];
  dts: string;
}

const cases: Case[] = [
  {
    name: '-@: labels in pre-order and label-list order, root label, phandles for every labelled node',
    flags: ['-@'],
    dts: `/dts-v1/;
/ {
	a: b: n1 { c: sub {}; };
	n2 { x: y: leaf { p = <&c>; }; };
};
rl: &{/} { };
/ { q: r: n1 {}; };
`,
  },
  {
    name: '-@: an existing __symbols__ is reused; a label already there warns and is skipped',
    flags: ['-@'],
    dts: `/dts-v1/;
/ {
	r: x {};
	__symbols__ { r = "/foo"; q = "x"; };
	m: y {};
};
`,
  },
  {
    name: '-@: a revived node whose labels stay deleted still gets a phandle',
    flags: ['-@'],
    dts: `/dts-v1/;
/ {
	n1: n { m: sub {}; };
	k: other {};
};
/ { /delete-node/ n; };
/ { n { }; };
`,
  },
  {
    name: '-@ with -H both and explicit phandles skipped by the counter',
    flags: ['-@', '-H', 'both'],
    dts: `/dts-v1/;
/ {
	a: n1 { phandle = <2>; };
	b: n2 { };
	c: n3 { linux,phandle = <1>; };
	d: n4 { };
};
`,
  },
  {
    name: '-@ with -H legacy',
    flags: ['-@', '-H', 'legacy'],
    dts: `/dts-v1/;
/ { a: n1 { }; b: n2 { r = <&a>; }; };
`,
  },
  {
    name: '-A: aliases appended to an existing /aliases, existing names kept',
    flags: ['-A'],
    dts: `/dts-v1/;
/ {
	aliases { serial0 = "/s"; };
	serial0: s {};
	eth: e {};
};
`,
  },
  {
    name: '-A and -@ together: aliases first, then __symbols__',
    flags: ['-A', '-@'],
    dts: `/dts-v1/;
/ { a: x { }; b: y { p = <&a>; }; };
`,
  },
  {
    name: 'plugin: unresolved references in walk order, duplicates kept, path reference, local fixups mirrored',
    flags: [],
    dts: `/dts-v1/;
/plugin/;
/ {
	a: x {
		p = <&a>, <&zz>, <&zz 1 &a>;
		deep { q = <0 &b>, <&{/path/to/node}>; r = <&a &zz>; };
	};
	b: y { s = <&zz>; };
};
&ext {
	t = <&zz &a>;
	inner { u = <&ext2>; };
};
`,
  },
  {
    name: 'plugin with -@: fragments, symbols, fixups and local fixups in that order',
    flags: ['-@'],
    dts: `/dts-v1/;
/plugin/;
&target {
	local: node { prop = <&local>, <&remote>; };
};
&{/some/path} { other = <&local>; };
`,
  },
  {
    name: 'plugin with existing __fixups__ and __local_fixups__ in the source',
    flags: [],
    dts: `/dts-v1/;
/plugin/;
/ {
	a: x { p = <&zz>, <&a>; };
	__fixups__ { zz = "/old:prop:0"; other = "/o:p:4"; };
	__local_fixups__ { x { p = <8>; }; };
};
`,
  },
  {
    name: '-s: memreserves, properties and nodes by strcmp, after -@',
    flags: ['-s', '-@'],
    dts: `/dts-v1/;
/memreserve/ 0x2000 0x10;
/memreserve/ 0x1000 0x20;
/memreserve/ 0x1000 0x10;
/ {
	zeta = <1>;
	Alpha = <2>;
	alpha = "a";
	b: node@2 { z = <1>; a = <2>; };
	a: node@10 { };
	Node { };
	node { gone = <1>; kept = <2>; };
};
/ { node { /delete-property/ gone; }; };
`,
  },
];

describe(
  'generated nodes against dtc 1.6.1',
  skipUnless([hasDtc, 'no /usr/bin/dtc'], [haveLayers, 'parser/checks not present']),
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmshare-gen-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    cases.forEach((c, i) => {
      test(c.name, () => {
        const file = join(dir, `case${i}.dts`);
        writeFileSync(file, c.dts);
        const ours = runPipelineOn(file, c.flags);
        assert.ok(ours.tree, ours.error);
        const refDts = runDtc([...c.flags, '-O', 'dts', file]);
        assert.equal(refDts.status, 0, refDts.stderr);
        assert.equal(printDts(ours.tree), refDts.stdout.toString('latin1'));
        // dtc's warnings have no newline: split on its prefix.
        const refWarnings = refDts.stderr
          .split('WARNING: ')
          .slice(1)
          .map((s) => s.trim());
        const ourWarnings = ours.diagnostics
          .filter((d) => d.code === 'dt/label-exists')
          .map((d) => d.message);
        assert.deepEqual(ourWarnings, refWarnings);

        // The writer needs a fresh tree: generation and sorting changed this one.
        const again = runPipelineOn(file, c.flags);
        const refDtb = runDtc([...c.flags, '-O', 'dtb', file]);
        const dtb = writeDtb(again.tree!, again.write);
        assert.ok(
          equalBytes(dtb, refDtb.stdout),
          `first difference at byte ${firstDiff(dtb, refDtb.stdout)}`,
        );
      });
    });
  },
);
