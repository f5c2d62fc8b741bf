/**
 * A growable big-endian byte buffer. Every value that ends up in a device
 * tree (cells, strings, byte strings, the DTB blocks) is built with one.
 */
export class ByteBuilder {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(Math.max(8, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.length, v & 0xffff);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  u64(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v));
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Latin-1/UTF-8 agnostic: the string is encoded as UTF-8 (device-tree strings are bytes). */
  utf8(s: string): this {
    return this.bytes(utf8Encode(s));
  }

  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** Pads with zero bytes up to a multiple of `align`. */
  align(align: number): this {
    const rem = this.length % align;
    return rem === 0 ? this : this.zeros(align - rem);
  }

  setU32At(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Reads a big-endian 32-bit cell at `offset`. */
export function readU32(b: Uint8Array, offset: number): number {
  return ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
}

export function readU64(b: Uint8Array, offset: number): bigint {
  return (BigInt(readU32(b, offset)) << 32n) | BigInt(readU32(b, offset + 4));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
