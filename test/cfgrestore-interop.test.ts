// vgcfgbackup files both ways between tsvm and the real LVM2 (fixtures/cfgrestore, recorded by
// scripts/record-cfgrestore.sh): the images as they were before the restore (made by tsvm or by
// LVM2, then changed after the backup) are rebuilt from <name>.json, `tsvm pvscan --cache` loads
// them, and tsvm restores <name>.backup.vg, the very file the real LVM2 restored in the recording;
// its answers to the restore and the check lines must be LVM2's (<name>.txt). A file tsvm wrote
// thus restores in LVM2 as in tsvm, and tsvm restores LVM2's file as LVM2 does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDiskMetadata, type DiskFixture } from './helpers/disk-fixture.js';
import { expectedResult, makeDisks, parseOracleOptions, parseTranscript, runStep, type StepResult } from './helpers/golden.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'fixtures', 'cfgrestore');
const bin = path.join(root, 'dist', 'tsvm');
const names = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();

/**
 * Metadata-only LVM2 (no device-mapper) cannot ask the kernel whether the VG has active LVs, and
 * says so on stderr before restoring; tsvm can tell, and has nothing to say.
 */
const NO_DM = /^ {2}(\/dev\/mapper\/control: open failed|Failure to communicate with kernel device-mapper|Check that device-mapper is available|Incompatible libdevmapper|WARNING: Failed to check for active volumes in volume group)/;

for (const name of names) {
  const fixture = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as { disks: DiskFixture[] };
  const t = parseTranscript(readFileSync(path.join(dir, `${name}.txt`), 'utf8'));
  const disks = parseOracleOptions(readFileSync(path.join(dir, `${name}.scn`), 'utf8'));
  const backup = path.join(dir, `${name}.backup.vg`);

  describe(`${name}: vgcfgrestore of the file LVM2 restored`, () => {
    let work = '';
    const results: StepResult[] = [];
    let scan: StepResult | undefined;
    const o = { bin, disks, plainLvcreate: true };

    beforeAll(async () => {
      if (!existsSync(bin)) throw new Error('dist/tsvm not found: run `npm run build` first');
      work = await mkdtemp(path.join(tmpdir(), 'tsvm-cfgrestore-'));
      const devDir = path.join(work, 'dev');
      await mkdir(devDir);
      await mkdir(path.join(work, 'sys'));
      await makeDisks(devDir, t.devices, disks.size);
      [...t.devices.values()].forEach((dev, i) => writeDiskMetadata(path.join(devDir, dev.slice(5)), fixture.disks[i]!));
      const env = { ...process.env, TSVM_DEV_DIR: devDir, TSVM_SYSTEM_DIR: path.join(work, 'sys') };
      scan = await runStep('pvscan --cache', t, env, o);
      for (const step of t.steps) results.push(await runStep(step.line.replaceAll('$BACKUP', backup), t, env, o));
    }, 5 * 60_000);

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('pvscan --cache reads the images', () => {
      expect(scan?.exit, scan?.stderr.join('\n')).toBe(0);
    });

    t.steps.forEach((step, i) => {
      it(`${String(i + 1).padStart(3, '0')} $ ${step.line}`, () => {
        const want = expectedResult(step);
        expect(results[i]).toEqual({ ...want, stderr: want.stderr.filter((l) => !NO_DM.test(l)) });
      });
    });
  });
}
