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
