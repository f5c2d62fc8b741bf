// A small random DTS generator aimed at the checks: bus-like names, unit
// addresses in good and bad forms, cell-size properties, references between
// labelled nodes. Deterministic for a given seed.

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const NAMES = [
  'i2c',
  'i2c-bus',
  'n_x',
  'n?',
  'name',
  'phandle',
  'spi',
  'pci',
  'pcie',
  'bus',
  'soc',
  'port',
  'ports',
  'endpoint',
  'chosen',
  'aliases',
  'serial',
  'gpio',
  'intc',
  'clk',
  'dev',
  'n',
];
const UNITS = ['', '', '', '1', '0', '10', '0x10', '010', '1,2', 'a', '50', '80000050'];

/**
 * `tame` avoids the inputs that make dtc stop at the first error (unknown
 * references, duplicate labels and names, bad characters, bad phandles), so
 * that the later warning-level checks get exercised.
 */
export function randomDts(seed: number, plugin = false, tame = false): string {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const chance = (p: number) => r() < p;
  const labels: string[] = [];
  let nextLabel = 0;
  const cells = (n: number) =>
    `<${Array.from({ length: n }, () => (chance(0.2) ? `0x${Math.floor(r() * 0xffffffff).toString(16)}` : String(Math.floor(r() * 4)))).join(' ')}>`;
  const ref = () =>
    labels.length && (tame || chance(0.95)) ? `&${pick(labels)}` : tame ? '&{/}' : '&missing';

  function props(indent: string): string[] {
    const out: string[] = [];
    const used = new Set<number>();
    const n = Math.floor(r() * 5);
    for (let i = 0; i < n; i++) {
      let k = Math.floor(r() * 34);
      if (tame && [22, 27, 30, 31, 32].includes(k)) k = 0;
      // Tame trees: no property twice in one body.
      if (tame && used.has(k)) continue;
      used.add(k);
      switch (k) {
        case 0:
          out.push(`reg = ${cells(Math.floor(r() * 5))};`);
          break;
        case 1:
          out.push(chance(0.5) ? 'ranges;' : `ranges = ${cells(Math.floor(r() * 7))};`);
          break;
        case 2:
          out.push(`#address-cells = ${chance(0.9) ? `<${Math.floor(r() * 4)}>` : '<1 1>'};`);
          break;
        case 3:
          out.push(`#size-cells = <${Math.floor(r() * 3)}>;`);
          break;
        case 4:
          out.push(`compatible = ${chance(0.5) ? '"simple-bus"' : '"v,x", "simple-bus"'};`);
          break;
        case 5:
          out.push('device_type = "pci";');
          break;
        case 6:
          out.push(`status = ${chance(0.5) ? '"disabled"' : '"okay"'};`);
          break;
        case 7:
          out.push(`interrupts = ${cells(Math.floor(r() * 4))};`);
          break;
        case 8:
          out.push(`interrupt-parent = <${ref()}>;`);
          break;
        case 9:
          out.push('interrupt-controller;');
          break;
        case 10:
          out.push(`#interrupt-cells = <${Math.floor(r() * 4)}>;`);
          break;
        case 11:
          out.push(`clocks = <${ref()} ${Math.floor(r() * 3)}>;`);
          break;
        case 12:
          out.push(`#clock-cells = <${Math.floor(r() * 3)}>;`);
          break;
        case 13:
          out.push(`${pick(['gpios', 'reset-gpios', 'cs-gpio', 'x,nr-gpios'])} = <${ref()} 1 2>;`);
          break;
        case 14:
          out.push(`#gpio-cells = <${Math.floor(r() * 3)}>;`);
          break;
        case 15:
          out.push(`remote-endpoint = <${ref()}>;`);
          break;
        case 16:
          out.push('spi-max-frequency = <1>;');
          break;
        case 17:
          out.push(`bus-range = ${cells(Math.floor(r() * 3))};`);
          break;
        case 18:
          out.push(
            `${pick(['model', 'label', 'bootargs', 'stdout-path', 'linux,stdout-path'])} = ${chance(0.6) ? '"s"' : '<1>'};`,
          );
          break;
        case 19:
          out.push(`clock-names = ${chance(0.6) ? '"a", "b"' : '[61]'};`);
          break;
        case 20:
          out.push(`serial${Math.floor(r() * 3)} = ${chance(0.5) ? `${ref()}` : '"/soc"'};`);
          break;
        case 21:
          out.push(`dma-ranges = ${cells(Math.floor(r() * 4))};`);
          break;
        case 22:
          out.push(`phandle = <${chance(0.5) ? Math.floor(r() * 3) + 1 : ref()}>;`);
          break;
        case 23:
          out.push(`interrupts-extended = <${ref()} 1>;`);
          break;
        case 24:
          out.push('spi-slave;');
          break;
        case 25:
          out.push(`power-domains = <${ref()}>;`);
          break;
        case 26:
          out.push(`path = ${ref()};`);
          break;
        case 27:
          out.push(`name = "${pick(NAMES)}";`);
          break;
        case 28:
          out.push(`p${Math.floor(r() * 3)} = <1>;`);
          break;
        case 29:
          out.push(`pl${nextLabel}: vl = <1 vl${nextLabel++}: 2>, "x";`);
          break;
        case 30:
          out.push(`dup${Math.floor(r() * 2)}: d = "x";`);
          break;
        case 31:
          out.push(`${pick(['foo_bar', 'a#b', '#c', 'v,#d', 'e@f', 'device_type'])} = <1>;`);
          break;
        case 32:
          out.push(`linux,phandle = <${Math.floor(r() * 3) + 1}>;`);
          break;
        case 33:
          out.push(`/delete-property/ p${Math.floor(r() * 3)};`);
          break;
      }
    }
    return out.map((p) => indent + p);
  }

  let serial = 0;
  function node(depth: number, indent: string): string {
    let name = pick(NAMES);
    if (tame && name === 'n?') name = 'n';
    // Tame trees: a suffix keeps sibling names apart.
    if (tame && chance(0.7)) name = `${name}${serial++}`;
    const unit = pick(UNITS);
    let label = '';
    if (chance(0.5)) {
      label = `l${nextLabel++}`;
      labels.push(label);
    }
    const omit = chance(0.1) ? '/omit-if-no-ref/ ' : '';
    const lines = [
      `${indent}${omit}${label ? label + ': ' : ''}${name}${unit ? '@' + unit : ''} {`,
      ...props(indent + '\t'),
    ];
    if (depth < 3) {
      const kids = Math.floor(r() * (depth === 0 ? 5 : 3));
      for (let i = 0; i < kids; i++) lines.push(node(depth + 1, indent + '\t'));
    }
    lines.push(`${indent}};`);
    return lines.join('\n');
  }

  // Labels are declared as nodes are generated; a reference may point
  // forward or backward, like real trees.
  const body: string[] = [];
  const kids = 2 + Math.floor(r() * 5);
  for (let i = 0; i < kids; i++) body.push(node(1, '\t'));
  const rootProps = props('\t');
  // Later blocks extend labelled nodes (more definition sites), delete or omit them.
  const post: string[] = [];
  const extra = Math.floor(r() * 4);
  for (let i = 0; i < extra && labels.length; i++) {
    const l = pick(labels);
    const k = r();
    const child = tame ? 'extra' : pick(NAMES);
    if (k < 0.6) post.push(`&${l} {\n${props('\t').join('\n')}\n\t${child} { };\n};`);
    else if (k < 0.8) post.push(`/omit-if-no-ref/ &${l};`);
    else post.push(`/ { ${child} { }; };`);
  }
  return `/dts-v1/;\n${plugin ? '/plugin/;\n' : ''}/ {\n${chance(0.8) ? '\t#address-cells = <1>;\n\t#size-cells = <1>;\n' : ''}${rootProps.join('\n')}${rootProps.length ? '\n' : ''}${body.join('\n')}\n};\n${post.join('\n')}\n`;
}
