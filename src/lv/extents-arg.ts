// Turning -L/-l arguments into extents the way LVM2 does (lib/metadata/metadata.c
// extents_from_size, lib/misc/lvm-percent.c percent_of_extents) and the size wording of its
// messages (display_size, model/units.ts).
import { CommandFailed } from '../cli/errors.js';
import { displaySize } from '../model/units.js';

/** MAX_EXTENT_COUNT: extents are counted in a uint32. */
export const MAX_EXTENT_COUNT = 0xffffffff;


/** extents_from_size(): rounds up to whole extents with LVM2's notice; refuses absurd sizes. */
export function extentsFromSize(say: (line: string) => void, sectors: number, extentSize: number): number {
  let size = sectors;
  if (size % extentSize) {
    size += extentSize - (size % extentSize);
    say(`Rounding up size to full physical extent ${displaySize(size)}`);
  }
  if (size > MAX_EXTENT_COUNT * extentSize) {
    throw new CommandFailed(
      `Volume too large (${displaySize(size)}) for extent size ${displaySize(extentSize)}. ` +
        `Upper limit is less than ${displaySize(MAX_EXTENT_COUNT * extentSize)}.`,
    );
  }
  return size / extentSize;
}

/** percent_of_extents(). */
export function percentOfExtents(percent: number, count: number, roundUp = false): number {
  return Math.floor((percent * count + (roundUp ? 99 : 0)) / 100);
}
