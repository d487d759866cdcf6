// Mirror rows of lvs: brackets, Log/Convert columns, lv_attr characters, roles, devices and PE
// ranges, compared with LVM2 2.03.16 output (research notes G1, fixtures/golden/08-mirror), with
// state/open "XX" of metadata-only LVM2 replaced by what an inactive or active mirror shows.
import { describe, expect, it } from 'vitest';
import type { LogicalVolume, LvSegment, VolumeGroup } from '../src/model/types.js';
import { linear, lv, pv, runReportCmd, vg } from './report-helpers.js';

const MiB = 1024 * 1024;

function g1(active = false, flags: LogicalVolume['flags'] = []): VolumeGroup {
  const a = pv('/dev/loop7', 24, 100 * MiB);
  const b = pv('/dev/loop8', 24, 100 * MiB);
  const mirror: LvSegment = {
    startLe: 0, extentCount: 10, type: 'mirror', stripeSize: 0, regionSize: 4096, mirrorLog: 'lv_mlog',
    areas: [{ kind: 'lv', lvName: 'lv_mimage_0', le: 0 }, { kind: 'lv', lvName: 'lv_mimage_1', le: 0 }],
  };
  return vg('r_q7g1', 8192, [a, b], [
    lv('lv', [mirror], { active, flags }),
    lv('lv_mimage_0', [linear(0, 10, a.uuid, 0)], { visible: false }),
    lv('lv_mimage_1', [linear(0, 10, b.uuid, 0)], { visible: false }),
    lv('lv_mlog', [linear(0, 1, b.uuid, 10)], { visible: false }),
  ]);
}

describe('lvs on a mirror', () => {
  it('lvs -a -o +devices (inactive)', async () => {
    const r = await runReportCmd(['lvs', '-a', '-o', '+devices', 'r_q7g1'], [g1()]);
    expect(r.out).toEqual([
      '  LV            VG     Attr       LSize  Pool Origin Data%  Meta%  Move Log       Cpy%Sync Convert Devices                      ',
      '  lv            r_q7g1 mwi---m--- 40.00m                                [lv_mlog]                  lv_mimage_0(0),lv_mimage_1(0)',
      '  [lv_mimage_0] r_q7g1 Iwi---m--- 40.00m                                                           /dev/loop7(0)                ',
      '  [lv_mimage_1] r_q7g1 Iwi---m--- 40.00m                                                           /dev/loop8(0)                ',
      '  [lv_mlog]     r_q7g1 lwi---m---  4.00m                                                           /dev/loop8(10)               ',
    ]);
  });

  it('segment fields and roles', async () => {
    const r = await runReportCmd(['lvs', '-a', '-o', 'name,attr,size,segtype,stripes,region_size,seg_pe_ranges,lv_role', 'r_q7g1'], [g1()]);
    expect(r.out).toEqual([
      '  LV            Attr       LSize  Type   #Str Region PE Ranges                       Role                ',
      '  lv            mwi---m--- 40.00m mirror    2  2.00m lv_mimage_0:0-9 lv_mimage_1:0-9 public              ',
      '  [lv_mimage_0] Iwi---m--- 40.00m linear    1     0  /dev/loop7:0-9                  private,mirror,image',
      '  [lv_mimage_1] Iwi---m--- 40.00m linear    1     0  /dev/loop8:0-9                  private,mirror,image',
      '  [lv_mlog]     lwi---m---  4.00m linear    1     0  /dev/loop8:10-10                private,mirror,log  ',
    ]);
  });

  it('active --nosync mirror: M, in-sync images open, 100.00', async () => {
    const r = await runReportCmd(['lvs', '-a', '-o', 'name,attr,copy_percent', 'r_q7g1'], [g1(true, ['NOTSYNCED'])]);
    expect(r.out).toEqual([
      '  LV            Attr       Cpy%Sync',
      '  lv            Mwi-a-m---   100.00',
      '  [lv_mimage_0] iwi-aom---         ',
      '  [lv_mimage_1] iwi-aom---         ',
      '  [lv_mlog]     lwi-aom---         ',
    ]);
  });

  it('without -a hides sub-LVs; mark_hidden_devices=0 drops brackets', async () => {
    expect((await runReportCmd(['lvs', '-o', 'name'], [g1()])).out).toEqual(['  LV  ', '  lv  ']);
    const r = await runReportCmd(['lvs', '-a', '-o', 'name,mirror_log'], [g1()], [], 'report/mark_hidden_devices=0');
    expect(r.out[1]).toBe('  lv          lv_mlog');
  });

  it('partial when a leg PV is missing', async () => {
    const v = g1();
    v.pvs[0]!.missing = true;
    const r = await runReportCmd(['lvs', '-a', '-o', 'name,attr,devices'], [v]);
    expect(r.out[1]).toContain('mwi---m-p-');
    expect(r.out[2]).toContain('Iwi---m-p- [unknown](0)');
    expect((await runReportCmd(['vgs', '-o', 'vg_attr'], [v])).out[1]).toBe('  wz-pn-');
  });

  it('json keeps brackets in lv_name', async () => {
    const r = await runReportCmd(['lvs', '-a', '--reportformat', 'json', '-o', 'lv_name'], [g1()]);
    expect(r.out).toContain('                  {"lv_name":"[lv_mimage_0]"},');
  });
});
