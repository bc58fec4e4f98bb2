/**
 * Reconciling a pull answer with pushes that crossed it (our addition; ddmd's
 * sync only adds, so it has no such race). A pull answer describes the peer's
 * table at the instant the peer built it, but pushes the peer sent after that
 * instant can reach us before the answer does. `DdmRib.sync` withdraws what
 * the answer does not list, so without care a route announced by such a push
 * would be withdrawn again (and one withdrawn would be re-added).
 *
 * The shell records every push received from the peer while a pull is in
 * flight (the journal) and replays it over the answer before syncing: each
 * update's announces are added to the listing and its withdraws removed, in
 * arrival order. A push that the answer already reflects replays to the same
 * listing, so the replay is safe either way.
 */
import { formatNet } from "./ip.js";
import { tunnelKey } from "./tunnel.js";
import type { PathVector, PullResponse, TunnelOrigin, Update } from "./types.js";

const pvKey = (pv: PathVector): string => `${formatNet(pv.destination)}|${JSON.stringify(pv.path)}`;

/** The answer with `journal` (pushes received while the pull was in flight) replayed over it. */
export function replayJournal(answer: PullResponse, journal: readonly Update[]): PullResponse {
  if (journal.length === 0) return answer;
  const underlay = new Map<string, PathVector>(answer.underlay.map((pv) => [pvKey(pv), pv]));
  const tunnel = new Map<string, TunnelOrigin>(answer.tunnel.map((t) => [tunnelKey(t), t]));
  for (const u of journal) {
    for (const pv of u.underlay?.announce ?? []) underlay.set(pvKey(pv), pv);
    for (const pv of u.underlay?.withdraw ?? []) underlay.delete(pvKey(pv));
    for (const t of u.tunnel?.announce ?? []) tunnel.set(tunnelKey(t), t);
    for (const t of u.tunnel?.withdraw ?? []) tunnel.delete(tunnelKey(t));
  }
  return { underlay: [...underlay.values()], tunnel: [...tunnel.values()] };
}
