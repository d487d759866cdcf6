// Plugs replication into LV I/O (src/lv-io/replica-hook.ts): a user's writable open of a member of
// a replication group gets a ReplicatedDevice.
import { registerReplicaWrapper } from '../lv-io/replica-hook.js';
import { wrapReplicated } from './replicated-device.js';

registerReplicaWrapper(wrapReplicated);
