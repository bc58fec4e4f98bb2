// AF_NETLINK specifics (netlink(7)). The addon only moves bytes: building and
// parsing rtnetlink messages is TypeScript's job (dataplane/kernel/).
#include <linux/netlink.h>

#include <cerrno>
#include <cstring>

#include "common.h"

namespace dgx {

// bindNetlink(portId, groups): portId 0 lets the kernel assign one; groups is
// the legacy 32-bit multicast bitmask (use NETLINK_ADD_MEMBERSHIP for more).
napi_value NetlinkBind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  uint32_t pid = 0, groups = 0;
  if (argc < 2 || !GetUint32(env, argv[0], &pid) || !GetUint32(env, argv[1], &groups)) {
    ThrowType(env, "bindNetlink(portId, groups)");
    return nullptr;
  }
  sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_pid = pid;
  sa.nl_groups = groups;
  if (bind(s->fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ThrowErrno(env, errno, "bind");
    return nullptr;
  }
  return Undefined(env);
}

// sendNetlink(bytes, portId, groups) -> bytes sent. portId 0 is the kernel.
napi_value NetlinkSend(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  void* data = nullptr;
  size_t size = 0;
  uint32_t pid = 0, groups = 0;
  if (argc < 3 || !GetBytes(env, argv[0], &data, &size) || !GetUint32(env, argv[1], &pid) ||
      !GetUint32(env, argv[2], &groups)) {
    ThrowType(env, "sendNetlink(Uint8Array, portId, groups)");
    return nullptr;
  }
  sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_pid = pid;
  sa.nl_groups = groups;
  ssize_t n;
  do {
    n = sendto(s->fd, data, size, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    ThrowErrno(env, errno, "sendto");
    return nullptr;
  }
  return Int(env, n);
}

napi_value NetlinkLocalAddress(napi_env env, napi_callback_info info) {
  Socket* s = Unwrap(env, info, nullptr, nullptr);
  if (s == nullptr) return nullptr;
  sockaddr_nl sa;
  socklen_t len = sizeof sa;
  if (getsockname(s->fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    ThrowErrno(env, errno, "getsockname");
    return nullptr;
  }
  napi_value out = nullptr;
  DGX_CALL(env, napi_create_object(env, &out));
  SetNamed(env, out, "portId", Int(env, sa.nl_pid));
  SetNamed(env, out, "groups", Int(env, sa.nl_groups));
  return out;
}

void DecodeNetlinkMessage(const msghdr* msg, int32_t* row) {
  const sockaddr_nl* sa = static_cast<const sockaddr_nl*>(msg->msg_name);
  row[kMetaIfindex] = 0;
  row[kMetaTtl] = -1;
  row[kMetaTos] = -1;
  // Sender's port id (0: the kernel) and the multicast group mask it was sent to.
  row[kMetaPort] = static_cast<int32_t>(sa->nl_pid);
  row[kMetaScope] = static_cast<int32_t>(sa->nl_groups);
}

}  // namespace dgx
