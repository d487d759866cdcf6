// The text of tsvm's report field raid_mismatch_regions (issue 11): each region the last check or
// repair found mismatched, with the raid images wrong there: `region:image[+image]`, comma
// separated, a trailing `!` when some block of the region was right on no image (left as it was).
// LVM2 reports only the count (raid_mismatch_count); dm-raid cannot tell which copy is wrong.

export function mismatchRegions(bad: ReadonlyArray<{ region: number; legs: string[]; lost?: number }>): string {
  return bad.map((b) => `${b.region}:${b.legs.join('+')}${b.lost ? '!' : ''}`).join(',');
}
