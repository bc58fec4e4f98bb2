/**
 * Linux procfs readings for the health benchmark (proc(5)): per-process and
 * per-thread CPU, the main thread's run-queue wait, TCP counters of the
 * network namespace, TIME_WAIT sockets and the load average. Each reading is
 * one small file read, so sampling does not disturb what is measured.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

/** Clock ticks per second for /proc/<pid>/stat; 100 on Linux for every mainstream architecture. */
const CLK_TCK = 100;

/** utime + stime of a process (all threads) or one thread, in ms (10 ms resolution). */
export function cpuMs(pid: number, tid?: number): number {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const stat = readFileSync(path, "utf8");
  // Fields after the command name, which may itself contain spaces and parentheses.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime, stime: fields 14 and 15
}

/** Resident set size of a process in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * The thread's scheduler statistics (/proc/<pid>/task/<tid>/schedstat): time on a
 * CPU and time runnable but waiting for one, in ms. On a loaded machine the wait
 * is lateness no code change of ours can remove.
 */
export function schedMs(pid: number, tid = pid): { run: number; wait: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
  return { run: Number(run) / 1e6, wait: Number(wait) / 1e6 };
}

/**
 * `Tcp: ActiveOpens` of this network namespace (/proc/net/snmp; RFC 4022
 * tcpActiveOpens): connections initiated here, one per TCP or HTTP probe.
 * (AttemptFails is no help: it also counts the listener's side of a check
 * that is reset during the handshake.)
 */
export function activeOpens(): number {
  const lines = readFileSync("/proc/net/snmp", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("Tcp:"));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf("ActiveOpens")]);
}

/** TCP sockets in TIME_WAIT in this network namespace (/proc/net/sockstat `tw`). */
export function timeWaitSockets(): number {
  const m = /TCP: .*\btw (\d+)/.exec(readFileSync("/proc/net/sockstat", "utf8"));
  return Number(m?.[1] ?? Number.NaN);
}

/** The 1-minute load average, two decimals. */
export function load1(): string {
  return (loadavg()[0] ?? Number.NaN).toFixed(2);
}

/** All three load averages, as `uptime` prints them. */
export function loadAll(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}
