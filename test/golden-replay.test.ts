// Replays every golden transcript of real LVM2 2.03.16 (fixtures/golden/*.txt) against the built
// tsvm binary and compares stdout, stderr and exit code of each command exactly, after the
// normalisations described in fixtures/golden/README.md.
//   GOLDEN_ONLY=08-mirror npx vitest run test/golden-replay.test.ts   # one scenario (name or prefix)
//   GOLDEN_KEEP=1 ...                                                 # keep the temporary directories
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedResult,
  parseOracleOptions,
  parseTranscript,
  replayTranscript,
  type GoldenTranscript,
  type OracleOptions,
  type StepResult,
} from './helpers/golden.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const goldenDir = path.join(root, 'fixtures', 'golden');
const bin = path.join(root, 'dist', 'tsvm');
const only = process.env.GOLDEN_ONLY?.replace(/\.(txt|scn)$/, '');
const keep = !!process.env.GOLDEN_KEEP;

// One scenario may run ~180 commands of one node start-up each.
const SCENARIO_TIMEOUT = 30 * 60_000;

const all = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.slice(0, -'.txt'.length))
  .sort();
const picked = only ? all.filter((n) => n === only || n.startsWith(only)) : all;

// Steps where tsvm deliberately answers as LVM2 *with* device-mapper (or as tsvm documents), which
// the metadata-only oracle cannot: fixtures/golden/divergences.list, "<scenario> <step> <reason>".
// Each is a test that passes only while tsvm still differs there, so the list cannot go stale.
const divergences = new Map<string, string>();
const divFile = path.join(goldenDir, 'divergences.list');
if (existsSync(divFile)) {
  for (const line of readFileSync(divFile, 'utf8').split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+(.+)$/.exec(line.trim());
    if (m && !line.startsWith('#')) divergences.set(`${m[1]} ${Number(m[2])}`, m[3]!);
  }
}

describe('golden transcripts', () => {
  it('has scenarios to replay', () => {
    expect(all.length, `no transcripts in ${goldenDir}`).toBeGreaterThan(0);
    if (only) expect(picked, `GOLDEN_ONLY=${only} matches no transcript (have: ${all.join(', ')})`).not.toEqual([]);
  });
});

for (const name of picked) {
  // Parse eagerly so a malformed transcript or a missing scenario fails as a test, not silently.
  let transcript: GoldenTranscript | undefined;
  let disks: OracleOptions | undefined;
  let loadError: Error | undefined;
  try {
    transcript = parseTranscript(readFileSync(path.join(goldenDir, `${name}.txt`), 'utf8'));
    const scn = path.join(goldenDir, `${name}.scn`);
    if (!existsSync(scn)) throw new Error(`${name}.txt has no ${name}.scn (needed for the disk size)`);
    disks = parseOracleOptions(readFileSync(scn, 'utf8'));
  } catch (e) {
    loadError = e as Error;
  }

  describe(name, () => {
    if (loadError || !transcript || !disks) {
      it('loads', () => {
        throw loadError ?? new Error('not loaded');
      });
      return;
    }
    const t = transcript;
    const d = disks;
    let results: StepResult[] = [];
    let replayError: Error | undefined;
    let dir = '';

    beforeAll(async () => {
      if (!existsSync(bin)) {
        replayError = new Error(`${path.relative(root, bin)} not found: run \`npm run build\` first`);
        return;
      }
      try {
        const r = await replayTranscript(t, { bin, disks: d, keep });
        results = r.results;
        dir = r.dir;
      } catch (e) {
        replayError = e as Error;
      }
    }, SCENARIO_TIMEOUT);

    afterAll(() => {
      if (keep && dir) console.log(`golden ${name}: kept ${dir}`);
    });

    t.steps.forEach((step, i) => {
      const title = `${String(i + 1).padStart(3, '0')} $ ${step.line}`;
      const why = divergences.get(`${name} ${i + 1}`);
      if (why) {
        it(`${title} [known difference: ${why}]`, () => {
          if (replayError) throw replayError;
          expect(results[i], `no result for step ${i + 1}`).toBeDefined();
          expect(results[i], 'now matches metadata-only LVM2: remove it from divergences.list').not.toEqual(expectedResult(step));
        });
        return;
      }
      it(title, () => {
        if (replayError) throw replayError;
        expect(results[i], `no result for step ${i + 1}`).toBeDefined();
        expect(results[i]).toEqual(expectedResult(step));
      });
    });
  });
}
