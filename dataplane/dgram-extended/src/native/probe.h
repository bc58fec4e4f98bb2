// The stream-probe engine: short TCP exchanges (connect, optional write,
// optional read) run entirely in C++, for health checks. See probe.cc for the
// design and src/stream-probe.ts for the JS side.
#pragma once

#include <node_api.h>
#include <uv.h>

namespace dgx {

// Layout of one completion row in the Int32Array shared with JavaScript
// (mirrored in src/stream-probe.ts).
constexpr int kProbeRowStride = 6;
enum ProbeRowField : int {
  kRowId = 0,      // the id start() returned
  kRowEvent = 1,   // ProbeEventCode
  kRowErrno = 2,   // positive errno for kEvError, else 0
  kRowPhase = 3,   // ProbePhase of the failing system call
  kRowOffset = 4,  // data bytes in the shared slab: offset
  kRowLength = 5,  // and length (0: none)
};

enum ProbeEventCode : int {
  kEvConnected = 1,  // handshake done, nothing to send or read; closed with a reset (final)
  kEvSent = 2,       // request written, nothing to read; closed gracefully (final)
  kEvData = 3,       // bytes read; the socket stays open until finish() (not final)
  kEvEnd = 4,        // the peer closed (FIN); may carry the last bytes (final)
  kEvError = 5,      // a system call failed; errno and phase say which (final)
  kEvTimeout = 6,    // the deadline passed first (final)
};

enum ProbePhase : int {
  kPhaseNone = 0,
  kPhaseSocket = 1,
  kPhaseBind = 2,
  kPhaseConnect = 3,
  kPhaseWrite = 4,
  kPhaseRead = 5,
};

struct ProbeEngine;
struct EnvData;

// Module wiring (called from socket.cc): exports the probe functions and the
// ProbeTarget class, and tears the engine down with the environment.
bool InitProbes(napi_env env, napi_value exports, EnvData* d);
void CleanupProbes(EnvData* d);

}  // namespace dgx
