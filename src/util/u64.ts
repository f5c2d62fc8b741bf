/** Exact 64-bit unsigned arithmetic on bigint; the overflow policy is in each name. */
export const U64_MAX = (1n << 64n) - 1n;

export function wrapU64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/** True when `v` fits in `bits` bits, or is a sign-extended negative of that width (dtc's rule). */
export function fitsBitsOrSignExtended(v: bigint, bits: number): boolean {
  if (bits >= 64) return true;
  const high = v >> BigInt(bits);
  const allOnes = (1n << BigInt(64 - bits)) - 1n;
  return high === 0n || high === allOnes;
}

/** `a + b` if it fits in 64 bits, else undefined (a range end past 2^64 is a wrap). */
export function addU64Checked(a: bigint, b: bigint): bigint | undefined {
  const s = a + b;
  return s > U64_MAX ? undefined : s;
}

export function hex(v: bigint | number, minDigits = 1): string {
  return '0x' + v.toString(16).padStart(minDigits, '0');
}
