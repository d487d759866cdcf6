// LV address space -> (device, offset): the public surface of src/lv-io.
export { type IoEnv, LvIoError } from './io-env.js';
export { openLv, openLvAsync, openLinearArea, type LvDevice, type OpenLvOptions } from './open-lv.js';
export { registerSegmentIo, type SegmentIo, type SegmentIoFactory } from './segment-io.js';
export {
  extentBytes, pvByteOffset, lvExtentMap, lvByteRuns, segmentSlices, stripePieces,
  type ExtentRun, type ByteRun, type AreaPiece, type SegmentSlice,
} from './extent-map.js';
