// Which objects a report's rows are (LVM2 tools/reporter.c _get_final_report_type): the command
// gives the report its type (lvs: lv, lvs --segments: seg, pvs: pv, pvs --segments: pvseg, vgs: vg),
// fields of other types widen the rows where the type allows it, and LV with PV fields are refused
// except in the PV reports.
import { CommandFailed } from '../cli/errors.js';
import type { FieldDef } from './fields.js';

export type RowType = 'lv' | 'seg' | 'pv' | 'pvseg' | 'vg';

type Bit = 'LVS' | 'SEGS' | 'PVS' | 'LABEL' | 'PVSEGS' | 'VGS';

function bitOf(f: FieldDef): Bit {
  switch (f.section) {
    case 'LVS': case 'LVSINFO': case 'LVSSTATUS': case 'LVSINFOSTATUS': return 'LVS';
    default: return f.section;
  }
}

const BASE_BIT: Record<RowType, Bit> = { lv: 'LVS', seg: 'SEGS', pv: 'LABEL', pvseg: 'PVSEGS', vg: 'VGS' };

/** The rows of a report of type `base` using `fields` (displayed, sorted and selected). */
export function finalRowType(base: RowType, fields: FieldDef[]): RowType {
  const bits = new Set<Bit>([BASE_BIT[base], ...fields.map(bitOf)]);
  if (bits.has('SEGS')) bits.add('LVS');
  if (bits.has('PVSEGS')) bits.add('PVS');
  const lvBits = bits.has('LVS');
  const pvBits = bits.has('PVS') || bits.has('LABEL');
  const argsArePvs = base === 'pv' || base === 'pvseg';
  if (lvBits && pvBits && !argsArePvs) {
    throw new CommandFailed(`Can't report LV and PV fields at the same time in report type "${base}".`);
  }
  if (bits.has('PVSEGS') || (pvBits && lvBits)) return 'pvseg';
  if (bits.has('PVS') || (bits.has('LABEL') && bits.has('VGS'))) return 'pv';
  if (bits.has('SEGS')) return 'seg';
  if (lvBits) return 'lv';
  return bits.has('LABEL') ? 'pv' : 'vg';
}
