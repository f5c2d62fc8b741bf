/** Invariant checks shared by the matrix and property tests (semantics.md §7). */
import assert from 'node:assert/strict';
import type { Hypervisor, Ipa } from '../../src/hv/index.js';
import { isFault } from '../../src/hv/index.js';
import type { Oracle, Path } from './oracle.js';

const PG = 4096;

/** Invariant 2: each VM's stage 2 and SMMU context equal configuration + live records, page by page. */
export function assertTablesMatch(hv: Hypervisor, oracle: Oracle): void {
  for (const id of hv.vmIds())
    for (const path of ['cpu', 'dma'] as Path[]) {
      const tables = path === 'cpu' ? hv.stage2(id) : hv.smmu(id);
      const actual = new Map<number, string>();
      for (const r of tables.leaves(false))
        for (let k = 0; k < r.pageCount; k++)
          actual.set(
            r.ipaPage + k,
            `${(r.paPage + k).toString(16)} ${r.lower.toString(16)} ${r.upper.toString(16)}`,
          );
      const expected = new Map<number, string>();
      for (const [ipaPage, p] of oracle.expected(id, path))
        expected.set(
          ipaPage,
          `${p.paPage.toString(16)} ${p.lower.toString(16)} ${(p.upper >>> 0).toString(16)}`,
        );
      if (actual.size !== expected.size || [...expected].some(([k, v]) => actual.get(k) !== v)) {
        const diff: string[] = [];
        for (const [k, v] of expected)
          if (actual.get(k) !== v) diff.push(`ipa page ${k.toString(16)}: want ${v}, got ${actual.get(k)}`);
        for (const [k, v] of actual)
          if (!expected.has(k)) diff.push(`ipa page ${k.toString(16)}: unexpected ${v}`);
        assert.fail(`VM ${id} ${path} tables differ from the oracle:\n${diff.slice(0, 10).join('\n')}`);
      }
    }
}

/** Invariant 1 on sample pages: loads/stores/fetches succeed iff the oracle says so, with the right fault otherwise. */
export function assertAccessMatches(hv: Hypervisor, oracle: Oracle, ipaPages: readonly number[]): void {
  for (const id of hv.vmIds())
    for (const path of ['cpu', 'dma'] as Path[]) {
      const port = path === 'cpu' ? hv.cpu(id) : hv.dma(id);
      const exp = oracle.expected(id, path);
      const running = oracle.running.get(id);
      for (const page of ipaPages) {
        const ipa = (page * PG + 8) as Ipa;
        const e = exp.get(page);
        const r = port.load32(ipa);
        const where = `VM ${id} ${path} ipa ${ipa.toString(16)}`;
        if (!running) {
          assert.ok(
            isFault(r) && r.kind === 'not-running',
            `${where}: a VM that is not running must not read`,
          );
          continue;
        }
        if (!e)
          assert.ok(
            isFault(r) && r.kind === 'translation',
            `${where}: read must be a translation fault, got ${JSON.stringify(r)}`,
          );
        else if (!e.read)
          assert.ok(
            isFault(r) && r.kind === 'permission' && r.access === 'read',
            `${where}: read must be a permission fault`,
          );
        else assert.equal(typeof r, 'number', `${where}: read must succeed, got ${JSON.stringify(r)}`);
        const w = port.store32(ipa, 0x5a5a5a5a);
        if (!e)
          assert.ok(isFault(w) && w.kind === 'translation', `${where}: write must be a translation fault`);
        else if (!e.write)
          assert.ok(
            isFault(w) && w.kind === 'permission' && w.access === 'write',
            `${where}: write must be a permission fault`,
          );
        else assert.equal(w, undefined, `${where}: write must succeed, got ${JSON.stringify(w)}`);
        const x = port.translate(ipa, 'exec');
        assert.equal(!isFault(x), !!e?.exec, `${where}: exec`);
      }
    }
}

/** Invariant 6 (and 4): no record ever involves a VM without identity RAM, or a VM that is not running. */
export function assertRecordsSane(hv: Hypervisor, oracle: Oracle): void {
  for (const r of hv.grants.list()) {
    assert.ok(
      hv.ramIdentity(r.exporter) && hv.ramIdentity(r.importer),
      `record ${JSON.stringify(r)} involves non-identity RAM`,
    );
    assert.ok(
      oracle.running.get(r.exporter) && oracle.running.get(r.importer),
      `record ${JSON.stringify(r)} survived a stop`,
    );
  }
  const mine = new Map<string, number>();
  for (const r of oracle.records)
    mine.set(`${r.e}/${r.i}/${r.page}/${r.flags}`, (mine.get(`${r.e}/${r.i}/${r.page}/${r.flags}`) ?? 0) + 1);
  const theirs = new Map(
    hv.grants.list().map((r) => [`${r.exporter}/${r.importer}/${r.page}/${r.flags}`, r.refs]),
  );
  assert.deepEqual(theirs, mine, 'grant records differ from the oracle');
}
