import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDurationHuman, millisFromSecsNanos } from "../../../api/cli/format-duration.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("formatDurationHuman (maghemite format_duration_human)", () => {
  it("reproduces the reference examples", () => {
    assert.equal(formatDurationHuman(426 * D + 13 * H + 24 * M + 9 * S), "426d 13h 24m 9s");
    assert.equal(formatDurationHuman(3 * H + 12 * M + 5 * S), "3h 12m 5s");
    assert.equal(formatDurationHuman(M + 30 * S + 250), "1m 30s 250ms");
    assert.equal(formatDurationHuman(6 * M + 19 * S + 121), "6m 19s 121ms");
    assert.equal(formatDurationHuman(4 * S + 590), "4s 590ms");
    assert.equal(formatDurationHuman(500), "500ms");
    assert.equal(formatDurationHuman(0), "0ms");
  });

  it("drops milliseconds from one hour up, and keeps inner zeros", () => {
    assert.equal(formatDurationHuman(H + 5 * S + 999), "1h 0m 5s");
    assert.equal(formatDurationHuman(H - 1), "59m 59s 999ms");
    assert.equal(formatDurationHuman(D), "1d 0h 0m 0s");
    assert.equal(formatDurationHuman(M), "1m 0s 0ms");
    assert.equal(formatDurationHuman(S), "1s 0ms");
  });

  it("truncates sub-millisecond parts and prints nonsense input as 0ms", () => {
    assert.equal(formatDurationHuman(1.9), "1ms");
    assert.equal(formatDurationHuman(-5), "0ms");
    assert.equal(formatDurationHuman(Number.NaN), "0ms");
  });

  it("converts ddm-admin {secs, nanos} durations", () => {
    assert.equal(formatDurationHuman(millisFromSecsNanos({ secs: 379, nanos: 121_999_999 })), "6m 19s 121ms");
  });
});
