/**
 * maglev-vpp §10.10 at config load: two frontends on one VIP address whose
 * backends have different families made VPP answer -73 at runtime (one encap
 * per VIP prefix); upstream moved the check to config load. The LB core's
 * own guard (`LB_E_ENCAP_CONFLICT`) is pinned in tests/unit/lb/regressions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfigText } from "../../../api/config/index.js";

const twoFrontends = (a: string, b: string) => `
backends:
  v4: { address: 10.0.0.1 }
  v6: { address: "2001:db8::1" }
frontends:
  a: { address: "${a}", protocol: tcp, port: 80, pools: [ { name: p, backends: { v4: {} } } ] }
  b: { address: "${b}", protocol: tcp, port: 443, pools: [ { name: p, backends: { v6: {} } } ] }
`;

function refusal(text: string): string | undefined {
  const r = parseConfigText(text, "m.yaml");
  return r.ok ? undefined : r.error.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
}

describe("maglev-vpp §10 regressions: config load", () => {
  it("§10.10: frontends sharing a VIP address with different backend families are refused at load", () => {
    for (const vip of ["192.0.2.1", "2001:db8::80"]) {
      const why = refusal(twoFrontends(vip, vip));
      assert.ok(why !== undefined, `${vip} accepted`);
      assert.match(why, /frontends\.b\.address: VIP .* is shared with frontend "a"/);
    }
    assert.equal(refusal(twoFrontends("192.0.2.1", "192.0.2.2")), undefined, "different VIPs are fine");
  });

  it("§10.10: the shared-VIP family check compares canonical addresses, not spellings", () => {
    for (const [a, b] of [
      ["2001:db8::80", "2001:DB8:0::80"],
      ["2001:db8::80", "2001:0db8:0000:0000:0000:0000:0000:0080"],
    ] as const) {
      assert.ok(refusal(twoFrontends(a, b)) !== undefined, `${a} and ${b} both accepted`);
    }
  });
});
