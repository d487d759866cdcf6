#!/usr/bin/env node
// tsvm entry point (plain build): see start.ts. The fast path users run is the start-up snapshot
// of the same code (src/snapshot.ts, dist/tsvm); tests and children spawned by tsvm use this file.
import { start } from './start.js';

start();
