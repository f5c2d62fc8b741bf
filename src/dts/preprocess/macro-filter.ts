/**
 * A cheap pre-check before the macro Map lookup on the hot path: most
 * identifiers in a device tree (`compatible`, `reg`, `status`) cannot name a
 * macro, and rejecting them by (first character, length) avoids allocating a
 * substring for each. Bits only get set (an #undef leaves a harmless false
 * positive behind).
 */

/** Per ASCII code: 1 = may start an identifier, 2 = digit (identifier char, not a start), 0 = neither. */
export const IDSTART_FILTER_BITS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) IDSTART_FILTER_BITS[c] = 1;
  else if (/[0-9]/.test(ch)) IDSTART_FILTER_BITS[c] = 2;
}

const MAX_LEN_BUCKET = 63;

export class MacroFilter {
  private readonly bits = new Uint8Array(128 * (MAX_LEN_BUCKET + 1));

  add(name: string): void {
    const c = name.charCodeAt(0);
    if (c < 128) this.bits[(c << 6) | Math.min(name.length, MAX_LEN_BUCKET)] = 1;
  }

  mayHave(firstChar: number, length: number): boolean {
    return this.bits[(firstChar << 6) | Math.min(length, MAX_LEN_BUCKET)] === 1;
  }
}
