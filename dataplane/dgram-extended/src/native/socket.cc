// The Socket class: descriptor lifecycle (optionally created inside another
// network namespace), event-driven receive on the libuv loop with recvmmsg
// batches, and generic socket options. Family-specific methods live in
// inet.cc and netlink.cc.
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common.h"

namespace dgx {

// ---------------------------------------------------------------- helpers

napi_value Undefined(napi_env env) {
  napi_value v = nullptr;
  napi_get_undefined(env, &v);
  return v;
}

napi_value Int(napi_env env, int64_t v) {
  napi_value out = nullptr;
  napi_create_int64(env, v, &out);
  return out;
}

void SetNamed(napi_env env, napi_value obj, const char* key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

bool GetInt32(napi_env env, napi_value v, int32_t* out) { return napi_get_value_int32(env, v, out) == napi_ok; }

bool GetUint32(napi_env env, napi_value v, uint32_t* out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

bool GetBool(napi_env env, napi_value v, bool* out) { return napi_get_value_bool(env, v, out) == napi_ok; }

bool GetString(napi_env env, napi_value v, char* buf, size_t size) {
  size_t needed = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &needed) != napi_ok) return false;
  if (needed + 1 > size) return false;
  size_t copied = 0;
  return napi_get_value_string_utf8(env, v, buf, size, &copied) == napi_ok;
}

bool GetBytes(napi_env env, napi_value v, void** data, size_t* len) {
  bool isTyped = false;
  if (napi_is_typedarray(env, v, &isTyped) != napi_ok || !isTyped) return false;
  napi_typedarray_type type;
  napi_value arrayBuffer = nullptr;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, len, data, &arrayBuffer, &offset) != napi_ok) return false;
  return type == napi_uint8_array;
}

Socket* Unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv, bool needOpen) {
  napi_value self = nullptr;
  size_t none = 0;
  if (napi_get_cb_info(env, info, argc != nullptr ? argc : &none, argv, &self, nullptr) != napi_ok) return nullptr;
  void* raw = nullptr;
  if (napi_unwrap(env, self, &raw) != napi_ok || raw == nullptr) {
    napi_throw_type_error(env, "ERR_INVALID_THIS", "not a dgram-extended socket");
    return nullptr;
  }
  Socket* s = static_cast<Socket*>(raw);
  if (needOpen && s->fd < 0) {
    napi_throw_error(env, "ERR_SOCKET_CLOSED", "socket is closed");
    return nullptr;
  }
  return s;
}

int IfIndexByName(int fd, const char* name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(name) >= IF_NAMESIZE) return -ENODEV;
  strncpy(ifr.ifr_name, name, IF_NAMESIZE - 1);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) return -errno;
  return ifr.ifr_ifindex;
}

bool IfNameByIndex(Socket* s, int index, char out[IF_NAMESIZE]) {
  uint64_t now = uv_now(s->envData->loop);
  for (IfCacheEntry& e : s->ifCache) {
    if (e.index == index && now - e.stamp < kIfCacheMillis) {
      memcpy(out, e.name, IF_NAMESIZE);
      return true;
    }
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_ifindex = index;
  if (ioctl(s->fd, SIOCGIFNAME, &ifr) != 0) return false;
  IfCacheEntry& slot = s->ifCache[s->ifCacheNext];
  s->ifCacheNext = (s->ifCacheNext + 1) % kIfCacheSize;
  slot.index = index;
  slot.stamp = now;
  memcpy(slot.name, ifr.ifr_name, IF_NAMESIZE);
  slot.name[IF_NAMESIZE - 1] = '\0';
  memcpy(out, slot.name, IF_NAMESIZE);
  return true;
}

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

static void StopPolling(Socket* s) {
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

// ---------------------------------------------------------------- receive

static void EnsureSlab(EnvData* d, uint32_t rows, uint32_t slot) {
  size_t need = static_cast<size_t>(rows) * slot;
  if (rows <= d->rows && need <= d->slabSize && d->slabSize / d->rows >= slot) return;
  size_t newRows = rows > d->rows ? rows : d->rows;
  size_t oldSlot = d->rows > 0 ? d->slabSize / d->rows : 0;
  size_t newSlot = slot > oldSlot ? slot : oldSlot;
  free(d->slab);
  free(d->msgs);
  free(d->iovs);
  free(d->names);
  free(d->ctrl);
  d->slab = static_cast<char*>(malloc(newRows * newSlot));
  d->msgs = static_cast<mmsghdr*>(calloc(newRows, sizeof(mmsghdr)));
  d->iovs = static_cast<iovec*>(calloc(newRows, sizeof(iovec)));
  d->names = static_cast<sockaddr_storage*>(calloc(newRows, sizeof(sockaddr_storage)));
  d->ctrl = static_cast<char*>(calloc(newRows, kCtrlSize));
  if (!d->slab || !d->msgs || !d->iovs || !d->names || !d->ctrl) {
    napi_fatal_error("dgram-extended", NAPI_AUTO_LENGTH, "out of memory for the receive slab", NAPI_AUTO_LENGTH);
  }
  d->rows = newRows;
  d->slabSize = newRows * newSlot;
}

// Calls the socket's JS callback with `argc` arguments. The TypeScript layer
// catches everything its listeners throw; an exception that still escapes is
// cleared and counted rather than allowed to take the process down.
static void CallJs(Socket* s, size_t argc, napi_value* argv) {
  napi_env env = s->env;
  napi_value fn = nullptr;
  napi_value self = nullptr;
  if (s->callback == nullptr || napi_get_reference_value(env, s->callback, &fn) != napi_ok || fn == nullptr) return;
  if (napi_get_reference_value(env, s->wrapperRef, &self) != napi_ok || self == nullptr) return;
  napi_value result = nullptr;
  napi_status st = napi_make_callback(env, s->asyncCtx, self, fn, argc, argv, &result);
  if (st != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored = nullptr;
      napi_get_and_clear_last_exception(env, &ignored);
      s->envData->swallowed += 1;
    }
  }
}

static void EmitError(Socket* s, int err, const char* syscall) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[1] = {ErrnoError(env, err, syscall)};
  if (argv[0] != nullptr) CallJs(s, 1, argv);
  napi_close_handle_scope(env, scope);
}

static void DeliverBatch(Socket* s, unsigned n, uint64_t rxTime) {
  EnvData* d = s->envData;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  size_t total = 0;
  for (unsigned i = 0; i < n; i++) total += d->msgs[i].msg_len;
  void* data = nullptr;
  napi_value buffer = nullptr;
  napi_value strings = nullptr;
  if (napi_create_buffer(env, total, &data, &buffer) != napi_ok) {
    napi_close_handle_scope(env, scope);
    return;
  }
  if (s->kind == Kind::kInet) napi_create_array_with_length(env, static_cast<size_t>(n) * 3, &strings);
  StringCache cache;
  size_t offset = 0;
  char* out = static_cast<char*>(data);
  for (unsigned i = 0; i < n; i++) {
    const msghdr* msg = &d->msgs[i].msg_hdr;
    size_t len = d->msgs[i].msg_len;
    memcpy(out + offset, msg->msg_iov[0].iov_base, len);
    int32_t* row = s->meta + static_cast<size_t>(i) * kMetaStride;
    row[kMetaOffset] = static_cast<int32_t>(offset);
    row[kMetaLength] = static_cast<int32_t>(len);
    int flags = 0;
    if (msg->msg_flags & MSG_TRUNC) flags |= kFlagTruncated;
    if (msg->msg_flags & MSG_CTRUNC) flags |= kFlagCtrlTruncated;
    row[kMetaFlags] = flags;
    offset += len;
    if (s->kind == Kind::kInet) {
      napi_value three[3];
      DecodeInetMessage(s, msg, row, three, &cache);
      for (int k = 0; k < 3; k++) napi_set_element(env, strings, i * 3 + k, three[k]);
    } else {
      DecodeNetlinkMessage(msg, row);
    }
  }
  napi_value argv[5];
  napi_get_null(env, &argv[0]);
  napi_create_uint32(env, n, &argv[1]);
  argv[2] = buffer;
  if (strings == nullptr) napi_get_undefined(env, &strings);
  argv[3] = strings;
  napi_create_bigint_uint64(env, rxTime, &argv[4]);
  CallJs(s, 5, argv);
  napi_close_handle_scope(env, scope);
}

// One readable event: drain up to maxPerEvent datagrams in recvmmsg batches of
// batchSize, one JS call per batch. The bound keeps one busy socket from
// starving the loop: the poll is level-triggered, so what is left is read on
// the next loop iteration, after timers and other sockets have had a turn.
static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  Socket* s = static_cast<Socket*>(handle->data);
  if (s->fd < 0 || !s->polling) return;
  if (status < 0) {
    EmitError(s, -status, "uv_poll");
    return;
  }
  EnvData* d = s->envData;
  unsigned done = 0;
  while (done < s->maxPerEvent && s->fd >= 0 && s->polling && s->meta != nullptr) {
    unsigned want = s->batchSize;
    if (want > s->maxPerEvent - done) want = s->maxPerEvent - done;
    if (want > s->metaRows) want = static_cast<unsigned>(s->metaRows);
    size_t slot = d->slabSize / d->rows;
    for (unsigned i = 0; i < want; i++) {
      d->iovs[i].iov_base = d->slab + i * slot;
      d->iovs[i].iov_len = s->slotSize;
      msghdr* m = &d->msgs[i].msg_hdr;
      m->msg_name = &d->names[i];
      m->msg_namelen = sizeof(sockaddr_storage);
      m->msg_iov = &d->iovs[i];
      m->msg_iovlen = 1;
      m->msg_control = d->ctrl + i * kCtrlSize;
      m->msg_controllen = kCtrlSize;
      m->msg_flags = 0;
      d->msgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, d->msgs, want, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      // ENOBUFS on netlink (the kernel dropped notifications), or a pending
      // socket error: report it and keep the socket open.
      EmitError(s, e, "recvmmsg");
      break;
    }
    if (n == 0) break;
    DeliverBatch(s, static_cast<unsigned>(n), uv_hrtime());
    done += static_cast<unsigned>(n);
    if (static_cast<unsigned>(n) < want) break;
  }
}

// start(callback, meta: Int32Array, batchSize, maxPerEvent, slotSize)
static napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  uint32_t batch = 0, perEvent = 0, slot = 0;
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  if (argc < 5 || t != napi_function || !GetUint32(env, argv[2], &batch) || !GetUint32(env, argv[3], &perEvent) ||
      !GetUint32(env, argv[4], &slot) || batch == 0 || batch > 1024 || perEvent == 0 || slot == 0 ||
      slot > 256 * 1024) {
    ThrowType(env, "start(callback, meta, batchSize 1..1024, maxPerEvent >= 1, slotSize 1..262144)");
    return nullptr;
  }
  bool isTyped = false;
  napi_is_typedarray(env, argv[1], &isTyped);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab = nullptr;
  size_t off = 0;
  if (!isTyped || napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &off) != napi_ok ||
      type != napi_int32_array || length < static_cast<size_t>(batch) * kMetaStride) {
    ThrowType(env, "meta must be an Int32Array of batchSize * stride elements");
    return nullptr;
  }
  StopPolling(s);
  EnsureSlab(s->envData, batch, slot);
  s->batchSize = batch;
  s->maxPerEvent = perEvent;
  s->slotSize = slot;
  DGX_CALL(env, napi_create_reference(env, argv[0], 1, &s->callback));
  DGX_CALL(env, napi_create_reference(env, argv[1], 1, &s->metaRef));
  s->meta = static_cast<int32_t*>(data);
  s->metaRows = length / kMetaStride;
  napi_value self = nullptr;
  napi_value name = nullptr;
  DGX_CALL(env, napi_get_reference_value(env, s->wrapperRef, &self));
  DGX_CALL(env, napi_create_string_utf8(env, "DgramExtendedSocket", NAPI_AUTO_LENGTH, &name));
  DGX_CALL(env, napi_async_init(env, self, name, &s->asyncCtx));
  int rc = uv_poll_start(&s->poll, UV_READABLE, OnPoll);
  if (rc != 0) {
    StopPolling(s);
    ThrowErrno(env, -rc, "uv_poll_start");
    return nullptr;
  }
  s->polling = true;
  // While events can arrive the JS object must stay alive, like node:dgram's
  // handle; the strong count is dropped by stop() and close().
  uint32_t count = 0;
  napi_reference_ref(env, s->wrapperRef, &count);
  s->strong = true;
  if (s->refed) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&s->poll));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(&s->poll));
  }
  return Undefined(env);
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

// ---------------------------------------------------------------- options

static napi_value SetInt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  int32_t level = 0, name = 0, value = 0;
  if (argc < 3 || !GetInt32(env, argv[0], &level) || !GetInt32(env, argv[1], &name) ||
      !GetInt32(env, argv[2], &value)) {
    ThrowType(env, "setInt(level, name, value) expects integers");
    return nullptr;
  }
  int v = value;
  if (setsockopt(s->fd, level, name, &v, sizeof v) != 0) {
    ThrowErrno(env, errno, "setsockopt");
    return nullptr;
  }
  return Undefined(env);
}

static napi_value GetInt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  int32_t level = 0, name = 0;
  if (argc < 2 || !GetInt32(env, argv[0], &level) || !GetInt32(env, argv[1], &name)) {
    ThrowType(env, "getInt(level, name) expects integers");
    return nullptr;
  }
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(s->fd, level, name, &v, &len) != 0) {
    ThrowErrno(env, errno, "getsockopt");
    return nullptr;
  }
  // Some options (IP_TOS, IP_TTL on old kernels) may answer with one byte.
  if (len == 1) v = *reinterpret_cast<unsigned char*>(&v);
  return Int(env, v);
}

static napi_value SetBytes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  int32_t level = 0, name = 0;
  void* data = nullptr;
  size_t len = 0;
  if (argc < 3 || !GetInt32(env, argv[0], &level) || !GetInt32(env, argv[1], &name) ||
      !GetBytes(env, argv[2], &data, &len)) {
    ThrowType(env, "setBytes(level, name, Uint8Array)");
    return nullptr;
  }
  if (setsockopt(s->fd, level, name, data, static_cast<socklen_t>(len)) != 0) {
    ThrowErrno(env, errno, "setsockopt");
    return nullptr;
  }
  return Undefined(env);
}

static napi_value IfIndex(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  char name[IF_NAMESIZE + 1];
  if (argc < 1 || !GetString(env, argv[0], name, sizeof name)) {
    ThrowErrno(env, ENODEV, "if_nametoindex");
    return nullptr;
  }
  int index = IfIndexByName(s->fd, name);
  if (index < 0) {
    ThrowErrno(env, -index, "if_nametoindex", name);
    return nullptr;
  }
  return Int(env, index);
}

static napi_value IfName(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket* s = Unwrap(env, info, &argc, argv);
  if (s == nullptr) return nullptr;
  int32_t index = 0;
  char name[IF_NAMESIZE];
  if (argc < 1 || !GetInt32(env, argv[0], &index) || !IfNameByIndex(s, index, name)) {
    ThrowErrno(env, ENXIO, "if_indextoname");
    return nullptr;
  }
  napi_value out = nullptr;
  DGX_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out));
  return out;
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
      {"start", nullptr, Start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stop", nullptr, Stop, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setRef", nullptr, SetRef, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fd", nullptr, Fd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setInt", nullptr, SetInt, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getInt", nullptr, GetInt, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setBytes", nullptr, SetBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ifIndex", nullptr, IfIndex, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ifName", nullptr, IfName, nullptr, nullptr, nullptr, napi_default, nullptr},
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
  return exports;
}

}  // namespace dgx

NAPI_MODULE(NODE_GYP_MODULE_NAME, dgx::Init)
