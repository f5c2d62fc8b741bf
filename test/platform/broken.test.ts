import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../src/platform/codes.js';
import { joinPath } from '../../src/platform/paths.js';
import { check, where } from './helpers.js';

/**
 * examples/broken/<case>/platform.yaml names, in `# expect:` comments, the
 * findings its one deliberate mistake must produce — code and location — and
 * nothing else may fire. examples/broken/common is the clean base every case
 * changes one thing of.
 */
const BROKEN = 'examples/broken';
const cases = readdirSync(BROKEN)
  .filter((d) => d !== 'common' && existsSync(join(BROKEN, d, 'platform.yaml')))
  .sort();

function expected(dir: string): string[] {
  const text = readFileSync(join(dir, 'platform.yaml'), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^# expect: (\S+) (\S+):(\d+):(\d+)$/gm))
    out.push(`${m[1]} ${joinPath(dir, m[2])}:${m[3]}:${m[4]}`);
  return out.sort();
}

describe('every broken example fires exactly its rule', () => {
  for (const c of cases) {
    test(c, () => {
      const dir = `${BROKEN}/${c}`;
      const want = expected(dir);
      assert.ok(want.length > 0, 'the case names what it expects');
      const r = check(`${dir}/platform.yaml`);
      assert.equal(r.unusable, false, r.diagnostics.map((d) => d.message).join('\n'));
      assert.deepEqual(r.diagnostics.map(where).sort(), want);
      // The case is named after the rule it demonstrates.
      assert.ok(
        want.some((w) => w.startsWith(`platform/${c} `)),
        `case ${c} expects platform/${c}`,
      );
    });
  }
});

test('the clean base of the broken examples has no finding at all', () => {
  const r = check(`${BROKEN}/common/platform.yaml`);
  assert.deepEqual(r.diagnostics.map(where), []);
});

test('every platform rule code has a broken example', () => {
  const have = new Set(cases.map((c) => `platform/${c}`));
  assert.deepEqual(
    RULES.map((r) => r.code).filter((c) => !have.has(c)),
    [],
  );
});

test('every finding carries a hint and the numbers in its message', () => {
  for (const c of cases) {
    const r = check(`${BROKEN}/${c}/platform.yaml`);
    for (const d of r.diagnostics) {
      if (!d.code.startsWith('platform/')) continue;
      assert.ok(d.hint, `${c}: ${d.code} has a hint`);
      assert.match(d.message, /\d/, `${c}: ${d.code} message carries numbers: ${d.message}`);
    }
  }
});
