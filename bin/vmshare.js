#!/usr/bin/env node
// The installed command: runs the bundled CLI (npm run build writes dist/: tsc, then
// scripts/bundle.mjs). The bundle is the same code as dist/src/cli, in fewer modules.
import { main } from '../dist/cli/main.js';
process.exitCode = await main(process.argv.slice(2));
