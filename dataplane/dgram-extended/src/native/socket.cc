// The Socket class: descriptor lifecycle (optionally created inside another
// network namespace), closing, ref/unref, and module initialisation. Receive
// lives in receive.cc, generic options in options.cc, family-specific methods
// in inet.cc and netlink.cc.
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common.h"
#include "probe.h"

namespace dgx {

// ---------------------------------------------------------------- lifecycle

static void MaybeFreeEnv(EnvData* d);

static void FreeSocketIfDone(Socket* s) {
  if (s->wrapperAlive || s->pollOpen) return;
  EnvData* d = s->envData;
  d->live -= 1;
  delete s;
  MaybeFreeEnv(d);
}

static void OnPollClosed(uv_handle_t* handle) {
  Socket* s = static_cast<Socket*>(handle->data);
  s->pollOpen = false;
  FreeSocketIfDone(s);
}

void StopPolling(Socket* s) {
  if (s->polling) {
    uv_poll_stop(&s->poll);
    s->polling = false;
  }
  napi_env env = s->env;
  if (s->callback != nullptr) napi_delete_reference(env, s->callback);
  if (s->metaRef != nullptr) napi_delete_reference(env, s->metaRef);
  if (s->asyncCtx != nullptr) napi_async_destroy(env, s->asyncCtx);
  s->callback = nullptr;
  s->metaRef = nullptr;
  s->asyncCtx = nullptr;
  s->meta = nullptr;
  s->metaRows = 0;
  if (s->strong && s->wrapperRef != nullptr) {
    uint32_t count = 0;
    napi_reference_unref(env, s->wrapperRef, &count);
  }
  s->strong = false;
}

static void CloseSocket(Socket* s) {
  if (s->fd < 0) return;
  StopPolling(s);
  if (s->pollOpen) uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), OnPollClosed);
  close(s->fd);
  s->fd = -1;
  EnvData* d = s->envData;
  d->open -= 1;
  if (s->prev != nullptr) s->prev->next = s->next;
  if (s->next != nullptr) s->next->prev = s->prev;
  if (d->head == s) d->head = s->next;
  s->prev = s->next = nullptr;
}

static void Finalize(napi_env env, void* data, void* /*hint*/) {
  Socket* s = static_cast<Socket*>(data);
  CloseSocket(s);
  if (s->wrapperRef != nullptr) napi_delete_reference(env, s->wrapperRef);
  s->wrapperRef = nullptr;
  s->wrapperAlive = false;
  FreeSocketIfDone(s);
}

// Opens the descriptor, inside the namespace `netns` (a path such as
// /run/netns/NAME) when given. setns(2) with CLONE_NEWNET changes only the
// calling thread, and Linux allows it in a multithreaded process, so we switch
// the JS thread in, create the socket and switch back before returning: the
// socket stays in the namespace it was created in for its whole life
// (network-namespaces(7)). Needs CAP_SYS_ADMIN in the target namespace.
static int OpenSocket(int domain, int type, int protocol, const char* netns, const char** syscall) {
  const int flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
  if (netns == nullptr) {
    int fd = socket(domain, type | flags, protocol);
    if (fd < 0) {
      *syscall = "socket";
      return -errno;
    }
    return fd;
  }
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    *syscall = "open";
    return -errno;
  }
  int target = open(netns, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int e = errno;
    close(self);
    *syscall = "open";
    return -e;
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    int e = errno;
    close(self);
    close(target);
    *syscall = "setns";
    return -e;
  }
  int fd = socket(domain, type | flags, protocol);
  int socketErrno = errno;
  if (setns(self, CLONE_NEWNET) != 0) {
    // The JS thread would silently keep working in the wrong namespace;
    // nothing sane can continue from there.
    napi_fatal_error("dgram-extended", NAPI_AUTO_LENGTH, "cannot restore the thread's network namespace",
                     NAPI_AUTO_LENGTH);
  }
  close(self);
  close(target);
  if (fd < 0) {
    *syscall = "socket";
    return -socketErrno;
  }
  return fd;
}

static napi_value Construct(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_value self = nullptr;
  EnvData* d = nullptr;
  DGX_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, reinterpret_cast<void**>(&d)));
  int32_t domain = 0, type = 0, protocol = 0;
  if (argc < 3 || !GetInt32(env, argv[0], &domain) || !GetInt32(env, argv[1], &type) ||
      !GetInt32(env, argv[2], &protocol)) {
    ThrowType(env, "Socket(domain, type, protocol[, netnsPath]) expects integers");
    return nullptr;
  }
  char netns[4096];
  const char* netnsPath = nullptr;
  if (argc >= 4) {
    napi_valuetype t;
    napi_typeof(env, argv[3], &t);
    if (t == napi_string) {
      if (!GetString(env, argv[3], netns, sizeof netns)) {
        ThrowType(env, "netns path too long");
        return nullptr;
      }
      netnsPath = netns;
    } else if (t != napi_undefined && t != napi_null) {
      ThrowType(env, "netns path must be a string");
      return nullptr;
    }
  }
  const char* syscall = "socket";
  int fd = OpenSocket(domain, type, protocol, netnsPath, &syscall);
  if (fd < 0) {
    ThrowErrno(env, -fd, syscall, netnsPath);
    return nullptr;
  }
  Socket* s = new Socket();
  s->envData = d;
  s->env = env;
  s->fd = fd;
  s->domain = domain;
  s->type = type;
  s->protocol = protocol;
  s->kind = domain == AF_NETLINK ? Kind::kNetlink : Kind::kInet;
  s->poll.data = s;
  int rc = uv_poll_init(d->loop, &s->poll, fd);
  if (rc != 0) {
    close(fd);
    delete s;
    ThrowErrno(env, -rc, "uv_poll_init");
    return nullptr;
  }
  s->pollOpen = true;
  d->live += 1;
  d->open += 1;
  s->next = d->head;
  if (d->head != nullptr) d->head->prev = s;
  d->head = s;
  if (napi_wrap(env, self, s, Finalize, nullptr, &s->wrapperRef) != napi_ok) {
    s->wrapperAlive = false;
    CloseSocket(s);
    napi_throw_error(env, "ERR_DGRAM_EXT_NAPI", "napi_wrap failed");
    return nullptr;
  }
  return self;
}

static napi_value Stop(napi_env env, napi_callback_info info) {
  Socket* s = Unwrap(env, info, nullptr, nullptr, false);
  if (s == nullptr) return nullptr;
  StopPolling(s);
  return Undefined(env);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  Socket* s = Unwrap(env, info, nullptr, nullptr, false);
  if (s == nullptr) return nullptr;
  CloseSocket(s);
  return Undefined(env);
}

static napi_value SetRef(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket* s = Unwrap(env, info, &argc, argv, false);
  if (s == nullptr) return nullptr;
  bool on = true;
  if (argc < 1 || !GetBool(env, argv[0], &on)) {
    ThrowType(env, "setRef(boolean)");
    return nullptr;
  }
  s->refed = on;
  if (s->pollOpen && s->fd >= 0) {
    if (on) {
      uv_ref(reinterpret_cast<uv_handle_t*>(&s->poll));
    } else {
      uv_unref(reinterpret_cast<uv_handle_t*>(&s->poll));
    }
  }
  return Undefined(env);
}

static napi_value Fd(napi_env env, napi_callback_info info) {
  Socket* s = Unwrap(env, info, nullptr, nullptr, false);
  if (s == nullptr) return nullptr;
  return Int(env, s->fd);
}

// ---------------------------------------------------------------- module

static void MaybeFreeEnv(EnvData* d) {
  if (d->loop != nullptr || d->live > 0) return;  // loop == nullptr marks a finalized environment
  free(d->slab);
  free(d->msgs);
  free(d->iovs);
  free(d->names);
  free(d->ctrl);
  delete d;
}

static void EnvCleanup(void* arg) {
  EnvData* d = static_cast<EnvData*>(arg);
  while (d->head != nullptr) CloseSocket(d->head);
  CleanupProbes(d);
}

static void EnvFinalize(napi_env /*env*/, void* data, void* /*hint*/) {
  EnvData* d = static_cast<EnvData*>(data);
  d->loop = nullptr;
  MaybeFreeEnv(d);
}

static napi_value Stats(napi_env env, napi_callback_info info) {
  EnvData* d = nullptr;
  size_t argc = 0;
  DGX_CALL(env, napi_get_cb_info(env, info, &argc, nullptr, nullptr, reinterpret_cast<void**>(&d)));
  napi_value out = nullptr;
  DGX_CALL(env, napi_create_object(env, &out));
  SetNamed(env, out, "live", Int(env, d->live));
  SetNamed(env, out, "open", Int(env, d->open));
  SetNamed(env, out, "swallowed", Int(env, d->swallowed));
  return out;
}

static void AddConstants(napi_env env, napi_value exports) {
  napi_value c = nullptr;
  napi_create_object(env, &c);
#define DGX_CONST(name) SetNamed(env, c, #name, Int(env, name))
  DGX_CONST(AF_INET);
  DGX_CONST(AF_INET6);
  DGX_CONST(AF_NETLINK);
  DGX_CONST(SOCK_DGRAM);
  DGX_CONST(SOCK_RAW);
  DGX_CONST(IPPROTO_IP);
  DGX_CONST(IPPROTO_IPV6);
  DGX_CONST(IPPROTO_UDP);
  DGX_CONST(IPPROTO_ICMP);
  DGX_CONST(IPPROTO_ICMPV6);
  DGX_CONST(SOL_SOCKET);
  DGX_CONST(SO_REUSEADDR);
  DGX_CONST(SO_REUSEPORT);
  DGX_CONST(SO_BINDTODEVICE);
  DGX_CONST(SO_RCVBUF);
  DGX_CONST(SO_SNDBUF);
  DGX_CONST(SO_RCVBUFFORCE);
  DGX_CONST(SO_BROADCAST);
  DGX_CONST(IP_TTL);
  DGX_CONST(IP_TOS);
  DGX_CONST(IP_RECVTTL);
  DGX_CONST(IP_RECVTOS);
  DGX_CONST(IP_PKTINFO);
  DGX_CONST(IP_MULTICAST_TTL);
  DGX_CONST(IP_MULTICAST_LOOP);
  DGX_CONST(IP_MULTICAST_ALL);
  DGX_CONST(IP_MINTTL);
  DGX_CONST(IPV6_V6ONLY);
  DGX_CONST(IPV6_UNICAST_HOPS);
  DGX_CONST(IPV6_MULTICAST_HOPS);
  DGX_CONST(IPV6_MULTICAST_LOOP);
  DGX_CONST(IPV6_RECVPKTINFO);
  DGX_CONST(IPV6_RECVHOPLIMIT);
  DGX_CONST(IPV6_TCLASS);
  DGX_CONST(IPV6_RECVTCLASS);
  DGX_CONST(IPV6_MINHOPCOUNT);
  DGX_CONST(IPV6_MULTICAST_ALL);
  DGX_CONST(SOL_NETLINK);
  DGX_CONST(NETLINK_ROUTE);
  DGX_CONST(NETLINK_ADD_MEMBERSHIP);
  DGX_CONST(NETLINK_DROP_MEMBERSHIP);
  DGX_CONST(NETLINK_EXT_ACK);
  DGX_CONST(NETLINK_GET_STRICT_CHK);
  DGX_CONST(NETLINK_NO_ENOBUFS);
#undef DGX_CONST
  // Raw ICMP type filters: ICMP_FILTER at SOL_RAW (raw(7), <linux/icmp.h>)
  // and ICMP6_FILTER at IPPROTO_ICMPV6 (RFC 3542 §3.2, <netinet/icmp6.h>);
  // both are option number 1.
  SetNamed(env, c, "SOL_RAW", Int(env, SOL_RAW));
  SetNamed(env, c, "ICMP_FILTER", Int(env, 1));
  SetNamed(env, c, "ICMP6_FILTER", Int(env, 1));
  SetNamed(env, c, "META_STRIDE", Int(env, kMetaStride));
  SetNamed(env, exports, "constants", c);
}

static napi_value Init(napi_env env, napi_value exports) {
  EnvData* d = new EnvData();
  DGX_CALL(env, napi_get_uv_event_loop(env, &d->loop));
  DGX_CALL(env, napi_set_instance_data(env, d, EnvFinalize, nullptr));
  DGX_CALL(env, napi_add_env_cleanup_hook(env, EnvCleanup, d));
  napi_property_descriptor methods[] = {
      {"start", nullptr, SocketStart, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stop", nullptr, Stop, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setRef", nullptr, SetRef, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fd", nullptr, Fd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setInt", nullptr, SocketSetInt, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getInt", nullptr, SocketGetInt, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setBytes", nullptr, SocketSetBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ifIndex", nullptr, SocketIfIndex, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ifName", nullptr, SocketIfName, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bindInet", nullptr, InetBind, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sendInet", nullptr, InetSend, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sendManyInet", nullptr, InetSendMany, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"membership", nullptr, InetMembership, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"multicastInterface", nullptr, InetMulticastInterface, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"localInet", nullptr, InetLocalAddress, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bindNetlink", nullptr, NetlinkBind, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sendNetlink", nullptr, NetlinkSend, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"localNetlink", nullptr, NetlinkLocalAddress, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value ctor = nullptr;
  DGX_CALL(env, napi_define_class(env, "Socket", NAPI_AUTO_LENGTH, Construct, d,
                                  sizeof methods / sizeof methods[0], methods, &ctor));
  SetNamed(env, exports, "Socket", ctor);
  napi_value stats = nullptr;
  DGX_CALL(env, napi_create_function(env, "stats", NAPI_AUTO_LENGTH, Stats, d, &stats));
  SetNamed(env, exports, "stats", stats);
  AddConstants(env, exports);
  if (!InitProbes(env, exports, d)) {
    napi_throw_error(env, "ERR_DGRAM_EXT_NAPI", "stream-probe initialisation failed");
    return nullptr;
  }
  return exports;
}

}  // namespace dgx

NAPI_MODULE(NODE_GYP_MODULE_NAME, dgx::Init)
