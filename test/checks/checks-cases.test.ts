// One small DTS per check: the check fires with dtc's exact message, and the
// whole output equals what the installed dtc 1.6.1 prints for the same input.
import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_TABLE, parseCheckFlags, renderDtcCheckDiagnostic, runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import { CASES } from './cases.js';
import { diffMultisets, lineOf, parseDtcStderr } from './dtc-stderr.js';
import { parseText } from './parse-helper.js';

const DTC = '/usr/bin/dtc';
const dtcMissing = existsSync(DTC) ? false : 'dtc is not installed';

function ours(dts: string, flags: { kind: 'W' | 'E'; arg: string }[] = [], fileName = 'case.dts') {
  const parsed = parseText(dts, fileName, tmpdir());
  assert.ok(parsed.tree, `parse failed: ${parsed.diagnostics.map((d) => d.message).join('; ')}`);
  const { config } = parseCheckFlags(flags);
  const r = runChecks(parsed.tree, new TreeIndex(parsed.tree.root), { config, phandleFormat: 'epapr' });
  return { ...r, lines: r.diagnostics.map((d) => `${d.code.slice(4)}|${lineOf(d.message)}`) };
}

/** Our diagnostics printed the way dtc prints them. */
function rendered(r: ReturnType<typeof ours>, outName: string): string {
  let text = r.diagnostics.map((d) => renderDtcCheckDiagnostic(d, outName)).join('');
  if (r.hasErrors) text += 'ERROR: Input tree has errors, aborting (use -f to force output)\n';
  return text;
}

function theirs(dts: string, flags: { kind: 'W' | 'E'; arg: string }[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'h4-dtc-'));
  try {
    writeFileSync(join(dir, 'case.dts'), dts);
    const args = [
      ...flags.map((f) => `-${f.kind}${f.arg}`),
      '-O',
      'dtb',
      '-o',
      join(dir, 'out.dtb'),
      join(dir, 'case.dts'),
    ];
    const r = spawnSync(DTC, args, { encoding: 'utf8' });
    return {
      exit: r.status,
      lines: parseDtcStderr(r.stderr).map((l) => `${l.check}|${l.message}`),
      stderr: r.stderr,
      dir,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('each check fires on its bad input with dtc 1.6.1 text', () => {
  test('every check in the table has a case', () => {
    const covered = new Set(CASES.map((c) => c.check));
    assert.deepEqual(
      CHECK_TABLE.map((c) => c.name).filter((n) => !covered.has(n)),
      [],
    );
  });

  for (const c of CASES) {
    test(`${c.check}`, () => {
      const r = ours(c.dts, c.flags);
      const mine = r.lines.filter((l) => l.startsWith(`${c.check}|`)).map((l) => l.slice(c.check.length + 1));
      for (const e of c.expect)
        assert.ok(mine.includes(lineOf(e)), `missing ${JSON.stringify(e)} in ${JSON.stringify(mine)}`);
      if (c.expect.length === 0) assert.deepEqual(mine, []);
    });
  }
});

describe('each case gives exactly dtc 1.6.1 output', { skip: dtcMissing }, () => {
  for (const c of CASES) {
    test(`${c.check}`, () => {
      const d = theirs(c.dts, c.flags);
      const r = ours(c.dts, c.flags, join(d.dir, 'case.dts'));
      assert.deepEqual(diffMultisets(r.lines, d.lines), { missing: [], extra: [] });
      assert.equal(r.hasErrors ? 2 : 0, d.exit);
      // Byte for byte, positions and order included.
      assert.equal(rendered(r, join(d.dir, 'out.dtb')), d.stderr);
    });
  }
});

const CLEAN = `/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	model = "clean";
	compatible = "vendor,board";
	aliases { serial0 = &uart; };
	chosen { bootargs = "console=ttyS0"; stdout-path = "serial0:115200n8"; };
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 { device_type = "cpu"; reg = <0>; clocks = <&clk 1>; };
	};
	memory@80000000 { device_type = "memory"; reg = <0x80000000 0x10000000>; };
	clk: clock-controller@1000 { reg = <0x1000 0x100>; #clock-cells = <1>; };
	intc: interrupt-controller@2000 {
		reg = <0x2000 0x100>;
		interrupt-controller;
		#interrupt-cells = <3>;
		#address-cells = <0>;
	};
	soc {
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges;
		interrupt-parent = <&intc>;
		uart: serial@3000 { reg = <0x3000 0x100>; interrupts = <0 1 4>; clocks = <&clk 2>; status = "okay"; };
		i2c@4000 {
			reg = <0x4000 0x100>;
			#address-cells = <1>;
			#size-cells = <0>;
			eeprom@50 { reg = <0x50>; };
		};
	};
};
`;

describe('a clean tree', () => {
  test('triggers no check at all', () => {
    const r = ours(CLEAN);
    assert.deepEqual(r.lines, []);
    assert.equal(r.hasErrors, false);
  });
  test('dtc agrees that it is clean', { skip: dtcMissing }, () => {
    const d = theirs(CLEAN);
    assert.deepEqual({ exit: d.exit, stderr: d.stderr }, { exit: 0, stderr: '' });
  });
});
