import type { Severity } from '../diag/diagnostic.js';
import { InvariantError } from '../util/assert.js';

/**
 * The closed catalog of platform rule codes (semantics.md section 2). Codes
 * are stable: tools and `-W`/`-E` flags name them. `rule` is the number of
 * the contract's rule the code implements (0: vmshare additions that keep the
 * model consistent).
 */
export interface RuleInfo {
  readonly code: string;
  readonly severity: Severity;
  readonly rule: number;
  readonly summary: string;
}

const R = (code: string, severity: Severity, rule: number, summary: string): RuleInfo => ({
  code: `platform/${code}`,
  severity,
  rule,
  summary,
});

export const RULES: readonly RuleInfo[] = [
  R('reg-cells', 'error', 1, "reg does not match the parent's #address-cells/#size-cells"),
  R('ipa-base-cells', 'error', 1, 'ipa-base does not hold one #address-cells address per reg entry'),
  R('missing-reg', 'error', 1, 'a memory, io-memory, invalid or reserved region has no reg'),
  R('range-empty', 'error', 1, 'a range of size 0'),
  R('range-unaligned', 'error', 1, 'a range not aligned to the 4 KiB page'),
  R('range-wraps', 'error', 1, 'a range that wraps past 2^64'),
  R('attributes-format', 'error', 1, 'vl,attributes is not <UPPER LOWER>'),
  R('attributes-stray-bits', 'error', 1, 'vl,attributes sets bits outside the stage-2 attribute fields'),
  R(
    'vplatform-root',
    'warning',
    1,
    'a vplatform root without compatible "vl,vlm" or with cells other than 2/1',
  ),
  R('invalid-region-outside-ram', 'error', 2, 'an invalid region not inside physical RAM'),
  R('invalid-region-overlap', 'error', 2, 'two invalid regions overlap'),
  R(
    'invalid-region-owned',
    'error',
    2,
    "an invalid region overlaps the hypervisor's memory, reserved memory or a VM's RAM",
  ),
  R('vm-ram-outside-ram', 'error', 2, "a VM's RAM is not inside physical RAM or lies in an invalid region"),
  R('ram-overlap', 'error', 4, "a VM's RAM overlaps another VM's RAM or the hypervisor's memory"),
  R('io-memory-in-owned-ram', 'error', 3, 'an io-memory range that is RAM but not inside an invalid region'),
  R(
    'io-sharing-not-allowed',
    'error',
    4,
    'overlapping io-memory mappings without vl,allow-sharing on every node',
  ),
  R(
    'sharing-memory-type-mismatch',
    'warning',
    5,
    'sharers of one region with different memory types or cacheability',
  ),
  R('sharing-access-mismatch', 'info', 5, 'one sharer may write a region another maps read-only'),
  R('device-attributes-on-ram', 'info', 5, 'device attributes on a region that is RAM'),
  R('ipa-overlap', 'error', 6, "two mappings overlap in one VM's IPA space"),
  R(
    'unit-address-mismatch',
    'warning',
    7,
    "a binding node's unit address does not match its IPA start, size or VM id",
  ),
  R('vm-memory-missing-id', 'error', 8, 'a vm-memory node without a one-cell vl,vm-id'),
  R('vm-memory-unknown-vm', 'error', 8, 'vl,vm-id names no VM of the platform'),
  R('vm-memory-self', 'error', 8, 'a VM importing its own memory'),
  R('vm-memory-duplicate', 'error', 8, 'two vm-memory nodes for the same exporter'),
  R('vm-memory-no-guest-twin', 'error', 8, 'a vplatform vm-memory node without its guest DT twin'),
  R('vm-memory-no-vplatform-twin', 'error', 8, 'a guest DT vm-memory node without its vplatform twin'),
  R('vm-memory-guest-placement', 'error', 8, 'a guest vm-memory node outside /reserved-memory'),
  R(
    'reserved-memory-format',
    'error',
    8,
    "a guest /reserved-memory whose cells differ from the root's or without an empty ranges",
  ),
  R(
    'grant-needs-identity-ram',
    'error',
    9,
    'an importer or its exporter has RAM that is not identity mapped',
  ),
  R('static-share-is-io-memory', 'info', 10, 'a guest describes a statically shared region as memory'),
  R('vlink-missing-property', 'error', 11, 'a vlink without vl,name, vl,link, vl,server or vl,client'),
  R('vlink-name-too-long', 'error', 11, 'a vlink name longer than 15 characters'),
  R('vlink-unknown-vm', 'error', 11, 'a vlink end names no VM of the platform'),
  R('vlink-self', 'error', 11, 'a vlink whose server is its client'),
  R('vlink-duplicate', 'error', 11, 'two vlinks with the same name, link, server and client'),
  R(
    'import-without-critical-vlink',
    'warning',
    11,
    'an importer and its exporter without a critical vlink between them',
  ),
  R('capacity-regions', 'error', 12, 'a VM with more stage-2 regions than regions-per-vm'),
  R(
    'capacity-grant-records',
    'warning',
    12,
    "an exporter's RAM pages times its importers exceed the grant table",
  ),
  R('capacity-pmem', 'error', 12, "the vlinks' pmem exceeds the pmem pool"),
  R('capacity-cross-interrupts', 'error', 12, "the vlinks' cross-interrupts exceed the configured number"),
];

export const RULES_BY_CODE: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.code, r]));

export function ruleInfo(code: string): RuleInfo {
  const r = RULES_BY_CODE.get(code);
  if (!r) throw new InvariantError(`unknown platform rule code ${code}`);
  return r;
}
