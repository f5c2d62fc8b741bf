#!/usr/bin/env node
// The installed command: runs the bundled CLI (npm run build writes dist/: tsc, then
// scripts/bundle.mjs). The bundle is the same code as dist/src/cli, in fewer modules.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// Leaving through process.exit skips Node's orderly teardown of a heap that may hold a
// large tree (about 30 ms of a 1 MB `vmshare dtc`); it is only safe once nothing is
// left to write, so with output still queued for a slow reader we let Node drain it.
if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
process.exitCode = code;
