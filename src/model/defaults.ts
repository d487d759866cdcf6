// LVM2's defaults (lib/config/defaults.h) that tsvm follows.

/** pe_start: data starts at 1 MiB (devices/default_data_alignment). */
export const DEFAULT_PE_START = 2048;
/** Extent size: 4 MiB, in sectors. */
export const DEFAULT_EXTENT_SIZE = 8192;
/** Mirror region size: 2 MiB (activation/raid_region_size = 2048 KiB), in sectors. */
export const DEFAULT_REGION_SIZE = 4096;
export const DEFAULT_MIRROR_MAX_IMAGES = 8;
/** Stripe size: 64 KiB, in sectors. */
export const DEFAULT_STRIPE_SIZE = 128;
/** Metadata area: one copy from 4 KiB to pe_start. */
export const MDA_SIZE_BYTES = 1044480;

/**
 * tsvm's own: a write this large is taken for part of a stream (dd bs=1M, nbdcopy's 256 KiB
 * requests, a resync), so what is recorded ahead of writes (the PV written map, a mirror's dirty
 * regions) is recorded for the next stretch too, one synchronous update per stretch.
 */
export const STREAM_WRITE_BYTES = 64 * 1024;

/** MAX_EXTENT_SIZE: extent sizes are 32-bit counts of sectors. */
export const MAX_EXTENT_SIZE = 0xffffffff;

/** DEFAULT_RAID1_MAX_IMAGES (lib/config/defaults.h). */
export const DEFAULT_RAID1_MAX_IMAGES = 64;
