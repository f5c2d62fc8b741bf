/** Our own broken invariant: the only channel that throws (bad input never does). */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function assert(cond: unknown, what = 'assertion failed'): asserts cond {
  if (!cond) throw new InvariantError(what);
}

/** For exhaustive switches over discriminated unions. */
export function unreachable(x: never, what = 'unreachable'): never {
  throw new InvariantError(`${what}: ${JSON.stringify(x)}`);
}
