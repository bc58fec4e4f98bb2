import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { displayWidth, renderJson, renderTable } from "../../../api/cli/table.js";

interface Peer {
  peer: string;
  listen: string;
  rx: number;
  status: string;
}

const cols = [
  { header: "Peer", cell: (p: Peer) => p.peer },
  { header: "Listen", cell: (p: Peer) => p.listen },
  { header: "Required Rx", cell: (p: Peer) => String(p.rx) },
  { header: "Status", cell: (p: Peer) => p.status },
];

describe("renderTable", () => {
  it("pads columns to the widest cell plus two spaces, last column unpadded", () => {
    const out = renderTable(cols, [
      { peer: "198.51.101.9", listen: "0.0.0.0", rx: 1_000_000, status: "Up" },
      { peer: "fd00:101::1", listen: "::", rx: 1_000_000, status: "Up" },
    ]);
    assert.equal(
      out,
      [
        "Peer          Listen   Required Rx  Status",
        "198.51.101.9  0.0.0.0  1000000      Up",
        "fd00:101::1   ::       1000000      Up",
        "",
      ].join("\n"),
    );
  });

  it("prints only the header for no rows, and enforces a minimum width of 2", () => {
    assert.equal(
      renderTable(
        [
          { header: "A", cell: () => "" },
          { header: "B", cell: () => "" },
        ],
        [],
      ),
      "A   B\n",
    );
  });

  it("does not count ANSI colour codes toward width, and flattens tabs and newlines", () => {
    const red = `${String.fromCharCode(0x1b)}[31mdown${String.fromCharCode(0x1b)}[0m`;
    assert.equal(displayWidth(red), 4);
    const out = renderTable(
      [
        { header: "State", cell: (r: { s: string }) => r.s },
        { header: "X", cell: () => "x" },
      ],
      [{ s: red }, { s: "a\tb\nc" }],
    );
    const lines = out.split("\n");
    assert.equal(lines[1]?.replaceAll(String.fromCharCode(0x1b), "").replace(/\[\d+m/g, ""), "down   x");
    assert.equal(lines[2], "a b c  x");
  });

  it("renderJson is pretty and newline-terminated", () => {
    assert.equal(renderJson({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}\n');
  });
});
