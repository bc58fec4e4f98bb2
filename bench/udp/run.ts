/**
 * Loopback UDP receive throughput: dgram-extended vs node:dgram, fed by the
 * same sender child process. Prints datagrams/s and receiver CPU µs per
 * datagram (process.cpuUsage, user + system) side by side, for a flood
 * (receiver-bound) and for a fixed offered load (equal work, compare CPU).
 *
 * run: node --import tsx bench/udp/run.ts [--seconds 2] [--size 64] [--rounds 3]
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { cpus, loadavg, release } from "node:os";
import { fileURLToPath } from "node:url";
import { createUdpSocket } from "dgram-extended";

interface Args {
  seconds: number;
  size: number;
  rounds: number;
  paced: number;
}

function parseArgs(): Args {
  const a: Args = { seconds: 2, size: 64, rounds: 3, paced: 100_000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i + 1 < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "");
    const value = Number(argv[i + 1]);
    if (key === "seconds" || key === "size" || key === "rounds" || key === "paced") a[key] = value;
  }
  return a;
}

interface Receiver {
  readonly port: number;
  count(): number;
  close(): void;
}

const RCVBUF = 4 << 20;

function nodeDgram(): Promise<Receiver> {
  return new Promise((resolve) => {
    let n = 0;
    const s = dgram.createSocket({ type: "udp4", recvBufferSize: RCVBUF });
    s.on("message", (msg) => {
      n += msg.length > 0 ? 1 : 1;
    });
    s.bind(0, "127.0.0.1", () => {
      resolve({ port: s.address().port, count: () => n, close: () => s.close() });
    });
  });
}

function extended(): Promise<Receiver> {
  let n = 0;
  const s = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0, receiveBufferSize: RCVBUF });
  s.on("message", (m) => {
    n += m.data.length > 0 ? 1 : 1;
  });
  return Promise.resolve({ port: s.address().port, count: () => n, close: () => s.close() });
}

interface Sample {
  rate: number;
  cpuMicrosPerDatagram: number;
  cpuShare: number;
}

const senderPath = fileURLToPath(
  new URL(`./sender${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
);

async function measure(make: () => Promise<Receiver>, a: Args, rate: number): Promise<Sample> {
  const r = await make();
  const warm = 0.5;
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      senderPath,
      String(r.port),
      String(warm + a.seconds + 0.3),
      String(a.size),
      String(rate),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      resolve();
    }),
  );
  // Wait (bounded) for traffic, then skip the warm-up before the window opens.
  const deadline = Date.now() + 10_000;
  while (r.count() === 0) {
    if (exitCode !== undefined || Date.now() > deadline) {
      child.kill();
      r.close();
      throw new Error(`sender sent nothing (exit ${exitCode ?? "timeout"})`);
    }
    await new Promise((res) => setTimeout(res, 5));
  }
  await new Promise((res) => setTimeout(res, warm * 1000));
  const c0 = r.count();
  const u0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((res) => setTimeout(res, a.seconds * 1000));
  const c1 = r.count();
  const u1 = process.cpuUsage(u0);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await exited;
  r.close();
  const got = c1 - c0;
  const cpu = u1.user + u1.system;
  return { rate: got / secs, cpuMicrosPerDatagram: cpu / Math.max(got, 1), cpuShare: cpu / 1e6 / secs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function row(label: string, s: Sample[]): string {
  const rate = median(s.map((x) => x.rate));
  const cpu = median(s.map((x) => x.cpuMicrosPerDatagram));
  const share = median(s.map((x) => x.cpuShare));
  return `${label.padEnd(16)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} dgram/s ${cpu.toFixed(2).padStart(8)} µs CPU/dgram ${(share * 100).toFixed(0).padStart(4)}% CPU`;
}

async function main(): Promise<void> {
  const a = parseArgs();
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? "?"}, Linux ${release()}, Node ${process.version}, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  console.log(`payload ${a.size} B, window ${a.seconds} s, median of ${a.rounds} rounds (alternating order)`);
  for (const [title, rate] of [
    ["flood (sender blasts sendmmsg bursts)", 0],
    [`fixed offered load ${a.paced.toLocaleString("en-US")} dgram/s`, a.paced],
  ] as const) {
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    for (let i = 0; i < a.rounds; i++) {
      if (i % 2 === 0) {
        theirs.push(await measure(nodeDgram, a, rate));
        ours.push(await measure(extended, a, rate));
      } else {
        ours.push(await measure(extended, a, rate));
        theirs.push(await measure(nodeDgram, a, rate));
      }
    }
    console.log(`\n${title}`);
    console.log(row("node:dgram", theirs));
    console.log(row("dgram-extended", ours));
    const ratio = median(ours.map((x) => x.rate)) / Math.max(median(theirs.map((x) => x.rate)), 1);
    const cpuRatio =
      median(ours.map((x) => x.cpuMicrosPerDatagram)) /
      Math.max(median(theirs.map((x) => x.cpuMicrosPerDatagram)), 1e-9);
    console.log(`ratio: ${ratio.toFixed(2)}× rate, ${cpuRatio.toFixed(2)}× CPU per datagram`);
  }
}

await main();
