/**
 * HTTP probe (maglev-vpp.md §2.4 `type: http`): one request over plain TCP,
 * pass on an expected status and optional body match (http-exchange.ts).
 *
 * An IP-literal target runs on the native stream-probe engine
 * (`stream-attempt.ts`): the engine connects, writes the prebuilt request
 * and hands over what it reads; the same judge as the Node-socket path
 * parses it. Without a body regex the answer is decided by the head (usually
 * the first segment), and the connection is then reset. With a body regex
 * the body is read natively too, chunk by chunk, until the judge has
 * `bodyLimit` bytes, the body ends or the peer closes — no need for the Node
 * path. A target given as a host name keeps the Node-socket path
 * (`http-common.ts`), which resolves it.
 */
import { connect, isIP } from "node:net";
import { StreamTarget } from "dgram-extended";
import type { ProbeResult } from "../../protocols/health/probe-result.js";
import type { Connector, HttpProbeOptions, ResolvedHttp } from "./http-common.js";
import { answerRules, defaultHost, httpRunner, requestHead, resolveHttpOptions } from "./http-common.js";
import { type AnswerRules, ResponseJudge } from "./http-exchange.js";
import type { Probe, ProbeSink, ProbeTarget } from "./probe.js";
import { runViaSink, sourceFor } from "./probe.js";
import { nativeStart, StreamAttempt } from "./stream-attempt.js";

export type { HttpProbeOptions } from "./http-common.js";

const plainTcp: Connector = {
  ready: "connect",
  plain: true,
  defaultPort: 80,
  // An IP literal is connected to directly; net only resolves host names. No
  // TCP_NODELAY: the request is one write, and Nagle never holds a first segment.
  connect: (host, port, localAddress) =>
    connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) }),
};

/** Build an HTTP probe. Throws `DomainError` `HC_E_INVALID_CONFIG` on bad options. */
export function createHttpProbe(options: HttpProbeOptions): Probe {
  const r = resolveHttpOptions(options, plainTcp.defaultPort);
  const viaNode = httpRunner(plainTcp, options, r);
  const rules = answerRules(options, r);
  const timeoutDetail = `no complete answer within ${options.timeoutMs} ms`;
  const start = nativeStart(
    (address) => nativeTarget(options, r, address),
    viaNode,
    (sink, tag) => new HttpStreamAttempt(rules, timeoutDetail, sink, tag),
    options.timeoutMs,
  );
  const run = (target: ProbeTarget, signal: AbortSignal | undefined): Promise<ProbeResult> =>
    isIP(target.address) === 0 ? viaNode(target, signal) : runViaSink(start, target, signal);
  return { kind: "http", run, start };
}

function nativeTarget(o: HttpProbeOptions, r: ResolvedHttp, address: string): StreamTarget {
  const source = sourceFor(address, o);
  const request = requestHead(r, o.host ?? defaultHost(address, r.port, plainTcp.defaultPort));
  return new StreamTarget({
    address,
    port: r.port,
    ...(source === undefined ? {} : { source }),
    send: Buffer.from(request, "latin1"),
    read: true,
  });
}

/** The native HTTP probe: every read goes to the judge. */
class HttpStreamAttempt extends StreamAttempt {
  private readonly judge: ResponseJudge;

  constructor(rules: AnswerRules, timeoutDetail: string, sink: ProbeSink, tag: number) {
    super(timeoutDetail, sink, tag);
    this.judge = new ResponseJudge(rules, true);
  }

  // A target that reads never ends in `connected` or `sent`; were it to, no answer came.
  protected onConnected(): void {
    this.fail("closed", "peer closed without answering");
  }

  protected onSent(): void {
    this.onConnected();
  }

  protected onData(chunk: Buffer): void {
    this.judge.data(chunk, this);
  }

  protected onEnd(): void {
    this.judge.end(this);
  }
}
