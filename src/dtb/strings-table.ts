import { ByteBuilder, utf8Encode } from '../util/bytes.js';

/**
 * The DTB strings block as dtc builds it: names in order of first use, and a
 * name that already occurs anywhere in the table as the tail of an earlier
 * name (up to its NUL) reuses the lowest such offset (`reg` after `a-reg`,
 * `phandle` after `linux,phandle`). dtc finds that offset by scanning the
 * table; here every tail of every appended name is registered in a map the
 * moment it is appended, and only when it is not there yet, so the map holds
 * exactly the lowest offset and each lookup is constant time.
 */
export class StringsTable {
  private readonly builder = new ByteBuilder(1024);
  /** Tail text (bytes as latin-1 code units) -> lowest offset where it starts. */
  private readonly tails = new Map<string, number>();
  /** Name as given -> its offset (saves re-encoding names used many times). */
  private readonly byName = new Map<string, number>();

  /** The offset of `name` in the table, appending it if no tail matches. */
  offsetOf(name: string): number {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    // C strings stop at the first NUL, as dtc's strlen-based insert does.
    const nul = name.indexOf('\0');
    const cname = nul < 0 ? name : name.slice(0, nul);
    const bytes = utf8Encode(cname);
    const key = bytes.length === cname.length ? cname : latin1(bytes);
    let off = this.tails.get(key);
    if (off === undefined) {
      off = this.builder.length;
      this.builder.bytes(bytes).u8(0);
      // Register every tail, including the empty one at the NUL: an empty name
      // matches the first NUL in the table, as dtc's scan does.
      for (let k = 0; k <= key.length; k++) {
        const tail = k === 0 ? key : key.slice(k);
        if (!this.tails.has(tail)) this.tails.set(tail, off + k);
      }
    }
    this.byName.set(name, off);
    return off;
  }

  get length(): number {
    return this.builder.length;
  }

  toBytes(): Uint8Array {
    return this.builder.toBytes();
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
