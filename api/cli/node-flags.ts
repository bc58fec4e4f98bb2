/**
 * The Node flags the daemon is deployed with: the systemd unit, the SMF
 * method script and `npm start` pass them, and the test and benchmark labs
 * start the daemon with them, so what is measured is what runs
 * (tests/unit/cli/node-flags.test.ts keeps the four in step). V8 heap
 * sizing can only be set on the command line: `NODE_OPTIONS` refuses it,
 * and `v8.setFlagsFromString` comes after the heap is configured.
 *
 * `--initial-old-space-size=128` (MB): V8 starts with a small old
 * generation and raises its limit one full (mark-compact) collection at a
 * time. A router that learns tens of thousands of routes at once, at start
 * or when a neighbour comes back, promotes nearly all of them, and paid for
 * several full collections while doing it: in bench/ddm (10,000 prefixes
 * per server, six daemons on two cores) the flag took the daemons' CPU from
 * 3.79 to 3.47 s and convergence from 1.91 to 1.73 s (64 MB made no
 * difference; the servers' old generation outgrows it). It is a limit, not
 * an allocation: memory is committed as objects are, and after the first
 * full collection V8 sizes the limit from what is live as usual. The cost
 * is that up to 128 MB of old objects, garbage included, may accumulate
 * before that first collection.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = Object.freeze(["--initial-old-space-size=128"]);
