// Regenerates commands/help/<cmd>.txt (the text `tsvm <cmd> --help` prints) from the --help
// outputs of the real LVM2 recorded in the golden transcripts (90-help.txt, and a command's own
// scenario such as 13-vgsplit-vgmerge.txt or 20-pvmove.txt). Run after re-recording.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const gold = new URL('fixtures/golden/', root);
const txt = readdirSync(gold).filter((f) => f.endsWith('.txt')).sort().map((f) => readFileSync(new URL(f, gold), 'utf8')).join('\n');
for (const block of txt.split(/^\$ /m).slice(1)) {
  const lines = block.split('\n');
  const [name, flag] = lines[0].split(' ');
  if (flag !== '--help' && flag !== '--longhelp') continue;
  const out = [];
  for (const l of lines.slice(1)) {
    if (l.startsWith('[exit')) break;
    if (l.startsWith('1| ')) out.push(l.slice(3));
    else if (l === '1|') out.push('');
  }
  const suffix = flag === '--longhelp' ? '.long' : '';
  writeFileSync(new URL(`commands/help/${name}${suffix}.txt`, root), out.join('\n') + '\n');
}
