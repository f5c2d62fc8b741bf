import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getopt, type OptSpec } from '../../src/cli/getopt.js';
import { strtol } from '../../src/cli/dtc.js';

const SPECS: OptSpec[] = [
  { key: 'q', long: 'quiet', hasArg: false },
  { key: 'o', long: 'out', hasArg: true },
  { key: 'O', long: 'out-format', hasArg: true },
  { key: 'W', long: 'warning', hasArg: true },
  { key: 'cpp', long: 'cpp', hasArg: false },
];

describe('getopt parses command lines the way dtc (getopt_long) does', () => {
  const rows: [string, string[], unknown][] = [
    ['clustered flags', ['-qq', 'in.dts'], { opts: [{ key: 'q' }, { key: 'q' }], operands: ['in.dts'] }],
    ['attached argument', ['-Wno-foo'], { opts: [{ key: 'W', value: 'no-foo' }], operands: [] }],
    ['separate argument', ['-o', 'x.dtb'], { opts: [{ key: 'o', value: 'x.dtb' }], operands: [] }],
    [
      'flag then attached argument',
      ['-qofile'],
      { opts: [{ key: 'q' }, { key: 'o', value: 'file' }], operands: [] },
    ],
    ['long with =', ['--out=a'], { opts: [{ key: 'o', value: 'a' }], operands: [] }],
    ['long with separate value', ['--out', 'a'], { opts: [{ key: 'o', value: 'a' }], operands: [] }],
    ['unambiguous long prefix', ['--qui'], { opts: [{ key: 'q' }], operands: [] }],
    ['operands anywhere', ['a.dts', '-q'], { opts: [{ key: 'q' }], operands: ['a.dts'] }],
    ['-- ends options', ['--', '-q'], { opts: [], operands: ['-q'] }],
    ['lone dash is an operand (stdin)', ['-'], { opts: [], operands: ['-'] }],
    ['long-only option', ['--cpp'], { opts: [{ key: 'cpp' }], operands: [] }],
  ];
  for (const [name, argv, want] of rows) {
    test(name, () => assert.deepEqual(getopt(argv, SPECS), { ok: true, ...(want as object) }));
  }

  const bad: [string, string[], string][] = [
    ['unknown short option', ['-x'], "invalid option -- 'x'"],
    ['missing argument', ['-o'], "option requires an argument -- 'o'"],
    ['unknown long option', ['--nope'], "unrecognized option '--nope'"],
    ['ambiguous long prefix', ['--out'], ''],
    ['argument to a flag', ['--quiet=1'], "option '--quiet' doesn't allow an argument"],
  ];
  for (const [name, argv, msg] of bad) {
    if (name === 'ambiguous long prefix') {
      test('a long name that is exact wins over longer names it prefixes', () =>
        assert.equal(getopt(['--out', 'x'], SPECS).ok, true));
      test('ambiguous long prefix is refused', () =>
        assert.deepEqual(getopt(['--ou', 'x'], SPECS), { ok: false, message: "option '--ou' is ambiguous" }));
      continue;
    }
    test(name, () => assert.deepEqual(getopt(argv, SPECS), { ok: false, message: msg }));
  }
});

describe('strtol reads numbers like C strtol(s, NULL, 0)', () => {
  const rows: [string, number][] = [
    ['17', 17],
    ['0x10', 16],
    ['010', 8],
    ['0', 0],
    ['-4', -4],
    ['  12abc', 12],
    ['abc', 0],
    ['0X1f', 31],
  ];
  for (const [s, v] of rows) test(`'${s}' is ${v}`, () => assert.equal(strtol(s), v));
});
