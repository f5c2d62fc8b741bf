import { parseDocument, LineCounter, isMap, isSeq, isScalar, type Node as YamlNode, type Pair } from 'yaml';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import { joinPath, dirOf } from './paths.js';

/**
 * The platform manifest: a small YAML file naming the device trees of a
 * platform (the hypervisor's, and per VM its vplatform and guest OS trees),
 * the VM ids and names, the preprocessor's include paths and defines, and the
 * capacities the hypervisor is configured with. Paths are relative to the
 * manifest's folder. Every problem is a `manifest/...` diagnostic at the
 * offending YAML node (the yaml package gives offsets; lines and columns are
 * 1-based like the compiler's).
 */
export interface Manifest {
  /** The manifest's path as given (display name). */
  readonly file: string;
  readonly hypervisor: FileRef;
  /** Folders searched by `#include <...>` and `/include/`, resolved against the manifest's folder. */
  readonly includeDirs: readonly string[];
  readonly defines: readonly { readonly name: string; readonly value?: string }[];
  readonly vms: readonly ManifestVm[];
  readonly limits: Limits;
  /** How long an exporter's stop waits for critical vlinks to go OFF before forcing revocation. */
  readonly criticalVlinkTimeoutMs: number;
}

export interface FileRef {
  /** Resolved against the manifest's folder (the form handed to readFile). */
  readonly path: string;
  /** Where the manifest names it. */
  readonly span: Span;
}

export interface ManifestVm {
  /** NkOsId: 1..31 (0 is the hypervisor). */
  readonly id: number;
  readonly name: string;
  readonly vplatform: FileRef;
  readonly guest: FileRef;
  readonly span: Span;
}

/** The hypervisor's configured capacities (semantics.md sections 4, 5; rule 12). */
export interface Limits {
  /** Grant records per exporter's grant table. */
  readonly grantRecords: number;
  /** Regions one grant/deny/verify call may carry (-E2BIG above). */
  readonly grantRegionsPerCall: number;
  /** Stage-2 regions per VM: RAM banks, io-memory mappings and vm-memory windows. */
  readonly regionsPerVm: number;
  /** Bytes of the persistent communication memory pool shared by all vlinks. */
  readonly pmemPoolBytes: bigint;
  /** Persistent cross-interrupts available to all vlinks. */
  readonly crossInterrupts: number;
  /**
   * Highest guest VM id (NkOsId). 31 on the real hypervisor (semantics.md);
   * raising it is for scaling experiments (the benchmark's 64- and 256-VM platforms).
   */
  readonly maxVmId: number;
}

export const DEFAULT_LIMITS: Limits = {
  grantRecords: 65536,
  grantRegionsPerCall: 64,
  regionsPerVm: 256,
  pmemPoolBytes: 16n << 20n,
  crossInterrupts: 1024,
  maxVmId: 31,
};
export const DEFAULT_CRITICAL_VLINK_TIMEOUT_MS = 100;

export interface ManifestResult {
  manifest?: Manifest;
  diagnostics: Diagnostic[];
}

const TOP_KEYS = ['hypervisor', 'include', 'defines', 'vms', 'limits', 'critical-vlink-timeout-ms'] as const;
const VM_KEYS = ['id', 'name', 'vplatform', 'guest'] as const;
const LIMIT_KEYS: Record<string, keyof Limits> = {
  'grant-records': 'grantRecords',
  'grant-regions-per-call': 'grantRegionsPerCall',
  'regions-per-vm': 'regionsPerVm',
  'pmem-pool': 'pmemPoolBytes',
  'cross-interrupts': 'crossInterrupts',
  'max-vm-id': 'maxVmId',
};

export function parseManifest(file: string, text: string): ManifestResult {
  const diagnostics: Diagnostic[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const spanAt = (start: number, end: number): Span => {
    const a = lc.linePos(start);
    const b = lc.linePos(Math.max(start, end));
    return { file, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  };
  const spanOf = (n: YamlNode | Pair | null | undefined): Span => {
    const node = n && 'range' in n ? n : n && 'key' in n ? (n.key as YamlNode | null) : undefined;
    const r = node && 'range' in node ? node.range : undefined;
    return r ? spanAt(r[0], r[1]) : spanAt(0, 0);
  };
  const err = (code: string, message: string, span: Span, hint?: string): void => {
    diagnostics.push({
      severity: 'error',
      code: `manifest/${code}`,
      message,
      span,
      ...(hint ? { hint } : {}),
    });
  };

  for (const e of doc.errors) {
    const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    err('syntax', msg, spanAt(e.pos[0], e.pos[1]));
  }
  if (doc.errors.length > 0) return { diagnostics };

  const root = doc.contents;
  if (!isMap(root)) {
    err(
      'not-a-map',
      'the manifest must be a YAML mapping (hypervisor:, vms:, ...)',
      spanOf(root as YamlNode | null),
    );
    return { diagnostics };
  }
  const base = dirOf(file);
  const top = mapEntries(root.items, TOP_KEYS, 'the manifest', err, spanOf);

  const fileRef = (
    key: string,
    n: YamlNode | undefined,
    owner: string,
    ownerSpan: Span,
  ): FileRef | undefined => {
    if (!n) {
      err('missing-key', `${owner} has no '${key}' (the path of its device tree, DTS or DTB)`, ownerSpan);
      return undefined;
    }
    if (!isScalar(n) || typeof n.value !== 'string' || n.value === '') {
      err('bad-value', `'${key}' must be a file path (a string)`, spanOf(n));
      return undefined;
    }
    return { path: joinPath(base, n.value), span: spanOf(n) };
  };

  const rootSpan = spanAt(0, 0);
  const hypervisor = fileRef('hypervisor', top.get('hypervisor'), 'the manifest', rootSpan);

  const includeDirs: string[] = [];
  const inc = top.get('include');
  if (inc) {
    for (const item of listOf(inc)) {
      if (isScalar(item) && typeof item.value === 'string' && item.value !== '')
        includeDirs.push(joinPath(base, item.value));
      else err('bad-value', "'include' entries must be folder paths (strings)", spanOf(item));
    }
  }

  const defines: { name: string; value?: string }[] = [];
  const defs = top.get('defines');
  if (defs) {
    if (isMap(defs)) {
      for (const p of defs.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        const v = p.value as YamlNode | null;
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
          err('bad-value', `'${k}' is not a preprocessor macro name`, spanOf(p.key as YamlNode));
          continue;
        }
        if (v === null || (isScalar(v) && v.value === null)) defines.push({ name: k });
        else if (isScalar(v)) defines.push({ name: k, value: String(v.value) });
        else err('bad-value', `the value of define '${k}' must be a scalar`, spanOf(v));
      }
    } else {
      for (const item of listOf(defs)) {
        const m =
          isScalar(item) && typeof item.value === 'string'
            ? /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(item.value)
            : null;
        if (!m) err('bad-value', "'defines' entries are NAME or NAME=value", spanOf(item));
        else defines.push(m[2] === undefined ? { name: m[1] } : { name: m[1], value: m[2] });
      }
    }
  }

  const limits: { -readonly [K in keyof Limits]: Limits[K] } = { ...DEFAULT_LIMITS };
  const limNode = top.get('limits');
  if (limNode) {
    if (!isMap(limNode)) err('bad-value', "'limits' must be a mapping", spanOf(limNode));
    else {
      const e = mapEntries(limNode.items, Object.keys(LIMIT_KEYS), "'limits'", err, spanOf);
      for (const [key, field] of Object.entries(LIMIT_KEYS)) {
        const n = e.get(key);
        if (!n) continue;
        const v = isScalar(n) ? parseQuantity(n.value) : undefined;
        if (v === undefined || v < 0n || (field !== 'pmemPoolBytes' && v > 0xffffffffn)) {
          err(
            'bad-value',
            `'${key}' must be a non-negative integer${field === 'pmemPoolBytes' ? ' of bytes (suffixes K, M, G allowed)' : ' below 2^32'}`,
            spanOf(n),
          );
          continue;
        }
        if (field === 'pmemPoolBytes') limits.pmemPoolBytes = v;
        else limits[field] = Number(v);
      }
    }
  }

  const vms: ManifestVm[] = [];
  const vmsNode = top.get('vms');
  if (!vmsNode)
    err('missing-key', "the manifest has no 'vms' (the list of VMs: id, name, vplatform, guest)", rootSpan);
  else if (!isSeq(vmsNode)) err('bad-value', "'vms' must be a list", spanOf(vmsNode));
  else {
    const byId = new Map<number, ManifestVm>();
    const byName = new Map<string, ManifestVm>();
    for (const item of vmsNode.items as (YamlNode | null)[]) {
      const vmSpan = spanOf(item);
      if (!isMap(item)) {
        err('bad-value', 'each VM is a mapping with id, name, vplatform and guest', vmSpan);
        continue;
      }
      const e = mapEntries(item.items, VM_KEYS, 'a VM', err, spanOf);
      const idNode = e.get('id');
      let id: number | undefined;
      if (!idNode) err('missing-key', "a VM has no 'id' (its NkOsId, 1..31)", vmSpan);
      else if (!isScalar(idNode) || typeof idNode.value !== 'number' || !Number.isInteger(idNode.value))
        err('bad-value', "a VM's 'id' must be an integer", spanOf(idNode));
      else if (idNode.value < 1 || idNode.value > limits.maxVmId)
        err(
          'bad-value',
          `VM id ${idNode.value} is out of range: guests are 1..${limits.maxVmId} (0 is the hypervisor)`,
          spanOf(idNode),
        );
      else id = idNode.value;
      const nameNode = e.get('name');
      let name: string | undefined;
      if (!nameNode) err('missing-key', "a VM has no 'name'", vmSpan);
      else if (
        !isScalar(nameNode) ||
        typeof nameNode.value !== 'string' ||
        !/^[A-Za-z0-9_.-]{1,31}$/.test(nameNode.value)
      )
        err(
          'bad-value',
          "a VM's 'name' must be 1 to 31 letters, digits, '.', '_' or '-' (it names output files)",
          spanOf(nameNode),
        );
      else name = nameNode.value;
      const who = name ?? (id !== undefined ? `vm${id}` : 'a VM');
      const vplatform = fileRef('vplatform', e.get('vplatform'), `VM '${who}'`, vmSpan);
      const guest = fileRef('guest', e.get('guest'), `VM '${who}'`, vmSpan);
      if (id === undefined || name === undefined || !vplatform || !guest) continue;
      const vm: ManifestVm = { id, name, vplatform, guest, span: vmSpan };
      const dupId = byId.get(id);
      const dupName = byName.get(name);
      if (dupId) {
        diagnostics.push({
          severity: 'error',
          code: 'manifest/duplicate-vm-id',
          message: `VM id ${id} is used twice ('${dupId.name}' and '${name}')`,
          span: spanOf(idNode),
          related: [{ message: `first used by '${dupId.name}'`, span: dupId.span }],
        });
        continue;
      }
      if (dupName) {
        diagnostics.push({
          severity: 'error',
          code: 'manifest/duplicate-vm-name',
          message: `VM name '${name}' is used twice (ids ${dupName.id} and ${id})`,
          span: spanOf(nameNode),
          related: [{ message: `first used by VM ${dupName.id}`, span: dupName.span }],
        });
        continue;
      }
      byId.set(id, vm);
      byName.set(name, vm);
      vms.push(vm);
    }
    if (vmsNode.items.length === 0)
      err('bad-value', "'vms' is empty: a platform has at least one VM", spanOf(vmsNode));
  }

  let criticalVlinkTimeoutMs = DEFAULT_CRITICAL_VLINK_TIMEOUT_MS;
  const tNode = top.get('critical-vlink-timeout-ms');
  if (tNode) {
    if (
      !isScalar(tNode) ||
      typeof tNode.value !== 'number' ||
      !(tNode.value >= 0) ||
      !Number.isFinite(tNode.value)
    )
      err(
        'bad-value',
        "'critical-vlink-timeout-ms' must be a non-negative number of milliseconds",
        spanOf(tNode),
      );
    else criticalVlinkTimeoutMs = tNode.value;
  }

  if (diagnostics.length > 0 || !hypervisor) return { diagnostics };
  return {
    manifest: { file, hypervisor, includeDirs, defines, vms, limits, criticalVlinkTimeoutMs },
    diagnostics,
  };
}

/** The entries of a YAML mapping by key; unknown keys are errors (a typo must not be silently ignored). */
function mapEntries(
  items: readonly Pair[],
  known: readonly string[],
  owner: string,
  err: (code: string, message: string, span: Span, hint?: string) => void,
  spanOf: (n: YamlNode | Pair | null | undefined) => Span,
): Map<string, YamlNode> {
  const out = new Map<string, YamlNode>();
  for (const p of items) {
    const key = isScalar(p.key) ? String(p.key.value) : undefined;
    if (key === undefined || !known.includes(key)) {
      err(
        'unknown-key',
        `unknown key '${key ?? '?'}' in ${owner}`,
        spanOf(p.key as YamlNode),
        `known keys: ${known.join(', ')}`,
      );
      continue;
    }
    const v = p.value as YamlNode | null;
    if (v === null || (isScalar(v) && v.value === null)) {
      err('bad-value', `'${key}' has no value`, spanOf(p.key as YamlNode));
      continue;
    }
    out.set(key, v);
  }
  return out;
}

function listOf(n: YamlNode): (YamlNode | null)[] {
  return isSeq(n) ? (n.items as (YamlNode | null)[]) : [n];
}

/** `65536`, `0x10000`, `64K`, `16M`, `1G`, `16MiB` → bigint; undefined when not a quantity. */
export function parseQuantity(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*(?:([kmgt])(?:i?b)?)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = BigInt(m[1]);
  const shift = m[2] ? { k: 10n, m: 20n, g: 30n, t: 40n }[m[2].toLowerCase() as 'k' | 'm' | 'g' | 't'] : 0n;
  return n << shift;
}
