/** The embedded store's public surface. */
export { Collection, type StoreOp, type WallClock } from "./collection.js";
export { StoreError, type StoreErrorCode } from "./errors.js";
export type { CollectionSpec, CollectionState, Migration, StoredRecord } from "./format.js";
export { Store, type StoreOptions } from "./store.js";
export { acquireStateLock, type StateLock } from "./state-lock.js";
