// The shape of one benchmark suite, shared by bench/main.ts and every suite module.

export interface SuiteArgs {
  /** `--quick`: smaller inputs and fewer runs (a smoke run, not a measurement). */
  readonly quick: boolean;
  /** Every command-line flag given to `npm run bench` (suites pick their own, e.g. `--with-dtc-50`). */
  readonly flags: readonly string[];
}

export interface Suite {
  readonly name: string;
  run(args: SuiteArgs): Promise<void>;
}
