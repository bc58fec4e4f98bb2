// AF_INET / AF_INET6 specifics: text addresses with %scope, bind, sendmsg
// with an explicit source (IP_PKTINFO, RFC 3542 §6 IPV6_PKTINFO), sendmmsg,
// multicast membership and interface, and decoding of the ancillary data of
// received datagrams (ip(7), ipv6(7), RFC 3542 §6).
#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common.h"

namespace dgx {

// Scope after '%': a numeric index or an interface name, looked up in the
// socket's own namespace.
static int ParseScope(Socket* s, const char* scope, uint32_t* out) {
  char* end = nullptr;
  unsigned long n = strtoul(scope, &end, 10);
  if (scope[0] != '\0' && end != nullptr && *end == '\0') {
    *out = static_cast<uint32_t>(n);
    return 0;
  }
  int index = IfIndexByName(s->fd, scope);
  if (index < 0) return -index;
  *out = static_cast<uint32_t>(index);
  return 0;
}

int ParseInetAddress(Socket* s, const char* text, uint16_t port, sockaddr_storage* out, socklen_t* len) {
  memset(out, 0, sizeof *out);
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (strlen(text) >= sizeof host) return EINVAL;
  strcpy(host, text);
  char* percent = strchr(host, '%');
  uint32_t scope = 0;
  if (percent != nullptr) {
    *percent = '\0';
    int e = ParseScope(s, percent + 1, &scope);
    if (e != 0) return e;
  }
  if (s->domain == AF_INET) {
    sockaddr_in* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    if (host[0] != '\0' && inet_pton(AF_INET, host, &sin->sin_addr) != 1) return EINVAL;
    *len = sizeof *sin;
    return 0;
  }
  sockaddr_in6* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  sin6->sin6_scope_id = scope;
  *len = sizeof *sin6;
  if (host[0] == '\0') return 0;
  if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) return 0;
  in_addr v4;
  if (inet_pton(AF_INET, host, &v4) != 1) return EINVAL;
  // IPv4 text on an IPv6 socket: the IPv4-mapped form (RFC 4291 §2.5.5.2).
  sin6->sin6_addr.s6_addr[10] = 0xff;
  sin6->sin6_addr.s6_addr[11] = 0xff;
  memcpy(&sin6->sin6_addr.s6_addr[12], &v4, 4);
  return 0;
}

// "addr" or "addr%ifname" (link-local and other scoped IPv6 addresses, as
// node:dgram reports them).
static void FormatAddress(Socket* s, const sockaddr* sa, char* out, size_t size) {
  out[0] = '\0';
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, out, size);
  } else if (sa->sa_family == AF_INET6) {
    const sockaddr_in6* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &sin6->sin6_addr, out, size);
    if (sin6->sin6_scope_id != 0) {
      char name[IF_NAMESIZE];
      size_t used = strlen(out);
      if (IfNameByIndex(s, static_cast<int>(sin6->sin6_scope_id), name)) {
        snprintf(out + used, size - used, "%%%s", name);
      } else {
        snprintf(out + used, size - used, "%%%u", sin6->sin6_scope_id);
      }
    }
  }
}

static uint16_t PortOf(const sockaddr_storage* ss) {
  if (ss->ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(ss)->sin_port);
  if (ss->ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(ss)->sin6_port);
  return 0;
}

void DecodeInetMessage(Socket* s, const msghdr* msg, int32_t* row, napi_value strings[3], StringCache* cache) {
  napi_env env = s->env;
  const sockaddr_storage* src = static_cast<const sockaddr_storage*>(msg->msg_name);
  row[kMetaPort] = PortOf(src);
  row[kMetaScope] = src->ss_family == AF_INET6
                        ? static_cast<int32_t>(reinterpret_cast<const sockaddr_in6*>(src)->sin6_scope_id)
                        : 0;
  row[kMetaIfindex] = 0;
  row[kMetaTtl] = -1;
  row[kMetaTos] = -1;
  if (cache->srcValue != nullptr && cache->lastSrcLen == msg->msg_namelen &&
      memcmp(&cache->lastSrc, src, msg->msg_namelen) == 0) {
    strings[0] = cache->srcValue;
  } else {
    char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    FormatAddress(s, reinterpret_cast<const sockaddr*>(src), text, sizeof text);
    napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &strings[0]);
    memcpy(&cache->lastSrc, src, msg->msg_namelen);
    cache->lastSrcLen = msg->msg_namelen;
    cache->srcValue = strings[0];
  }

  unsigned char dst[16];
  int dstFamily = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(msg), c)) {
    const unsigned char* data = CMSG_DATA(c);
    if (c->cmsg_level == IPPROTO_IP) {
      if (c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        memcpy(&info, data, sizeof info);
        row[kMetaIfindex] = info.ipi_ifindex;
        // ipi_addr is the destination address of the IP header (ip(7)).
        memcpy(dst, &info.ipi_addr, 4);
        dstFamily = AF_INET;
      } else if (c->cmsg_type == IP_TTL) {
        int ttl = 0;
        memcpy(&ttl, data, sizeof ttl);
        row[kMetaTtl] = ttl;
      } else if (c->cmsg_type == IP_TOS) {
        row[kMetaTos] = data[0];  // a single byte, unlike the other integers
      }
    } else if (c->cmsg_level == IPPROTO_IPV6) {
      if (c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        memcpy(&info, data, sizeof info);
        row[kMetaIfindex] = static_cast<int32_t>(info.ipi6_ifindex);
        memcpy(dst, &info.ipi6_addr, 16);
        dstFamily = AF_INET6;
      } else if (c->cmsg_type == IPV6_HOPLIMIT) {
        int hops = 0;
        memcpy(&hops, data, sizeof hops);
        row[kMetaTtl] = hops;
      } else if (c->cmsg_type == IPV6_TCLASS) {
        int tclass = 0;
        memcpy(&tclass, data, sizeof tclass);
        row[kMetaTos] = tclass;
      }
    }
  }

  if (dstFamily == 0) {
    napi_get_undefined(env, &strings[1]);
  } else {
    row[kMetaFlags] |= kFlagHasDst;
    bool multicast = dstFamily == AF_INET ? (dst[0] & 0xf0) == 0xe0 : dst[0] == 0xff;
    if (multicast) row[kMetaFlags] |= kFlagDstMulticast;
    size_t n = dstFamily == AF_INET ? 4 : 16;
    if (cache->dstValue != nullptr && cache->lastDstFamily == dstFamily && memcmp(cache->lastDst, dst, n) == 0) {
      strings[1] = cache->dstValue;
    } else {
      char text[INET6_ADDRSTRLEN];
      if (dstFamily == AF_INET && s->domain == AF_INET6) {
        // An IPv4 datagram on a dual-stack socket: report the mapped form, as
        // the source address is reported.
        in6_addr mapped;
        memset(&mapped, 0, sizeof mapped);
        mapped.s6_addr[10] = 0xff;
        mapped.s6_addr[11] = 0xff;
        memcpy(&mapped.s6_addr[12], dst, 4);
        inet_ntop(AF_INET6, &mapped, text, sizeof text);
      } else {
        inet_ntop(dstFamily, dst, text, sizeof text);
      }
      napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &strings[1]);
      memcpy(cache->lastDst, dst, n);
      cache->lastDstFamily = dstFamily;
      cache->dstValue = strings[1];
    }
  }

  int ifindex = row[kMetaIfindex];
  if (ifindex <= 0) {
    napi_get_undefined(env, &strings[2]);
  } else if (cache->ifValue != nullptr && cache->lastIf == ifindex) {
    strings[2] = cache->ifValue;
  } else {
    char name[IF_NAMESIZE];
    if (IfNameByIndex(s, ifindex, name)) {
      napi_create_string_latin1(env, name, NAPI_AUTO_LENGTH, &strings[2]);
    } else {
      napi_get_undefined(env, &strings[2]);
    }
    cache->lastIf = ifindex;
    cache->ifValue = strings[2];
  }
}

static bool InetArgs(napi_env env, napi_value addr, napi_value port, char* text, size_t size, uint32_t* p) {
  napi_valuetype t;
  napi_typeof(env, addr, &t);
  if (t == napi_undefined || t == napi_null) {
    text[0] = '\0';
  } else if (!GetString(env, addr, text, size)) {
    ThrowType(env, "address must be a string");
    return false;
  }
  if (!GetUint32(env, port, p) || *p > 65535) {
    napi_throw_range_error(env, "ERR_SOCKET_BAD_PORT", "port must be 0..65535");
    return false;
  }
  return true;
}

// bindInet(address?, port)
napi_value InetBind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  char text[128];
  uint32_t port = 0;
  if (argc < 2 || !InetArgs(env, argv[0], argv[1], text, sizeof text, &port)) return nullptr;
  sockaddr_storage ss;
  socklen_t len = 0;
  int e = ParseInetAddress(s, text, static_cast<uint16_t>(port), &ss, &len);
  if (e != 0) {
    ThrowErrno(env, e, "bind", text[0] ? text : "*", static_cast<int>(port));
    return nullptr;
  }
  if (bind(s->fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    ThrowErrno(env, errno, "bind", text[0] ? text : "*", static_cast<int>(port));
    return nullptr;
  }
  return Undefined(env);
}

// Builds the PKTINFO control message that picks the source address and/or
// the outgoing interface for one datagram (ip(7) IP_PKTINFO: ipi_spec_dst is
// the source; RFC 3542 §6.1 ipi6_addr / ipi6_ifindex).
static int BuildPktinfo(Socket* s, const char* source, int32_t ifindex, char* ctrl, size_t* ctrlLen) {
  *ctrlLen = 0;
  if ((source == nullptr || source[0] == '\0') && ifindex <= 0) return 0;
  sockaddr_storage ss;
  socklen_t len = 0;
  if (source != nullptr && source[0] != '\0') {
    int e = ParseInetAddress(s, source, 0, &ss, &len);
    if (e != 0) return e;
  } else {
    memset(&ss, 0, sizeof ss);
  }
  cmsghdr* c = reinterpret_cast<cmsghdr*>(ctrl);
  if (s->domain == AF_INET) {
    in_pktinfo info;
    memset(&info, 0, sizeof info);
    info.ipi_ifindex = ifindex > 0 ? ifindex : 0;
    info.ipi_spec_dst = reinterpret_cast<sockaddr_in*>(&ss)->sin_addr;
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    memcpy(CMSG_DATA(c), &info, sizeof info);
    *ctrlLen = CMSG_SPACE(sizeof info);
  } else {
    in6_pktinfo info;
    memset(&info, 0, sizeof info);
    sockaddr_in6* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    info.ipi6_addr = sin6->sin6_addr;
    info.ipi6_ifindex = ifindex > 0 ? static_cast<unsigned>(ifindex) : sin6->sin6_scope_id;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    memcpy(CMSG_DATA(c), &info, sizeof info);
    *ctrlLen = CMSG_SPACE(sizeof info);
  }
  return 0;
}

// sendInet(bytes, address, port, source?, ifindex?) -> bytes sent
napi_value InetSend(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  void* data = nullptr;
  size_t size = 0;
  char text[128];
  uint32_t port = 0;
  if (argc < 3 || !GetBytes(env, argv[0], &data, &size)) {
    ThrowType(env, "sendInet(Uint8Array, address, port[, source, ifindex])");
    return nullptr;
  }
  if (!InetArgs(env, argv[1], argv[2], text, sizeof text, &port)) return nullptr;
  char source[128] = "";
  int32_t ifindex = 0;
  if (argc >= 4) {
    napi_valuetype t;
    napi_typeof(env, argv[3], &t);
    if (t == napi_string && !GetString(env, argv[3], source, sizeof source)) {
      ThrowType(env, "source must be an address string");
      return nullptr;
    }
  }
  if (argc >= 5) GetInt32(env, argv[4], &ifindex);
  sockaddr_storage ss;
  socklen_t len = 0;
  int e = ParseInetAddress(s, text, static_cast<uint16_t>(port), &ss, &len);
  if (e != 0) {
    ThrowErrno(env, e, "sendmsg", text[0] ? text : "*", static_cast<int>(port));
    return nullptr;
  }
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(in6_pktinfo))];
  size_t ctrlLen = 0;
  e = BuildPktinfo(s, source, ifindex, ctrl, &ctrlLen);
  if (e != 0) {
    ThrowErrno(env, e, "sendmsg", source);
    return nullptr;
  }
  iovec iov = {data, size};
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &ss;
  msg.msg_namelen = len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrlLen > 0 ? ctrl : nullptr;
  msg.msg_controllen = ctrlLen;
  ssize_t n;
  do {
    n = sendmsg(s->fd, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    ThrowErrno(env, errno, "sendmsg", text[0] ? text : "*", static_cast<int>(port));
    return nullptr;
  }
  return Int(env, n);
}

// sendManyInet(bytes[], address, port) -> datagrams sent (0 when the send
// buffer is full). One sendmmsg(2) for a whole burst keeps the JS/C boundary
// coarse.
napi_value InetSendMany(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  bool isArray = false;
  char text[128];
  uint32_t port = 0;
  if (argc < 3 || napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray) {
    ThrowType(env, "sendManyInet(Uint8Array[], address, port)");
    return nullptr;
  }
  if (!InetArgs(env, argv[1], argv[2], text, sizeof text, &port)) return nullptr;
  sockaddr_storage ss;
  socklen_t len = 0;
  int e = ParseInetAddress(s, text, static_cast<uint16_t>(port), &ss, &len);
  if (e != 0) {
    ThrowErrno(env, e, "sendmmsg", text[0] ? text : "*", static_cast<int>(port));
    return nullptr;
  }
  uint32_t count = 0;
  napi_get_array_length(env, argv[0], &count);
  if (count > 1024) count = 1024;
  mmsghdr msgs[1024];
  iovec iovs[1024];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item = nullptr;
    napi_get_element(env, argv[0], i, &item);
    void* data = nullptr;
    size_t size = 0;
    if (!GetBytes(env, item, &data, &size)) {
      ThrowType(env, "sendManyInet: every element must be a Uint8Array");
      return nullptr;
    }
    iovs[i] = {data, size};
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = &ss;
    msgs[i].msg_hdr.msg_namelen = len;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do {
    n = count == 0 ? 0 : sendmmsg(s->fd, msgs, count, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Int(env, 0);
    ThrowErrno(env, errno, "sendmmsg", text[0] ? text : "*", static_cast<int>(port));
    return nullptr;
  }
  return Int(env, n);
}

// membership(join, group, ifindex): IP_ADD/DROP_MEMBERSHIP with ip_mreqn so
// the interface is chosen by index (ip(7)); IPV6_JOIN/LEAVE_GROUP with
// ipv6_mreq (RFC 3493 §5.2).
napi_value InetMembership(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  bool join = true;
  char group[128];
  int32_t ifindex = 0;
  if (argc < 3 || !GetBool(env, argv[0], &join) || !GetString(env, argv[1], group, sizeof group) ||
      !GetInt32(env, argv[2], &ifindex)) {
    ThrowType(env, "membership(join, group, ifindex)");
    return nullptr;
  }
  const char* syscall = join ? "addMembership" : "dropMembership";
  int rc;
  if (s->domain == AF_INET) {
    ip_mreqn m;
    memset(&m, 0, sizeof m);
    if (inet_pton(AF_INET, group, &m.imr_multiaddr) != 1) {
      ThrowErrno(env, EINVAL, syscall, group);
      return nullptr;
    }
    m.imr_ifindex = ifindex;
    rc = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof m);
  } else {
    ipv6_mreq m;
    memset(&m, 0, sizeof m);
    if (inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr) != 1) {
      ThrowErrno(env, EINVAL, syscall, group);
      return nullptr;
    }
    m.ipv6mr_interface = static_cast<unsigned>(ifindex);
    rc = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m, sizeof m);
  }
  if (rc != 0) {
    ThrowErrno(env, errno, syscall, group);
    return nullptr;
  }
  return Undefined(env);
}

// multicastInterface(ifindex): IP_MULTICAST_IF takes an ip_mreqn with the
// index on Linux (ip(7)); IPV6_MULTICAST_IF takes the index itself.
napi_value InetMulticastInterface(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  int32_t ifindex = 0;
  if (argc < 1 || !GetInt32(env, argv[0], &ifindex)) {
    ThrowType(env, "multicastInterface(ifindex)");
    return nullptr;
  }
  int rc;
  if (s->domain == AF_INET) {
    ip_mreqn m;
    memset(&m, 0, sizeof m);
    m.imr_ifindex = ifindex;
    rc = setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m);
  } else {
    int v = ifindex;
    rc = setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v);
  }
  if (rc != 0) {
    ThrowErrno(env, errno, "setsockopt");
    return nullptr;
  }
  return Undefined(env);
}

napi_value InetLocalAddress(napi_env env, napi_callback_info info) {
  Socket* s = Unwrap(env, info, nullptr, nullptr);
  if (s == nullptr) return nullptr;
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(s->fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ThrowErrno(env, errno, "getsockname");
    return nullptr;
  }
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  FormatAddress(s, reinterpret_cast<sockaddr*>(&ss), text, sizeof text);
  napi_value out = nullptr;
  napi_value v = nullptr;
  DGX_CALL(env, napi_create_object(env, &out));
  napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &v);
  SetNamed(env, out, "address", v);
  SetNamed(env, out, "port", Int(env, PortOf(&ss)));
  SetNamed(env, out, "family", Int(env, ss.ss_family == AF_INET6 ? 6 : 4));
  return out;
}

}  // namespace dgx
