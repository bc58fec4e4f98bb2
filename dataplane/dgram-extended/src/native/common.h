// Shared declarations for the dgram-extended addon: the per-environment state,
// the socket record, and small Node-API helpers. One C++ file per concern:
// errors.cc (errno -> Node-style Error), socket.cc (lifecycle, netns, module
// init), inet.cc (IPv4/IPv6 addresses, ancillary
// data, multicast, sendmsg with PKTINFO), netlink.cc (AF_NETLINK bind/send),
// receive.cc (uv_poll + recvmmsg batches), options.cc (helpers, setsockopt),
// probe.cc (the stream-probe engine for TCP/HTTP health checks, probe.h).
#pragma once

#include <node_api.h>
#include <uv.h>

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace dgx {

// Layout of one message's row in the metadata Int32Array shared with
// JavaScript (see src/native-binding.ts, which mirrors these numbers).
constexpr int kMetaStride = 10;
enum MetaField : int {
  kMetaOffset = 0,     // byte offset of the payload in the batch buffer
  kMetaLength = 1,     // payload bytes copied
  kMetaFlags = 2,      // MetaFlag bits
  kMetaIfindex = 3,    // arrival interface index (PKTINFO), 0 when unknown
  kMetaTtl = 4,        // received TTL / hop limit, -1 when unknown
  kMetaTos = 5,        // received TOS / traffic class, -1 when unknown
  kMetaPort = 6,       // source port (inet) or sender port id (netlink)
  kMetaScope = 7,      // source IPv6 scope id (inet) or multicast groups (netlink)
  kMetaReserved0 = 8,
  kMetaReserved1 = 9,
};
enum MetaFlag : int {
  kFlagTruncated = 1,      // MSG_TRUNC: the datagram was larger than the slot
  kFlagCtrlTruncated = 2,  // MSG_CTRUNC: ancillary data did not fit
  kFlagDstMulticast = 4,   // destination address is a multicast group
  kFlagHasDst = 8,         // destination address is known (PKTINFO)
};

// Control buffer per message: room for PKTINFO, TTL/hop limit and TOS/tclass
// of both families with generous slack (CMSG_SPACE rounding).
constexpr size_t kCtrlSize = 256;
constexpr int kIfCacheSize = 8;
// Interface names learnt from an index are reused for this long, so a busy
// socket does one SIOCGIFNAME per interface per second at most while a
// renamed or re-created interface is picked up quickly.
constexpr uint64_t kIfCacheMillis = 1000;

enum class Kind : uint8_t { kInet, kNetlink };

struct EnvData;
struct ProbeEngine;

struct IfCacheEntry {
  int index;
  uint64_t stamp;
  char name[IF_NAMESIZE];
};

struct Socket {
  EnvData* envData = nullptr;
  napi_env env = nullptr;
  int fd = -1;
  int domain = 0;
  int type = 0;
  int protocol = 0;
  Kind kind = Kind::kInet;

  uv_poll_t poll;
  bool pollOpen = false;   // uv handle initialised and its close callback not yet run
  bool polling = false;    // uv_poll_start active
  bool refed = true;
  bool wrapperAlive = true;
  bool strong = false;     // wrapperRef holds a strong count while polling

  napi_ref wrapperRef = nullptr;
  napi_ref callback = nullptr;
  napi_ref metaRef = nullptr;
  int32_t* meta = nullptr;
  size_t metaRows = 0;
  napi_async_context asyncCtx = nullptr;

  uint32_t batchSize = 32;
  uint32_t maxPerEvent = 256;
  uint32_t slotSize = 65536;

  IfCacheEntry ifCache[kIfCacheSize] = {};
  int ifCacheNext = 0;

  Socket* prev = nullptr;
  Socket* next = nullptr;
};

struct EnvData {
  uv_loop_t* loop = nullptr;
  // One receive area shared by every socket of this environment: callbacks on
  // one loop run one at a time, so a single slab serves all sockets and memory
  // does not grow with the number of sockets.
  char* slab = nullptr;
  size_t slabSize = 0;
  struct mmsghdr* msgs = nullptr;
  struct iovec* iovs = nullptr;
  struct sockaddr_storage* names = nullptr;
  char* ctrl = nullptr;
  size_t rows = 0;
  Socket* head = nullptr;
  napi_ref ctor = nullptr;
  int64_t live = 0;   // native socket records not yet freed
  int64_t open = 0;   // descriptors currently open
  int64_t swallowed = 0;  // exceptions escaping a JS callback (should stay 0)
  ProbeEngine* probes = nullptr;  // stream-probe engine (probe.cc), created on first use
};

// errors.cc
// Node-style system error: code, errno (negative), syscall, and address /
// port when given (port < 0: none).
napi_value ErrnoError(napi_env env, int err, const char* syscall, const char* address = nullptr, int port = -1);
void ThrowErrno(napi_env env, int err, const char* syscall, const char* address = nullptr, int port = -1);
void ThrowType(napi_env env, const char* msg);

// Argument helpers (options.cc).
bool GetInt32(napi_env env, napi_value v, int32_t* out);
bool GetUint32(napi_env env, napi_value v, uint32_t* out);
bool GetBool(napi_env env, napi_value v, bool* out);
// Copies a JS string into buf (NUL-terminated); false when not a string or too long.
bool GetString(napi_env env, napi_value v, char* buf, size_t size);
bool GetBytes(napi_env env, napi_value v, void** data, size_t* len);
Socket* Unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv, bool needOpen = true);
napi_value Undefined(napi_env env);
napi_value Int(napi_env env, int64_t v);
void SetNamed(napi_env env, napi_value obj, const char* key, napi_value v);

// Lifecycle (socket.cc) and methods defined in receive.cc / options.cc.
void StopPolling(Socket* s);
napi_value SocketStart(napi_env env, napi_callback_info info);
napi_value SocketSetInt(napi_env env, napi_callback_info info);
napi_value SocketGetInt(napi_env env, napi_callback_info info);
napi_value SocketSetBytes(napi_env env, napi_callback_info info);
napi_value SocketIfIndex(napi_env env, napi_callback_info info);
napi_value SocketIfName(napi_env env, napi_callback_info info);

// Interface name <-> index, resolved through the socket's own descriptor so a
// socket created in another network namespace sees that namespace's devices.
int IfIndexByName(int fd, const char* name);
bool IfNameByIndex(Socket* s, int index, char out[IF_NAMESIZE]);

// inet.cc: methods of the Socket class for AF_INET / AF_INET6.
napi_value InetBind(napi_env env, napi_callback_info info);
napi_value InetSend(napi_env env, napi_callback_info info);
napi_value InetSendMany(napi_env env, napi_callback_info info);
napi_value InetMembership(napi_env env, napi_callback_info info);
napi_value InetMulticastInterface(napi_env env, napi_callback_info info);
napi_value InetLocalAddress(napi_env env, napi_callback_info info);
// Parses "addr" or "addr%scope" for the socket's family; IPv4 text on an IPv6
// socket becomes an IPv4-mapped address. Returns 0 or an errno value.
int ParseInetAddress(Socket* s, const char* text, uint16_t port, sockaddr_storage* out, socklen_t* len);

// Reuses the JS string of the previous message when its address repeats, the
// common case for a batch from one peer, so a batch creates few strings.
struct StringCache {
  sockaddr_storage lastSrc;
  socklen_t lastSrcLen = 0;
  napi_value srcValue = nullptr;
  unsigned char lastDst[16];
  int lastDstFamily = 0;
  napi_value dstValue = nullptr;
  int lastIf = -1;
  napi_value ifValue = nullptr;
};
// Fills one metadata row and the three strings (source, destination,
// interface name) of a received message.
void DecodeInetMessage(Socket* s, const msghdr* msg, int32_t* row, napi_value strings[3], StringCache* cache);

// netlink.cc: methods of the Socket class for AF_NETLINK.
napi_value NetlinkBind(napi_env env, napi_callback_info info);
napi_value NetlinkSend(napi_env env, napi_callback_info info);
napi_value NetlinkLocalAddress(napi_env env, napi_callback_info info);
void DecodeNetlinkMessage(const msghdr* msg, int32_t* row);

}  // namespace dgx

#define DGX_CALL(env, call)                                    \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      const napi_extended_error_info* dgx_info = nullptr;      \
      napi_get_last_error_info((env), &dgx_info);              \
      bool dgx_pending = false;                                \
      napi_is_exception_pending((env), &dgx_pending);          \
      if (!dgx_pending)                                        \
        napi_throw_error((env), "ERR_DGRAM_EXT_NAPI",          \
                         dgx_info && dgx_info->error_message   \
                             ? dgx_info->error_message         \
                             : "Node-API call failed");        \
      return nullptr;                                          \
    }                                                          \
  } while (0)
