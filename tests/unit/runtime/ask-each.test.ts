import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answerSortedByName, askEach } from "../../../actors/runtime/ask.js";
import { stateless } from "../../../actors/runtime/stateless.js";
import type { ActorRef } from "../../../actors/runtime/types.js";
import { fakeSystem } from "./helpers.js";

type Q = { replyTo: ActorRef<string> };

describe("askEach (a supervisor's list fan-out)", () => {
  it("returns the answers in ref order and counts the actors that did not answer in time", async () => {
    const { system, clock } = fakeSystem();
    const answering = (name: string) =>
      system.spawn<Q, undefined>(
        stateless({ kind: "answers", receive: (m: Q) => void m.replyTo.tell(name) }),
        name,
      );
    const mute = system.spawn<Q, undefined>(stateless({ kind: "mute", receive: () => undefined }), "mute");
    const p = askEach<Q, string>([answering("b"), mute, answering("a")], (replyTo) => ({ replyTo }), 50);
    await system.whenIdle();
    clock.advance(50);
    assert.deepEqual(await p, { answers: ["b", "a"], missing: 1 });
    await system.stop();
  });

  it("counts a stopped actor as missing instead of rejecting", async () => {
    const { system } = fakeSystem();
    const gone = system.spawn<Q, undefined>(stateless({ kind: "gone", receive: () => undefined }), "gone");
    await system.stopChild("gone");
    assert.deepEqual(await askEach<Q, string>([gone], (replyTo) => ({ replyTo }), 50), {
      answers: [],
      missing: 1,
    });
    await system.stop();
  });

  it("answerSortedByName answers with the snapshots sorted by name and reports the missing count", async () => {
    type S = { name: string };
    type G = { replyTo: ActorRef<S> };
    const { system, clock } = fakeSystem();
    const child = (name: string) =>
      system.spawn<G, undefined>(
        stateless({ kind: "child", receive: (m: G) => void m.replyTo.tell({ name }) }),
        name,
      );
    const mute = system.spawn<G, undefined>(stateless({ kind: "mute", receive: () => undefined }), "mute");
    let got: S[] | undefined;
    const replyTo = system.spawn<S[], undefined>(
      stateless({
        kind: "caller",
        receive: (m: S[]) => {
          got = m;
        },
      }),
      "caller",
    );
    const warned: number[] = [];
    answerSortedByName<G, S>(
      [child("web2"), mute, child("web10"), child("db")],
      (r) => ({ replyTo: r }),
      50,
      replyTo,
      (n) => warned.push(n),
    );
    await system.whenIdle();
    clock.advance(50);
    for (let i = 0; i < 5 && got === undefined; i++) {
      await new Promise((r) => setImmediate(r));
      await system.whenIdle();
    }
    assert.deepEqual(got, [{ name: "db" }, { name: "web10" }, { name: "web2" }]);
    assert.deepEqual(warned, [1]);
    await system.stop();
  });
});
