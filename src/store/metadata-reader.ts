// What report commands read: the read cache when it is there (no SQLite opened at all), else the
// store. Same answers either way (read-cache.ts says why they cannot be stale).
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import type { ReadCache } from './read-cache.js';
import type { MetadataStore } from './metadata-store.js';

export interface MetadataReader {
  loadAllVgs(): VolumeGroup[];
  loadVg(name: string): { vg: VolumeGroup } | null;
  orphanPvs(): PhysicalVolume[];
}

export class CachedReader implements MetadataReader {
  constructor(private readonly cache: ReadCache, private readonly store: () => MetadataStore) {}

  loadAllVgs(): VolumeGroup[] {
    const index = this.cache.index();
    if (!index) return this.store().loadAllVgs();
    return Object.keys(index.vgs).sort().map((name) => this.cache.vg(index.vgs[name]!) ?? this.store().loadVg(name)!.vg)
      .filter((vg) => !!vg);
  }

  loadVg(name: string): { vg: VolumeGroup } | null {
    const index = this.cache.index();
    if (!index) return this.store().loadVg(name);
    const uuid = index.vgs[name];
    if (!uuid) return null;
    const vg = this.cache.vg(uuid);
    return vg ? { vg } : this.store().loadVg(name);
  }

  orphanPvs(): PhysicalVolume[] {
    const index = this.cache.index();
    return index ? index.orphans : this.store().orphanPvs();
  }
}
