/**
 * The vshm story on a booted platform (the main job's last act): the
 * exporter grants its buffer to the importer over the critical vlink, the
 * importer writes and reads it, the exporter restarts, the importer's
 * driver drains and sets its end OFF, the grants are revoked, the exporter
 * comes back and the link reconnects. Everything runs on the model's
 * virtual clock in one thread; the story is the trace, as readable lines.
 */
import type { VmId } from '../hv/addr.js';
import type { HvConfig } from '../hv/config.js';
import { Hypervisor } from '../hv/hypervisor.js';
import type { TraceEvent } from '../hv/trace.js';
import { VLINK_WORD_NAMES } from '../hv/vlink.js';
import { GuestHost } from './host.js';
import { VSHM_NAME, errnoName, hex, vshmGuest } from './vshm.js';
import type { VshmExporter, VshmImporter } from './vshm.js';

export interface StoryResult {
  readonly ok: boolean;
  readonly lines: string[];
}

function ms(t: number): string {
  return `${t.toFixed(1).padStart(6)} ms`;
}

/** One trace event as a story line, or undefined for the events the story leaves out (maps, TLBIs, xirq traffic). */
export function describeEvent(e: TraceEvent): string | undefined {
  switch (e.kind) {
    case 'hypercall': {
      const r = e.rgns.map((g) => `${hex(Number(g.addr))}+${hex(Number(g.size))}`).join(', ');
      return `VM${e.caller} hypercall ${e.op}(VM${e.vmid}${e.flags !== undefined ? `, flags ${hex(e.flags)}` : ''}, [${r}]) = ${errnoName(e.result)}`;
    }
    case 'vlink':
      return `vlink "${e.name}" link ${e.link}: VM${e.vm}'s ${e.side} word ${VLINK_WORD_NAMES[e.from]} -> ${VLINK_WORD_NAMES[e.to]} (${e.by === 'guest' ? 'written by the guest' : 'set by the hypervisor'})`;
    case 'vm-state':
      return `VM${e.vm} ${e.from} -> ${e.to}`;
    case 'lifecycle':
      if (e.step === 'sysconf') return undefined;
      return `hypervisor: VM${e.vm} ${e.step}${e.importer !== undefined ? ` (importer VM${e.importer})` : ''}${e.detail ? `: ${e.detail}` : ''}${
        e.vlinks && e.vlinks.length > 0 && e.step === 'wait'
          ? ` — waiting for ${e.vlinks.map((v) => `"${v.name}" link ${v.link} (${VLINK_WORD_NAMES[v.word]})`).join(', ')}`
          : ''
      }`;
    case 'guest':
      return `VM${e.vm}: ${e.msg}`;
    case 'pmem':
      return e.op === 'alloc'
        ? `VM${e.vm} pmem alloc <vlink ${e.vlink}, id ${e.id}> = ${hex(e.result)} (${e.sizeBytes} bytes${e.found ? ', found by label' : ', created'})`
        : undefined;
    case 'fault':
      return `VM${e.fault.vm} ${e.fault.path} ${e.fault.access} at ${hex(e.fault.ipa)}: ${e.fault.kind} fault`;
    default:
      return undefined;
  }
}

/**
 * What the short story leaves out: the link library's own state lines (the
 * vlink words say the same), the drivers' echo of hypercalls the trace
 * already shows, fresh pmem blocks (blocks found again by label stay: they
 * show persistence) and the BOOTING step.
 */
function inStory(e: TraceEvent): boolean {
  if (e.kind === 'guest')
    return !/^vshm link \d|^vshm exporter: (grant|deny)\(|^vshm importer: verify\(/.test(e.msg);
  if (e.kind === 'pmem') return e.op === 'alloc' && e.found === true;
  if (e.kind === 'vm-state') return e.to !== 'BOOTING';
  return true;
}

/**
 * Boots `config` (which must have a vlink named "vshm") and tells the story.
 * `ok` is false (with the reason as the last line) when the platform does not
 * boot or the story does not reach its end.
 */
export function runVshmStory(config: HvConfig): StoryResult {
  const boot = Hypervisor.boot(config, { autoStart: false });
  if (!boot.ok) return { ok: false, lines: boot.errors.map((e) => `boot refused: ${e.code}: ${e.message}`) };
  return tellVshmStory(boot.hv);
}

/**
 * The story on a hypervisor booted elsewhere (e.g. by `boot/`) with
 * `autoStart: false`: its VMs are started here, after the vshm software is
 * installed on them. VMs already running are restarted first, so that they
 * boot with the drivers.
 */
export function tellVshmStory(hv: Hypervisor): StoryResult {
  const lines: string[] = [];
  const vl = hv.vlinks.links.find((l) => l.name === VSHM_NAME);
  if (!vl) return { ok: false, lines: ['the platform has no vlink named "vshm"'] };
  const exp: VmId = vl.serverId;
  const imp: VmId = vl.clientId;
  hv.trace.subscribe((e) => {
    if (!inStory(e)) return;
    const d = describeEvent(e);
    if (d !== undefined) lines.push(`[${ms(hv.sched.now)}] ${d}`);
  });
  const host = new GuestHost(hv);
  const guest = vshmGuest({ importer: { workMs: 4, periodMs: 6, uses: 2 } });
  host.install(exp, guest);
  host.install(imp, guest);
  const words = (): string =>
    `vlink "${vl.name}" link ${vl.link} words: server VM${exp} ${VLINK_WORD_NAMES[hv.vlinks.word(vl.handle, 'server')]}, client VM${imp} ${VLINK_WORD_NAMES[hv.vlinks.word(vl.handle, 'client')]}; grant records VM${exp}->VM${imp}: ${hv.grants.recordsInUse(exp)}`;
  const say = (s: string): void => {
    lines.push('');
    lines.push(`-- ${s}`);
  };
  const importer = (): VshmImporter | undefined => host.instance<{ importer?: VshmImporter }>(imp)?.importer;
  const exporter = (): VshmExporter | undefined => host.instance<{ exporter?: VshmExporter }>(exp)?.exporter;

  say(
    `boot: VM${exp} exports "${vl.serverInfo}" to VM${imp} over the critical vlink "${vl.name}" (timeout ${hv.lifecycle.timeoutMs} ms)`,
  );
  for (const id of [...hv.vmIds()].sort((a, b) => a - b))
    if (hv.state(id) === 'RUNNING') hv.lifecycle.restart(id);
    else hv.lifecycle.start(id);
  const first = hv.sched.runUntil(() => (exporter()?.shared ?? false) && (importer()?.uses ?? 0) >= 1, 1000);
  lines.push(words());
  if (!first) return { ok: false, lines: [...lines, 'the link did not come up'] };

  hv.sched.runUntil(() => (importer()?.uses ?? 0) >= 2 && hv.sched.now > 0, 1000);
  hv.sched.advance(1); // the second use is in progress: the restart finds a user to drain
  say(`VM${exp} restarts while VM${imp} is using the buffer`);
  hv.lifecycle.restart(exp);
  lines.push(words());
  const back = hv.sched.runUntil(() => hv.state(exp) === 'RUNNING' && (exporter()?.shared ?? false), 1000);
  const used = hv.sched.runUntil(() => importer()?.lastRead === 0x56534800 + (exporter()?.lives ?? 0), 100);
  hv.sched.advance(20);
  say('after the restart');
  lines.push(words());
  const life = exporter()?.lives ?? 0;
  lines.push(
    `VM${exp}'s life counter in pmem: ${life} (it survived the restart); VM${imp} read ${hex(importer()?.lastRead ?? 0)} from the new buffer`,
  );
  const ok = back && used && life === 2 && hv.grants.recordsInUse(exp) > 0;
  if (!ok) lines.push('the link did not reconnect');
  return { ok, lines };
}
