// The SQLite schema and its migrations. One row per PV, VG, LV, segment and segment area: extents
// are stored as ranges, never one row per extent, so a 16 TiB VG costs what a small one does.
// vg_history keeps every previous version of a VG (LVM2's /etc/lvm/archive).

export const SCHEMA_VERSION = 7;

export const MIGRATIONS: string[] = [
  // version 1
  `
  CREATE TABLE vg (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    extent_size INTEGER NOT NULL,
    seqno INTEGER NOT NULL,
    alloc TEXT NOT NULL,
    max_lv INTEGER NOT NULL,
    max_pv INTEGER NOT NULL,
    resizeable INTEGER NOT NULL,
    exported INTEGER NOT NULL,
    tags TEXT NOT NULL,
    system_id TEXT NOT NULL,
    creation_time INTEGER NOT NULL,
    creation_host TEXT NOT NULL
  );
  CREATE TABLE pv (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    dev_size INTEGER NOT NULL,
    pe_start INTEGER NOT NULL,
    pe_count INTEGER NOT NULL,
    allocatable INTEGER NOT NULL,
    missing INTEGER NOT NULL,
    tags TEXT NOT NULL,
    vg_uuid TEXT REFERENCES vg(uuid),
    vg_index INTEGER
  );
  CREATE INDEX pv_vg ON pv(vg_uuid, vg_index);
  CREATE INDEX pv_name ON pv(name);
  CREATE TABLE lv (
    uuid TEXT PRIMARY KEY,
    vg_uuid TEXT NOT NULL REFERENCES vg(uuid),
    vg_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    visible INTEGER NOT NULL,
    writable INTEGER NOT NULL,
    alloc TEXT NOT NULL,
    active INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    creation_host TEXT NOT NULL,
    tags TEXT NOT NULL,
    read_ahead TEXT NOT NULL,
    flags TEXT NOT NULL,
    UNIQUE (vg_uuid, name)
  );
  CREATE INDEX lv_vg ON lv(vg_uuid, vg_index);
  CREATE TABLE seg (
    lv_uuid TEXT NOT NULL REFERENCES lv(uuid),
    seg_index INTEGER NOT NULL,
    start_le INTEGER NOT NULL,
    extent_count INTEGER NOT NULL,
    type TEXT NOT NULL,
    stripe_size INTEGER NOT NULL,
    region_size INTEGER NOT NULL,
    mirror_log TEXT,
    PRIMARY KEY (lv_uuid, seg_index)
  );
  CREATE TABLE area (
    lv_uuid TEXT NOT NULL,
    seg_index INTEGER NOT NULL,
    area_index INTEGER NOT NULL,
    pv_uuid TEXT,
    lv_name TEXT,
    start INTEGER NOT NULL,
    PRIMARY KEY (lv_uuid, seg_index, area_index)
  );
  CREATE TABLE vg_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vg_uuid TEXT NOT NULL,
    vg_name TEXT NOT NULL,
    seqno INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    description TEXT NOT NULL,
    metadata TEXT NOT NULL
  );
  CREATE INDEX vg_history_vg ON vg_history(vg_uuid, seqno);
  `,
  // version 2: LVM2's on-disk metadata (src/format-text): each PV's metadata areas, the VG's
  // metadata_copies and the size of the text written to the areas at the current seqno
  `
  ALTER TABLE pv ADD COLUMN mda_count INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE pv ADD COLUMN mda_size INTEGER;
  ALTER TABLE vg ADD COLUMN mda_copies INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE vg ADD COLUMN mda_text_size INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE vg ADD COLUMN mda_text_crc INTEGER;
  `,
  // version 3: pvmove segments (LVM2 `extents_moved`, NULL on every other segment)
  `ALTER TABLE seg ADD COLUMN extents_moved INTEGER;`,
  // version 4: raid1 segments: JSON {metaAreas, writebehind, minRecoveryRate, maxRecoveryRate}, NULL on others
  `ALTER TABLE seg ADD COLUMN raid TEXT;`,
  // version 5: metadata areas marked ignored (RAW_LOCN_IGNORED), one bit per area of the PV
  `ALTER TABLE pv ADD COLUMN mda_ignored INTEGER NOT NULL DEFAULT 0;`,
  // version 6: the size of a PV's second metadata area (--metadatasize, --dataalignment place it),
  // NULL for a PV with one area or one stored before (then derived as LVM2's default)
  `ALTER TABLE pv ADD COLUMN mda1_size INTEGER;`,
  // version 7: an LV's UUID as LVM2 shows and writes it when it is not the row's key (lv.uuid,
  // unique across VGs): a VG copied by vgimportclone keeps its LVs' UUIDs (model/lv-id.ts)
  `ALTER TABLE lv ADD COLUMN shown_uuid TEXT;`,
];
