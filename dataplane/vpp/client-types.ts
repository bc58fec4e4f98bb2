/**
 * The VPP client's public vocabulary: options, lifecycle events and states,
 * and the request-field type the client completes with its header fields.
 * Split from `client.ts` so the handshake and the request table can share it
 * without importing the client.
 */
import type { VppErrorCode } from "./errors.js";
import type { FieldList, MessageDef, ValueOf } from "./schema.js";
import type { TimerApi } from "./timers.js";

/** Client settings. */
export interface VppClientOptions {
  readonly socketPath: string;
  /** Shown by `show api clients`. */
  readonly clientName?: string;
  /** Messages that must be in VPP's table (default: `REQUIRED_FOR_LB`). */
  readonly required?: readonly MessageDef<FieldList>[];
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** 0 disables the liveness ping. */
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly timers?: TimerApi;
}

/** `VppClientOptions` with every default applied. */
export type ResolvedClientOptions = Required<Omit<VppClientOptions, "timers" | "required">> & {
  readonly timers: TimerApi;
  readonly required: readonly MessageDef<FieldList>[];
};

/** Connection lifecycle and diagnostics, for the shell to log and count. */
export type VppClientEvent =
  | {
      readonly kind: "connected";
      readonly clientIndex: number;
      readonly messages: number;
      readonly vpePid: number;
    }
  | { readonly kind: "disconnected"; readonly code: VppErrorCode; readonly detail: string }
  | {
      readonly kind: "connect-failed";
      readonly code: VppErrorCode;
      readonly detail: string;
      readonly retryInMs: number;
    }
  | { readonly kind: "protocol-error"; readonly code: string; readonly detail: string }
  | { readonly kind: "keepalive" };

/** Where the client is. */
export type VppClientState = "idle" | "connecting" | "connected" | "waiting" | "stopped";

/** Request fields without the header fields the client fills in. */
export type RequestFields<F extends FieldList> = Omit<ValueOf<F>, "client_index" | "context">;
