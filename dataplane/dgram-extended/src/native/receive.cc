// Event-driven receive: uv_poll on the descriptor, recvmmsg batches bounded
// per readable event, one JS call per batch (buffer + shared metadata rows +
// address strings).
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common.h"

namespace dgx {

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
napi_value SocketStart(napi_env env, napi_callback_info info) {
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

}  // namespace dgx
