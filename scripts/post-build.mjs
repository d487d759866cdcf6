// After tsc: make the entry point executable (it is the package's `tsvm` bin).
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/src/main.js', import.meta.url), 0o755);
// Help texts are data, read only by --help: copy them beside the compiled commands.
import { cpSync } from 'node:fs';
cpSync(new URL('../commands/help', import.meta.url), new URL('../dist/commands/help', import.meta.url), { recursive: true });
