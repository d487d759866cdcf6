// LVM2 reads tsvm's images: fixtures/ondisk/*.scn are made by tsvm (the lines before `# check`),
// and their transcripts (*.txt, scripts/record-ondisk.sh) are what the real LVM2 2.03.16 answered
// to the check lines when it read those very images through loop devices. Here tsvm replays the
// setup on fresh images named like the loop devices and must answer the check lines as LVM2 did
// (same normalisations as the golden transcripts). No lvm2 is needed to run it.
//   ONDISK_ONLY=02 npx vitest run test/ondisk-interop.test.ts
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { hostname, machine, release, tmpdir, type, version } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedResult, makeDisks, parseOracleOptions, parseTranscript, runStep, type StepResult,
} from './helpers/golden.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'fixtures', 'ondisk');
const bin = path.join(root, 'dist', 'tsvm');
const only = process.env.ONDISK_ONLY;
const names = readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort()
  .filter((n) => !only || n.startsWith(only));

/** The scenario's setup lines (tsvm only) and check lines (both). */
function splitScenario(text: string): { setup: string[]; check: string[] } {
  const setup: string[] = [];
  const check: string[] = [];
  let inCheck = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '# check') inCheck = true;
    else if (line.trim() && !line.startsWith('#')) (inCheck ? check : setup).push(line);
  }
  return { setup, check };
}

describe('on-disk interop fixtures', () => {
  it('has scenarios', () => expect(names.length).toBeGreaterThan(0));
});

for (const name of names) {
  const scnText = readFileSync(path.join(dir, `${name}.scn`), 'utf8');
  const t = parseTranscript(readFileSync(path.join(dir, `${name}.txt`), 'utf8'));
  const disks = parseOracleOptions(scnText);
  const { setup, check } = splitScenario(scnText);
  // pv_mda_free depends on the text's size, which carries the host name and uname (creation_host
  // and its comment): compared only on the machine the transcript was recorded on.
  const hostFile = path.join(dir, `${name}.host`);
  const sameHost = existsSync(hostFile)
    && readFileSync(hostFile, 'utf8').trim() === `${type()} ${hostname()} ${release()} ${version()} ${machine()}`;

  describe(name, () => {
    let work = '';
    let results: StepResult[] = [];
    let setupError: Error | undefined;

    beforeAll(async () => {
      if (!existsSync(bin)) {
        setupError = new Error('dist/tsvm not found: run `npm run build` first');
        return;
      }
      work = await mkdtemp(path.join(tmpdir(), 'tsvm-ondisk-'));
      const devDir = path.join(work, 'dev');
      const sysDir = path.join(work, 'sys');
      await mkdir(devDir);
      await mkdir(sysDir);
      await makeDisks(devDir, t.devices, disks.size);
      // `sh -c "... lvm ..."` check lines: the oracle ran them with the real lvm, here tsvm's link
      const binDir = path.join(work, 'bin');
      await mkdir(binDir);
      await symlink(bin, path.join(binDir, 'lvm'));
      const env = { ...process.env, TSVM_DEV_DIR: devDir, TSVM_SYSTEM_DIR: sysDir, PATH: `${binDir}:${process.env.PATH ?? ''}` };
      const o = { bin, disks, plainLvcreate: true };
      for (const line of setup) {
        const r = await runStep(line, t, env, o);
        if (r.exit !== 0) {
          setupError = new Error(`setup step failed: ${line}: ${r.stderr.join('\n')}`);
          return;
        }
      }
      for (const line of check) results.push(await runStep(line, t, env, o));
    }, 10 * 60_000);

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('transcript answers the scenario\'s check lines', () => {
      expect(t.steps.map((s) => s.line)).toEqual(check);
    });

    t.steps.forEach((step, i) => {
      const hostBound = /mda_free/.test(step.line) && !sameHost;
      (hostBound ? it.skip : it)(`${String(i + 1).padStart(2, '0')} $ ${step.line}${hostBound ? ' [recorded on another host]' : ''}`, () => {
        if (setupError) throw setupError;
        expect(results[i]).toEqual(expectedResult(step));
      });
    });
  });
}
