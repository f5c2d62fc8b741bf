import type { Diagnostic } from '../diag/diagnostic.js';
import type { DeviceTree, Node } from '../dt/model.js';
import { walkLive } from '../dt/model.js';
import { getNodeByPath } from '../dt/lookup.js';
import type { CheckConfig } from '../checks/index.js';
import { compile } from '../compile/compile.js';
import { latin1Decode } from '../compile/text.js';
import { parseManifest, type FileRef, type Manifest } from './manifest.js';
import type { TreeRole } from './model.js';
import {
  HYPERVISOR_REGION_PATH,
  INVALID_REGION_PATH,
  VLINKS_PATH,
  type PlatformTrees,
  type TreeInput,
} from './extract.js';
import { isCompatible } from './dt-read.js';

/**
 * Manifest → compiled trees. Every tree goes through the same pipeline as
 * `vmshare dtc` (built-in C preprocessor for DTS, the DTB reader when the file
 * starts with the FDT magic, then dtc's checks); a tree that cannot be read
 * or parsed makes the platform unusable (exit 2), while dtc check findings
 * are kept as `dtc/...` diagnostics next to the platform rules.
 */
export interface LoadOptions {
  readFile(path: string): Uint8Array | undefined;
  /** Searched after the manifest's include paths: the bundled include/ with nkvdt.h and skeleton.dtsi. */
  readonly extraIncludeDirs?: readonly string[];
  /** dtc check levels (from `-W dtc/<name>` / `-E dtc/<name>`). */
  readonly dtcChecks?: CheckConfig;
}

export interface LoadedTree extends TreeInput {
  readonly format: 'dts' | 'dtb';
  /** Every file read for this tree (includes), for dependency lists and caret excerpts. */
  readonly files: readonly string[];
}

export interface LoadedPlatform extends PlatformTrees {
  readonly manifest: Manifest;
  readonly hypervisor: LoadedTree;
  readonly vms: readonly {
    readonly id: number;
    readonly name: string;
    readonly vplatform: LoadedTree;
    readonly guest: LoadedTree;
  }[];
  /** dtc check findings of every tree (the binding's own unit-address warnings removed: rule 7 replaces them). */
  readonly dtcDiagnostics: readonly Diagnostic[];
}

export interface LoadResult {
  /** Absent when the input is unusable (manifest errors, unreadable or unparsable trees). */
  readonly loaded?: LoadedPlatform;
  /** Manifest problems and read/parse failures (with `loaded` absent), nothing else. */
  readonly diagnostics: readonly Diagnostic[];
}

const FDT_MAGIC = [0xd0, 0x0d, 0xfe, 0xed];

export function isDtb(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && FDT_MAGIC.every((b, i) => bytes[i] === b);
}

export function loadPlatform(manifestFile: string, opts: LoadOptions): LoadResult {
  const bytes = opts.readFile(manifestFile);
  if (!bytes)
    return {
      diagnostics: [
        {
          severity: 'error',
          code: 'manifest/not-found',
          message: `cannot read the platform manifest '${manifestFile}'`,
        },
      ],
    };
  const m = parseManifest(manifestFile, latin1Decode(bytes));
  if (!m.manifest) return { diagnostics: m.diagnostics };
  return loadTrees(m.manifest, opts);
}

export function loadTrees(manifest: Manifest, opts: LoadOptions): LoadResult {
  const failures: Diagnostic[] = [];
  const dtc: Diagnostic[] = [];
  const includeDirs = [...manifest.includeDirs, ...(opts.extraIncludeDirs ?? [])];
  const load = (ref: FileRef, role: TreeRole, vmId?: number): LoadedTree | undefined => {
    const bytes = opts.readFile(ref.path);
    if (!bytes) {
      failures.push({
        severity: 'error',
        code: 'manifest/file-not-found',
        message: `cannot read ${role} device tree '${ref.path}'`,
        span: ref.span,
      });
      return undefined;
    }
    const format = isDtb(bytes) ? 'dtb' : 'dts';
    const r = compile({
      inputFormat: format,
      fileName: ref.path,
      readFile: (p) => (p === ref.path ? bytes : opts.readFile(p)),
      includeDirs,
      ...(format === 'dts' ? { cpp: { defines: manifest.defines, undefines: [] } } : {}),
      ...(opts.dtcChecks ? { checks: opts.dtcChecks } : {}),
      phandleFormat: 'epapr',
      symbols: false,
      autoAliases: false,
      sort: false,
      // The platform checker reports dtc's check errors itself and keeps going, as `dtc -f` would.
      force: true,
    });
    if (r.stage === 'input-failed' || !r.tree) {
      failures.push(...r.diagnostics);
      return undefined;
    }
    const binding = bindingNodePaths(r.tree, role);
    for (const d of r.diagnostics) {
      if (d.code === 'dtc/unit_address_vs_reg' && binding.has(messagePath(d.message))) continue;
      // dtc's "Failed prerequisite 'x'" lines repeat a finding already reported (x's own), without a location.
      if (!d.span && d.message.startsWith('Failed prerequisite')) continue;
      dtc.push(d);
    }
    return {
      role,
      ...(vmId !== undefined ? { vmId } : {}),
      file: ref.path,
      tree: r.tree,
      format,
      files: r.files,
    };
  };

  const hypervisor = load(manifest.hypervisor, 'hypervisor');
  const vms: { id: number; name: string; vplatform: LoadedTree; guest: LoadedTree }[] = [];
  for (const vm of manifest.vms) {
    const vplatform = load(vm.vplatform, 'vplatform', vm.id);
    const guest = load(vm.guest, 'guest', vm.id);
    if (vplatform && guest) vms.push({ id: vm.id, name: vm.name, vplatform, guest });
  }
  if (failures.length > 0 || !hypervisor) return { diagnostics: failures };
  return { loaded: { manifest, hypervisor, vms, dtcDiagnostics: dtc }, diagnostics: [] };
}

/** The node path a dtc check message starts with (`/vm-memory@3: node has ...`). */
function messagePath(message: string): string {
  const i = message.indexOf(':');
  return i < 0 ? message : message.slice(0, i);
}

/**
 * Nodes whose names the binding fixes (semantics.md §1 "Unit addresses"):
 * `vl,io-memory@<ipa>-<size>`, `vm-memory@<id>`, `vlink@<n>`, and
 * `invalid-region` (and our `hypervisor-region`) without a unit address.
 */
function bindingNodePaths(tree: DeviceTree, role: TreeRole): Set<string> {
  const out = new Set<string>();
  if (role === 'hypervisor') {
    out.add(INVALID_REGION_PATH);
    out.add(HYPERVISOR_REGION_PATH);
    const vl = getNodeByPath(tree.root, VLINKS_PATH);
    if (vl) for (const c of vl.liveChildren()) out.add(c.fullPath);
    return out;
  }
  for (const n of walkLive(tree.root)) if (isBinding(n, role)) out.add(n.fullPath);
  return out;
}

function isBinding(n: Node, role: TreeRole): boolean {
  return isCompatible(n, 'vl,vm-memory') || (role === 'vplatform' && isCompatible(n, 'vl,io-memory'));
}
