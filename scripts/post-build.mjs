// After tsc: make the entry point executable (it is the package's `tsvm` bin).
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/src/main.js', import.meta.url), 0o755);
