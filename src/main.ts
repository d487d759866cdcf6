#!/usr/bin/env node
// tsvm entry point (plain build): see start.ts. What users run, dist/tsvm, is the start-up snapshot
// of the same code (src/snapshot.ts) when the build could make one; `node dist/src/main.js` and the
// processes tsvm spawns (mirror repair) run this file.
import { start } from './start.js';

start();
