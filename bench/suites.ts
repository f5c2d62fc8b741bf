// The benchmark suites `npm run bench` knows, in the order they run by default.
import type { Suite } from './suite.js';
import { dtcSuite } from './dtc.js';
import { platformSuite } from './platform.js';
import { hvSuite } from './hv.js';
import { lifecycleSuite } from './lifecycle.js';

export const suites: readonly Suite[] = [dtcSuite, platformSuite, hvSuite, lifecycleSuite];
