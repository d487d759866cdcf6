// Plugs replication into LV I/O (src/lv-io/replica-hook.ts): a user's writable open of a member of
// a replication group gets a ReplicatedDevice; a tsvm NBD server finds split region maps here.
import { registerReplicaWrapper, registerSplitMapReader } from '../lv-io/replica-hook.js';
import { wrapReplicated } from './replicated-device.js';
import { readSplitMap } from './split.js';

registerReplicaWrapper(wrapReplicated);
registerSplitMapReader(readSplitMap);
