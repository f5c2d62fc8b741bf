// Deterministic generator of realistic hypervisor host device trees, for benchmarks.
//
// A host tree describes the physical platform (CPUs, GIC, clocks, UARTs, I/O memory windows) and
// one `vm@N` node per guest under /hypervisor/vms: its vCPUs, guest memory (vm-memory), a virtual
// platform (vplatform devices pointing at host resources), vlinks (shared-memory channels to other
// VMs) and boot data. It is dense in the constructs that make dtc slow (labels, phandle and path
// references, one /aliases entry per VM, many distinct property names) and uses every value form:
// strings, string lists, byte strings, cells, /bits/ 8/16/64, expressions, &label and &{/path}
// references in cells and as path strings. After the root block come `&label { }` overrides,
// top-level /delete-node/ and in-body /delete-node/ and /delete-property/.
//
// Same options -> same bytes (a seeded PRNG; no clock, no Math.random). The output compiles with
// dtc 1.6.1 with exit 0 and no warnings: every node with a unit address has a matching `reg`,
// buses have ranges, and deleted nodes are never referenced.
//
// CLI: node dist/bench/gen-host-tree.js --size 4MB [--seed N] [-o out.dts]

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface HostTreeOptions {
  /** Approximate output size in bytes; generation stops at the first VM that reaches it. */
  readonly targetBytes: number;
  /** PRNG seed (default 1). */
  readonly seed?: number;
}

export interface HostTree {
  readonly text: string;
  readonly vms: number;
  readonly nodes: number;
  readonly labels: number;
  readonly refs: number;
}

/** mulberry32: tiny, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number): string => `0x${n.toString(16)}`;
/** A 64-bit address as two cells, `<hi lo>` style text. */
const cells64 = (v: bigint): string => `${hex(Number(v >> 32n))} ${hex(Number(v & 0xffffffffn))}`;
const unit64 = (v: bigint): string =>
  v >> 32n ? `${(v >> 32n).toString(16)},${(v & 0xffffffffn).toString(16)}` : v.toString(16);

const byteHex = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');

const HOST_CPUS = 16;
const IO_WINDOWS = 256;
const UARTS = 8;

/** Counts while building, so benchmark reports can say what the input contains. */
class Out {
  readonly parts: string[] = [];
  bytes = 0;
  nodes = 0;
  labels = 0;
  refs = 0;
  line(s: string): void {
    this.parts.push(s, '\n');
    this.bytes += s.length + 1;
  }
}

export function generateHostTree(opts: HostTreeOptions): HostTree {
  const rnd = prng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

  // Phase 1: the per-VM bodies (their count depends on the size target), written to `vmOut`.
  const vmOut = new Out();
  const tail = new Out(); // overrides and deletions after the root block
  const vmMemBase = 0x8_0000_0000n;
  const vmMemStride = 0x1_0000_0000n;
  let vms = 0;
  const VMS_PER_BLOCK = 4096;
  // Header + host part is about 60 KB; aim the VM part at the rest.
  const budget = Math.max(0, opts.targetBytes - 60_000);
  while (vms === 0 || vmOut.bytes + tail.bytes + vms * 40 < budget) {
    // dtc 1.6.1's parser stack overflows ("memory exhausted") past 9,988
    // children in one body: continue /hypervisor/vms in a new root block
    // (merged into the same node) every VMS_PER_BLOCK guests, as a large
    // generated configuration split over files would.
    if (vms > 0 && vms % VMS_PER_BLOCK === 0)
      vmOut.line('\t\t};\n\t};\n};\n\n/ {\n\thypervisor {\n\t\tvms {');
    emitVm(vmOut, tail, vms, vmMemBase + BigInt(vms) * vmMemStride);
    vms++;
  }

  function emitVm(o: Out, t: Out, n: number, memBase: bigint): void {
    const t3 = '\t\t\t';
    const ncpu = int(1, 4);
    const firstCpu = int(0, HOST_CPUS - ncpu);
    o.line(`${t3}vm${n}: vm@${n.toString(16)} {`);
    o.line(`${t3}\tcompatible = "vmshare,vm", "vmshare,vm-v${int(1, 3)}";`);
    o.line(`${t3}\treg = <${hex(n)}>;`);
    o.line(`${t3}\tvm-name = "guest-${n}";`);
    o.line(`${t3}\tvm-id = /bits/ 16 <${hex(n & 0xffff)}>;`);
    o.line(`${t3}\tpriority = /bits/ 8 <${int(0, 255)}>;`);
    o.line(`${t3}\tvcpus = /bits/ 8 <${ncpu}>;`);
    const cpuRefs = Array.from({ length: ncpu }, (_, k) => `&cpu${firstCpu + k}`).join(' ');
    o.line(`${t3}\tcpus = <${cpuRefs}>;`);
    o.line(`${t3}\tentry-point = /bits/ 64 <${hex(Number(memBase >> 12n))}>;`);
    o.line(
      `${t3}\tuuid = [${Array.from({ length: 16 }, () => int(0, 255).toString(16).padStart(2, '0')).join(' ')}];`,
    );
    o.line(`${t3}\tstatus = "okay";`);
    o.refs += ncpu;
    o.nodes++;
    o.labels++;

    // Guest memory.
    o.line(`${t3}\tmemory {`);
    o.line(`${t3}\t\t#address-cells = <2>;`);
    o.line(`${t3}\t\t#size-cells = <2>;`);
    const nmem = int(2, 3);
    for (let k = 0; k < nmem; k++) {
      const base = memBase + BigInt(k) * 0x1000_0000n;
      const size = BigInt(int(1, 16)) * 0x10_0000n;
      o.line(`${t3}\t\tvm${n}_mem${k}: vm-memory@${unit64(base)} {`);
      o.line(`${t3}\t\t\tcompatible = "vmshare,vm-memory";`);
      o.line(`${t3}\t\t\treg = <${cells64(base)} ${cells64(size)}>;`);
      o.line(`${t3}\t\t\thost-address = /bits/ 64 <${hex(Number(base >> 4n))}>;`);
      o.line(`${t3}\t\t\tattributes = /bits/ 16 <${hex(int(0, 0xffff))} ${hex(int(0, 0xff))}>;`);
      if (rnd() < 0.5) o.line(`${t3}\t\t\tcacheable;`);
      if (rnd() < 0.3) o.line(`${t3}\t\t\tshareable = "inner", "outer";`);
      o.line(`${t3}\t\t};`);
      o.nodes++;
      o.labels++;
    }
    o.line(`${t3}\t};`);
    o.nodes++;

    // Virtual platform: a UART backed by a host UART, a virtual GIC, a timer, pass-through devices.
    const hostUart = int(0, UARTS - 1);
    const uartAddr = 0x900_0000 + n * 0x1000;
    o.line(`${t3}\tvm${n}_vplat: vplatform {`);
    o.line(`${t3}\t\t#address-cells = <1>;`);
    o.line(`${t3}\t\t#size-cells = <1>;`);
    o.line(`${t3}\t\tvm${n}_uart: serial@${uartAddr.toString(16)} {`);
    o.line(`${t3}\t\t\tcompatible = "arm,pl011", "arm,primecell";`);
    o.line(`${t3}\t\t\treg = <${hex(uartAddr)} 0x1000>;`);
    o.line(`${t3}\t\t\tinterrupts = <0 ${int(32, 900)} 4>;`);
    o.line(`${t3}\t\t\tinterrupt-parent = <&vm${n}_vgic>;`);
    o.line(`${t3}\t\t\tclocks = <&clk_uart &clk_apb>;`);
    o.line(`${t3}\t\t\tclock-names = "uartclk", "apb_pclk";`);
    o.line(`${t3}\t\t\tbackend = <&uart${hostUart}>;`);
    o.line(`${t3}\t\t\tbackend-path = &uart${hostUart};`);
    o.line(`${t3}\t\t\tstatus = "okay";`);
    o.line(`${t3}\t\t};`);
    o.refs += 5;
    o.line(`${t3}\t\tvm${n}_vgic: interrupt-controller@8000000 {`);
    o.line(`${t3}\t\t\tcompatible = "arm,gic-v3";`);
    o.line(`${t3}\t\t\treg = <0x8000000 0x10000>;`);
    o.line(`${t3}\t\t\tinterrupt-controller;`);
    o.line(`${t3}\t\t\t#interrupt-cells = <3>;`);
    o.line(`${t3}\t\t\t#address-cells = <0>;`);
    o.line(`${t3}\t\t\thost-gic = <&gic>;`);
    o.line(`${t3}\t\t\tnr-irqs = /bits/ 16 <${int(64, 988)}>;`);
    o.line(`${t3}\t\t};`);
    o.refs++;
    o.line(`${t3}\t\ttimer {`);
    o.line(`${t3}\t\t\tcompatible = "arm,armv8-timer";`);
    o.line(`${t3}\t\t\tinterrupts = <1 13 0xf08>, <1 14 0xf08>, <1 11 0xf08>, <1 10 0xf08>;`);
    o.line(`${t3}\t\t\tinterrupt-parent = <&vm${n}_vgic>;`);
    o.line(`${t3}\t\t\tclock-frequency = <${pick([24000000, 50000000, 62500000, 100000000])}>;`);
    o.line(`${t3}\t\t};`);
    o.refs++;
    const npt = int(0, 2);
    for (let k = 0; k < npt; k++) {
      const io = int(0, IO_WINDOWS - 1);
      const a = 0xa00_0000 + k * 0x10_0000;
      o.line(`${t3}\t\tvm${n}_pt${k}: passthrough@${a.toString(16)} {`);
      o.line(`${t3}\t\t\tcompatible = "vmshare,passthrough";`);
      o.line(`${t3}\t\t\treg = <${hex(a)} 0x100000>;`);
      o.line(`${t3}\t\t\tio-memory = <&io${io}>;`);
      o.line(`${t3}\t\t\thost-device = &{/soc/io-memory@40000000/region@${ioUnit(io)}};`);
      o.line(`${t3}\t\t\tinterrupts-extended = <&vm${n}_vgic 0 ${int(32, 900)} 4>;`);
      o.line(`${t3}\t\t\tdma-coherent;`);
      o.line(`${t3}\t\t};`);
      o.nodes++;
      o.labels++;
      o.refs += 3;
    }
    o.line(`${t3}\t\tdebug@${(0xf00_0000 + n).toString(16)} {`);
    o.line(`${t3}\t\t\treg = <${hex(0xf00_0000 + n)} 0x4>;`);
    o.line(`${t3}\t\t\tcompatible = "vmshare,debug-console";`);
    o.line(`${t3}\t\t};`);
    o.line(`${t3}\t};`);
    o.nodes += 5;
    o.labels += 3;

    // vlinks: shared-memory channels to earlier VMs (references backwards and, via the
    // path string, to the peer's memory node).
    o.line(`${t3}\tvlinks {`);
    o.line(`${t3}\t\t#address-cells = <1>;`);
    o.line(`${t3}\t\t#size-cells = <0>;`);
    const nlinks = n === 0 ? 0 : int(1, 2);
    for (let k = 0; k < nlinks; k++) {
      const peer = int(0, n - 1);
      o.line(`${t3}\t\tvm${n}_link${k}: vlink@${k} {`);
      o.line(`${t3}\t\t\treg = <${k}>;`);
      o.line(`${t3}\t\t\tcompatible = "vmshare,vlink";`);
      o.line(`${t3}\t\t\tpeer = <&vm${peer}>;`);
      o.line(`${t3}\t\t\tpeer-path = &{/hypervisor/vms/vm@${peer.toString(16)}};`);
      o.line(`${t3}\t\t\tshared-memory = <&vm${n}_mem0 &vm${peer}_mem0>;`);
      o.line(`${t3}\t\t\tpeer-memory = &vm${peer}_mem0;`);
      o.line(`${t3}\t\t\tdoorbell = /bits/ 64 <${hex(0x1000 * (n + 1) + k)} ${hex(int(0, 0x7fffffff))}>;`);
      o.line(`${t3}\t\t\tqueue-size = <(${int(1, 16)} * 4096)>;`);
      o.line(`${t3}\t\t\tmac-address = [02 00 ${byteHex(n >> 8)} ${byteHex(n)} ${byteHex(k)} 01];`);
      o.line(`${t3}\t\t};`);
      o.nodes++;
      o.labels++;
      o.refs += 5;
    }
    o.line(`${t3}\t};`);
    o.nodes++;

    // Boot data, and a scratch node deleted later from the top level.
    o.line(`${t3}\tboot {`);
    o.line(`${t3}\t\tkernel = "/boot/guest-${n}/Image";`);
    o.line(`${t3}\t\tinitrd = "/boot/guest-${n}/initrd.img";`);
    o.line(`${t3}\t\tcmdline = "console=ttyAMA0 root=/dev/vda rw quiet vm=${n}";`);
    o.line(`${t3}\t\tload-address = /bits/ 64 <${hex(Number((memBase + 0x8_0000n) >> 8n))}>;`);
    o.line(`${t3}\t\tfeatures = "psci", "smccc", ${rnd() < 0.5 ? '"sve", ' : ''}"pmu";`);
    o.line(`${t3}\t};`);
    o.line(`${t3}\tvm${n}_scratch: scratch {`);
    o.line(`${t3}\t\tnotes = "removed by the overrides below";`);
    o.line(`${t3}\t};`);
    o.line(`${t3}};`);
    o.nodes += 2;
    o.labels++;

    // Later blocks: overrides through &label, deletions at the top level and in a body.
    t.line(`&vm${n}_uart {`);
    t.line(`\tstatus = "${rnd() < 0.2 ? 'disabled' : 'okay'}";`);
    t.line(`\tcurrent-speed = <${pick([9600, 38400, 115200, 1500000])}>;`);
    t.line(`};`);
    t.refs++;
    if (n % 3 === 0) {
      t.line(`&vm${n} {`);
      t.line(`\t/delete-property/ priority;`);
      t.line(`\tpriority = /bits/ 8 <${int(0, 255)}>;`);
      t.line(`\tboot { cmdline = "console=hvc0 vm=${n}"; };`);
      t.line(`};`);
      t.refs++;
    }
    if (n % 4 === 1) {
      t.line(`&vm${n}_vplat {`);
      t.line(`\t/delete-node/ debug@${(0xf00_0000 + n).toString(16)};`);
      t.line(`};`);
      t.refs++;
    }
    t.line(`/delete-node/ &vm${n}_scratch;`);
    t.refs++;
  }

  function ioUnit(i: number): string {
    return (0x4000_0000 + i * 0x10_0000).toString(16);
  }

  // Phase 2: the whole file.
  const o = new Out();
  o.line('/dts-v1/;');
  o.line('');
  o.line('/memreserve/ 0x40000000 0x200000;');
  o.line('/memreserve/ (0x40000000 + 0x800000) 0x10000;');
  o.line('');
  o.line('/ {');
  o.line('\t#address-cells = <2>;');
  o.line('\t#size-cells = <2>;');
  o.line('\tcompatible = "vmshare,host-board", "arm,vexpress";');
  o.line(`\tmodel = "vmshare generated host (${vms} VMs)";`);
  o.line('\tinterrupt-parent = <&gic>;');
  o.refs++;
  o.line('');
  o.line('\taliases {');
  for (let i = 0; i < UARTS; i++) o.line(`\t\tserial${i} = &uart${i};`);
  for (let n = 0; n < vms; n++) o.line(`\t\tvm${n} = &vm${n};`);
  o.line('\t};');
  o.refs += UARTS + vms;
  o.line('');
  o.line('\tchosen {');
  o.line('\t\tstdout-path = &uart0;');
  o.line('\t\tbootargs = "console=ttyAMA0,115200 earlycon";');
  o.line('\t\tvmshare,hypervisor = &{/hypervisor};');
  o.line('\t};');
  o.refs += 2;
  o.line('');
  o.line('\tcpus {');
  o.line('\t\t#address-cells = <1>;');
  o.line('\t\t#size-cells = <0>;');
  for (let c = 0; c < HOST_CPUS; c++) {
    o.line(`\t\tcpu${c}: cpu@${c.toString(16)} {`);
    o.line('\t\t\tdevice_type = "cpu";');
    o.line('\t\t\tcompatible = "arm,cortex-a72", "arm,armv8";');
    o.line(`\t\t\treg = <${hex(c)}>;`);
    o.line('\t\t\tenable-method = "psci";');
    o.line(`\t\t\tclocks = <&clk_cpu ${c >> 2}>;`);
    o.line(`\t\t\tcpu-idle-states = <&cpu_sleep>;`);
    o.line('\t\t};');
    o.refs += 2;
  }
  o.line('\t\tidle-states {');
  o.line('\t\t\tcpu_sleep: cpu-sleep {');
  o.line('\t\t\t\tcompatible = "arm,idle-state";');
  o.line('\t\t\t\tentry-latency-us = <40>;');
  o.line('\t\t\t};');
  o.line('\t\t};');
  o.line('\t};');
  o.line('');
  o.line('\tmemory@40000000 {');
  o.line('\t\tdevice_type = "memory";');
  o.line('\t\treg = <0x0 0x40000000 0x8 0x0>;');
  o.line('\t};');
  o.line('');
  o.line('\tpsci {');
  o.line('\t\tcompatible = "arm,psci-1.0", "arm,psci-0.2";');
  o.line('\t\tmethod = "smc";');
  o.line('\t};');
  o.line('');
  o.line('\tclk_sys: clock-sys {');
  o.line('\t\tcompatible = "fixed-clock";');
  o.line('\t\t#clock-cells = <0>;');
  o.line('\t\tclock-frequency = <100000000>;');
  o.line('\t\tclock-output-names = "sys";');
  o.line('\t};');
  o.line('\tclk_uart: clock-uart {');
  o.line('\t\tcompatible = "fixed-clock";');
  o.line('\t\t#clock-cells = <0>;');
  o.line('\t\tclock-frequency = <24000000>;');
  o.line('\t};');
  o.line('\tclk_apb: clock-apb {');
  o.line('\t\tcompatible = "fixed-factor-clock";');
  o.line('\t\t#clock-cells = <0>;');
  o.line('\t\tclocks = <&clk_sys>;');
  o.line('\t\tclock-div = <2>;');
  o.line('\t\tclock-mult = <1>;');
  o.line('\t};');
  o.refs++;
  o.line('');
  o.line('\tsoc {');
  o.line('\t\tcompatible = "simple-bus";');
  o.line('\t\t#address-cells = <2>;');
  o.line('\t\t#size-cells = <2>;');
  o.line('\t\tranges;');
  o.line('');
  o.line('\t\tgic: interrupt-controller@8000000 {');
  o.line('\t\t\tcompatible = "arm,gic-v3";');
  o.line('\t\t\treg = <0x0 0x8000000 0x0 0x10000>, <0x0 0x80a0000 0x0 0xf60000>;');
  o.line('\t\t\tinterrupt-controller;');
  o.line('\t\t\t#interrupt-cells = <3>;');
  o.line('\t\t\t#address-cells = <0>;');
  o.line('\t\t\tinterrupts = <1 9 4>;');
  o.line('\t\t};');
  o.line('');
  o.line('\t\tclk_cpu: clock-controller@9100000 {');
  o.line('\t\t\tcompatible = "vmshare,cpu-clocks";');
  o.line('\t\t\treg = <0x0 0x9100000 0x0 0x1000>;');
  o.line('\t\t\t#clock-cells = <1>;');
  o.line('\t\t\tclocks = <&clk_sys>;');
  o.line('\t\t\tclock-output-names = "cluster0", "cluster1", "cluster2", "cluster3";');
  o.line('\t\t};');
  o.refs++;
  for (let u = 0; u < UARTS; u++) {
    const a = 0x900_0000 + u * 0x1_0000;
    o.line('');
    o.line(`\t\tuart${u}: serial@${a.toString(16)} {`);
    o.line('\t\t\tcompatible = "arm,pl011", "arm,primecell";');
    o.line(`\t\t\treg = <0x0 ${hex(a)} 0x0 0x1000>;`);
    o.line(`\t\t\tinterrupts = <0 ${1 + u} 4>;`);
    o.line('\t\t\tclocks = <&clk_uart &clk_apb>;');
    o.line('\t\t\tclock-names = "uartclk", "apb_pclk";');
    o.line('\t\t};');
    o.refs += 2;
  }
  o.line('');
  o.line('\t\tio-memory@40000000 {');
  o.line('\t\t\t#address-cells = <2>;');
  o.line('\t\t\t#size-cells = <2>;');
  o.line('\t\t\tranges = <0x0 0x40000000 0x0 0x40000000 0x0 0x10000000>;');
  for (let i = 0; i < IO_WINDOWS; i++) {
    const a = BigInt(0x4000_0000 + i * 0x10_0000);
    o.line(`\t\t\tio${i}: region@${ioUnit(i)} {`);
    o.line('\t\t\t\tcompatible = "vmshare,io-memory";');
    o.line(`\t\t\t\treg = <${cells64(a)} 0x0 0x100000>;`);
    o.line(`\t\t\t\tattributes = /bits/ 8 <${int(0, 255)} ${int(0, 255)} (-1)>;`);
    o.line(`\t\t\t\tregion-name = "io-window-${i}";`);
    o.line('\t\t\t};');
  }
  o.line('\t\t};');
  o.line('\t};');
  o.line('');
  o.line('\thypervisor {');
  o.line('\t\tcompatible = "vmshare,hypervisor";');
  o.line('\t\tversion = /bits/ 16 <1 2>;');
  o.line('\t\tconsole = <&uart0>;');
  o.line('\t\tvms {');
  o.line('\t\t\t#address-cells = <1>;');
  o.line('\t\t\t#size-cells = <0>;');
  o.refs++;
  const head = o.parts.join('');
  const foot = '\t\t};\n\t};\n};\n\n';
  const text = head + vmOut.parts.join('') + foot + tail.parts.join('');
  const nodes = o.nodes + vmOut.nodes + HOST_CPUS + UARTS + IO_WINDOWS + 17;
  const labels = vmOut.labels + HOST_CPUS + UARTS + IO_WINDOWS + 6;
  return { text, vms, nodes, labels, refs: o.refs + vmOut.refs + tail.refs };
}

/** "4MB", "512KB", "1000000" -> bytes (MB = 1,000,000 bytes, like the dtc measurements). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(kb|k|mb|m|gb|g)?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size "${s}" (examples: 4MB, 512KB, 1000000)`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('k') ? 1e3 : unit.startsWith('m') ? 1e6 : unit.startsWith('g') ? 1e9 : 1;
  return Math.round(Number(m[1]) * mult);
}

function cli(argv: readonly string[]): void {
  let size = '1MB';
  let seed = 1;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size') size = argv[++i];
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '-o') out = argv[++i];
    else throw new Error(`usage: gen-host-tree [--size 4MB] [--seed N] [-o out.dts] (unknown "${a}")`);
  }
  const t = generateHostTree({ targetBytes: parseSize(size), seed });
  if (out) writeFileSync(out, t.text);
  else process.stdout.write(t.text);
  process.stderr.write(
    `${t.text.length} bytes, ${t.vms} VMs, ~${t.nodes} nodes, ${t.labels} labels, ${t.refs} references\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) cli(process.argv.slice(2));
