// The stream-probe engine: one short TCP exchange per probe — connect,
// optionally write a request, optionally read the answer — run in C++ so a
// health check costs no net.Socket, stream, EventEmitter or callback objects
// (bench/health: that machinery was ~30 µs of a 62 µs probe at 5,000
// probes/s).
//
// Design:
// - One private epoll set per environment, itself watched by one uv_poll, and
//   one uv_timer for every deadline. A probe is a plain record: descriptor,
//   state, deadline-list links. Per probe the system calls are socket,
//   [bind], connect, epoll_ctl ADD, [send, epoll_ctl MOD, read], [setsockopt
//   SO_LINGER], close — no libuv handle per probe (uv_poll_init would add an
//   ioctl and a close callback per probe).
// - Completions are rows in an Int32Array shared with JS, the bytes read in
//   one shared slab; each poll phase (and each timer expiry) makes a single
//   call into JS with the row count, so the C++ -> JS entry (and the
//   microtask checkpoint after it) is paid once per batch, not per probe.
// - Deadlines: probes with the same timeout expire in start order, so each
//   distinct timeout has a FIFO list and the timer only needs the earliest
//   list head. Re-arming is lazy: a probe that finishes early leaves the timer
//   as it is; the timer then wakes once, finds nothing due, and re-arms for
//   the new earliest head (about one wake-up per timeout period).
// - Before the timer expires a probe it looks at its socket (one poll(2),
//   timeout 0, over the due probes only): libuv runs due timers before it
//   polls for I/O, so after a long turn (a starved process, a long JS
//   callback) a probe whose handshake completed or whose answer arrived
//   during that turn would otherwise be reported as a timeout. Ready ones
//   complete as if epoll had reported them (CatchUpDue).
// - epoll data carries the probe id, not a pointer: a descriptor duplicated
//   into a forked child (before its exec closes it) keeps its registration
//   after our close(), so a late event must not reach freed memory; an id
//   that no longer maps to a live probe is ignored.
// - Records are freed only outside batch processing (a "graveyard" reaped at
//   the end of each uv callback), because JS may finish a probe from inside a
//   batch whose epoll events still name it.
// - Closing follows dataplane/probes/attempt.ts: after a completed handshake
//   with nothing to send (a layer-4 check) we close with a reset
//   (SO_LINGER 0), as HAProxy does, so the checker keeps no TIME_WAIT socket
//   per probe; after writing bytes we will not read, gracefully, so they are
//   delivered; JS chooses for probes that read (finish(id, reset)).
#include "probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "common.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // <linux/in.h>, Linux 4.2
#endif

namespace dgx {

namespace {

// Bytes held back while waiting for the `until` pattern, and read from one
// probe in one readable event; the slab keeps room for both at every safe
// point (see EnsureRoom), so no flush ever happens in the middle of a probe.
constexpr size_t kMaxHold = 64 * 1024;
constexpr size_t kReadBudget = 64 * 1024;
constexpr size_t kSlabReserve = kMaxHold + kReadBudget;
constexpr int kEpollBatch = 256;
// Probe ids: slot in the low 20 bits, an 11-bit generation above it, so an
// id is a positive int32 and a stale id does not name a reused slot.
constexpr uint32_t kSlotBits = 20;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
constexpr uint32_t kGenMask = 0x7ff;
constexpr uint64_t kEventFdTag = UINT64_MAX;

// An immutable target: address, optional source, request bytes and read
// rules. Shared by every probe started on it (refcounted: the JS wrapper
// holds one reference, each probe in flight another).
struct ProbeSpec {
  sockaddr_storage dst{};
  socklen_t dstLen = 0;
  sockaddr_storage src{};
  socklen_t srcLen = 0;  // 0: let the kernel choose
  int family = 0;
  char* send = nullptr;
  size_t sendLen = 0;
  char* until = nullptr;
  size_t untilLen = 0;
  size_t holdLimit = kMaxHold;
  bool read = false;
  int refs = 1;
  uint32_t handle = 0;  // index in gSpecs while the JS wrapper lives
};

enum class State : uint8_t { kConnecting, kWriting, kReading, kDeferred, kDone };

struct Probe {
  ProbeSpec* spec = nullptr;
  int32_t id = 0;
  int fd = -1;
  State state = State::kConnecting;
  bool holding = false;
  bool onDeferred = false;
  bool listed = false;  // in a deadline list
  uint16_t list = 0;
  uint64_t deadline = 0;
  Probe* tprev = nullptr;  // deadline list
  Probe* tnext = nullptr;
  Probe* link = nullptr;   // deferred list, then graveyard
  size_t sent = 0;
  char* held = nullptr;
  size_t heldLen = 0;
  size_t heldCap = 0;
  int err = 0;  // for a deferred failure
  int phase = kPhaseNone;
};

struct TimeoutList {
  uint32_t ms = 0;
  Probe* head = nullptr;
  Probe* tail = nullptr;
};

}  // namespace

struct ProbeEngine {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  int epfd = -1;
  int evfd = -1;
  uv_poll_t poll;
  uv_timer_t timer;
  int handlesOpen = 0;
  bool refed = false;
  bool timerArmed = false;
  uint64_t timerDue = 0;

  napi_ref callback = nullptr;
  napi_ref rowsRef = nullptr;
  napi_ref slabRef = nullptr;
  napi_async_context asyncCtx = nullptr;
  int32_t* rows = nullptr;
  size_t rowCap = 0;
  size_t rowCount = 0;
  char* slab = nullptr;
  size_t slabCap = 0;
  size_t slabUsed = 0;

  std::vector<Probe*> slots;
  std::vector<uint16_t> gens;
  std::vector<uint32_t> freeSlots;
  std::vector<TimeoutList> lists;
  Probe* deferredHead = nullptr;
  Probe* deferredTail = nullptr;
  Probe* graveyard = nullptr;
  int busy = 0;
  std::vector<Probe*> due;  // OnTimer's scratch list (CatchUpDue), kept for its capacity

  int64_t inFlight = 0;
  int64_t open = 0;
  int64_t records = 0;
  double started = 0;
  int64_t swallowed = 0;
};

namespace {

int64_t gTargets = 0;  // ProbeSpec records alive (all environments)

// Targets by handle, so probeStart takes a number: napi_unwrap (a private
// property lookup on the wrapper) was ~3 % of the checker's samples at 5,000
// probes/s (bench/health round 6). A slot is filled while its JS wrapper
// lives; the wrapper's finalizer empties it. Shared by all environments
// (worker threads), hence the lock.
std::mutex gSpecsLock;
std::vector<ProbeSpec*> gSpecs;
std::vector<uint32_t> gFreeSpecs;

uint32_t ListSpec(ProbeSpec* s) {
  std::lock_guard<std::mutex> hold(gSpecsLock);
  uint32_t h;
  if (!gFreeSpecs.empty()) {
    h = gFreeSpecs.back();
    gFreeSpecs.pop_back();
    gSpecs[h] = s;
  } else {
    h = static_cast<uint32_t>(gSpecs.size());
    gSpecs.push_back(s);
  }
  return h;
}

void UnlistSpec(ProbeSpec* s) {
  std::lock_guard<std::mutex> hold(gSpecsLock);
  gSpecs[s->handle] = nullptr;
  gFreeSpecs.push_back(s->handle);
}

ProbeSpec* SpecOf(uint32_t handle) {
  std::lock_guard<std::mutex> hold(gSpecsLock);
  return handle < gSpecs.size() ? gSpecs[handle] : nullptr;
}

void ReleaseSpec(ProbeSpec* s) {
  if (--s->refs > 0) return;
  free(s->send);
  free(s->until);
  delete s;
  gTargets -= 1;
}

// ---------------------------------------------------------------- rows

// Makes room for one more row and a full read: called only at safe points,
// where no probe is half-handled, because JS may run inside the flush.
void Flush(ProbeEngine* e);

void EnsureRoom(ProbeEngine* e) {
  if (e->rowCount + 1 > e->rowCap || e->slabCap - e->slabUsed < kSlabReserve) Flush(e);
}

void EmitRow(ProbeEngine* e, const Probe* p, int event, int err, int phase, size_t offset, size_t length) {
  int32_t* row = e->rows + e->rowCount * kProbeRowStride;
  row[kRowId] = p->id;
  row[kRowEvent] = event;
  row[kRowErrno] = err;
  row[kRowPhase] = phase;
  row[kRowOffset] = static_cast<int32_t>(offset);
  row[kRowLength] = static_cast<int32_t>(length);
  e->rowCount += 1;
}

void Flush(ProbeEngine* e) {
  if (e->rowCount == 0) return;
  napi_env env = e->env;
  size_t count = e->rowCount;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn = nullptr;
  napi_value recv = nullptr;
  napi_value argv[1];
  napi_get_reference_value(env, e->callback, &fn);
  napi_get_global(env, &recv);  // napi_make_callback needs an object receiver
  napi_create_uint32(env, static_cast<uint32_t>(count), &argv[0]);
  // The rows are consumed by the call; reset first so that nothing JS does
  // during it (starting or finishing probes) can see or extend this batch.
  e->rowCount = 0;
  e->slabUsed = 0;
  if (fn != nullptr) {
    napi_value result = nullptr;
    if (napi_make_callback(env, e->asyncCtx, recv, fn, 1, argv, &result) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value ignored = nullptr;
        napi_get_and_clear_last_exception(env, &ignored);
        e->swallowed += 1;
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

// ---------------------------------------------------------------- records

void Unlist(ProbeEngine* e, Probe* p) {
  if (!p->listed) return;
  p->listed = false;
  TimeoutList& l = e->lists[p->list];
  if (p->tprev != nullptr) p->tprev->tnext = p->tnext;
  else l.head = p->tnext;
  if (p->tnext != nullptr) p->tnext->tprev = p->tprev;
  else l.tail = p->tprev;
  p->tprev = p->tnext = nullptr;
}

void CloseFd(ProbeEngine* e, Probe* p, bool reset) {
  if (p->fd < 0) return;
  if (reset) {
    // SO_LINGER with a zero timeout: close() sends RST and frees the
    // connection at once (socket(7)), no TIME_WAIT on our side.
    linger l{1, 0};
    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(p->fd);  // also leaves the epoll set (epoll(7)), so no EPOLL_CTL_DEL
  p->fd = -1;
  e->open -= 1;
}

// Ends a probe (already reported, or cancelled): close, unlink, bury.
void Retire(ProbeEngine* e, Probe* p, bool reset) {
  if (p->state == State::kDone) return;
  Unlist(e, p);
  CloseFd(e, p, reset);
  p->state = State::kDone;
  e->inFlight -= 1;
  free(p->held);
  p->held = nullptr;
  p->heldLen = p->heldCap = 0;
  if (!p->onDeferred) {
    p->link = e->graveyard;
    e->graveyard = p;
  }
}

void Reap(ProbeEngine* e) {
  if (e->busy > 0) return;
  while (e->graveyard != nullptr) {
    Probe* p = e->graveyard;
    e->graveyard = p->link;
    uint32_t slot = static_cast<uint32_t>(p->id) & kSlotMask;
    e->slots[slot] = nullptr;
    e->gens[slot] = static_cast<uint16_t>((e->gens[slot] + 1) & kGenMask);
    e->freeSlots.push_back(slot);
    ReleaseSpec(p->spec);
    delete p;
    e->records -= 1;
  }
}

Probe* Lookup(ProbeEngine* e, int64_t id) {
  if (id < 0 || id > INT32_MAX) return nullptr;
  uint32_t slot = static_cast<uint32_t>(id) & kSlotMask;
  if (slot >= e->slots.size()) return nullptr;
  Probe* p = e->slots[slot];
  return p != nullptr && p->id == static_cast<int32_t>(id) ? p : nullptr;
}

void UpdateRef(ProbeEngine* e) {
  // Probes in flight keep the process alive, as a connecting net.Socket does.
  bool want = e->inFlight > 0;
  if (want == e->refed) return;
  e->refed = want;
  if (want) uv_ref(reinterpret_cast<uv_handle_t*>(&e->poll));
  else uv_unref(reinterpret_cast<uv_handle_t*>(&e->poll));
}

void OnTimer(uv_timer_t* t);

void ArmTimer(ProbeEngine* e) {
  bool any = false;
  uint64_t due = 0;
  for (const TimeoutList& l : e->lists) {
    if (l.head != nullptr && (!any || l.head->deadline < due)) {
      due = l.head->deadline;
      any = true;
    }
  }
  if (!any) {
    if (e->timerArmed) uv_timer_stop(&e->timer);
    e->timerArmed = false;
    return;
  }
  if (e->timerArmed && e->timerDue == due) return;
  uint64_t now = uv_now(e->loop);
  uv_timer_start(&e->timer, OnTimer, due > now ? due - now : 0, 0);
  e->timerArmed = true;
  e->timerDue = due;
}

// After a uv callback: free what was finished, re-arm, adjust the loop ref.
void Settle(ProbeEngine* e) {
  Reap(e);
  if (e->inFlight == 0 || !e->timerArmed) ArmTimer(e);
  UpdateRef(e);
}

// ---------------------------------------------------------------- I/O

void Fail(ProbeEngine* e, Probe* p, int err, int phase, size_t offset = 0, size_t length = 0) {
  EmitRow(e, p, kEvError, err, phase, offset, length);
  Retire(e, p, false);
}

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

// Held bytes (waiting for `until`) move to the slab at `*end`; room was
// reserved by EnsureRoom.
void ReleaseHeld(ProbeEngine* e, Probe* p, size_t* end) {
  if (p->heldLen > 0) {
    memcpy(e->slab + *end, p->held, p->heldLen);
    *end += p->heldLen;
  }
  free(p->held);
  p->held = nullptr;
  p->heldLen = p->heldCap = 0;
  p->holding = false;
}

void StartReading(ProbeEngine* e, Probe* p) {
  p->state = State::kReading;
  p->holding = p->spec->untilLen > 0;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = static_cast<uint64_t>(p->id);
  if (epoll_ctl(e->epfd, EPOLL_CTL_MOD, p->fd, &ev) != 0) Fail(e, p, errno, kPhaseRead);
}

// Reads what is available (up to the budget). Bytes go straight to the slab,
// or to the probe's hold buffer while `until` has not been seen; one row
// reports them (kEvData), with the end of stream (kEvEnd) or an error.
void ReadSome(ProbeEngine* e, Probe* p) {
  const ProbeSpec* s = p->spec;
  size_t start = e->slabUsed;
  size_t end = start;
  size_t budget = kReadBudget;
  int outcome = 0;  // 0: more later, kEvEnd, kEvError
  int err = 0;
  while (budget > 0) {
    char* dst;
    size_t want;
    if (p->holding) {
      if (p->heldCap == 0) {
        p->heldCap = s->holdLimit < 4096 ? s->holdLimit : 4096;
        p->held = static_cast<char*>(malloc(p->heldCap));
        if (p->held == nullptr) {
          outcome = kEvError;
          err = ENOMEM;
          break;
        }
      } else if (p->heldLen == p->heldCap) {
        size_t cap = p->heldCap * 2 > s->holdLimit ? s->holdLimit : p->heldCap * 2;
        char* grown = static_cast<char*>(realloc(p->held, cap));
        if (grown == nullptr) {
          outcome = kEvError;
          err = ENOMEM;
          break;
        }
        p->held = grown;
        p->heldCap = cap;
      }
      dst = p->held + p->heldLen;
      want = p->heldCap - p->heldLen;
    } else {
      dst = e->slab + end;
      want = budget;
    }
    if (want > budget) want = budget;
    ssize_t n = read(p->fd, dst, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      outcome = kEvError;
      err = errno;
      break;
    }
    if (n == 0) {
      outcome = kEvEnd;
      break;
    }
    size_t got = static_cast<size_t>(n);
    budget -= got;
    if (p->holding) {
      size_t old = p->heldLen;
      p->heldLen += got;
      size_t from = old >= s->untilLen ? old - s->untilLen + 1 : 0;
      bool seen = memmem(p->held + from, p->heldLen - from, s->until, s->untilLen) != nullptr;
      if (seen || p->heldLen >= s->holdLimit) ReleaseHeld(e, p, &end);
    } else {
      end += got;
    }
    // A short read drained the socket; level-triggered epoll reports the rest.
    if (got < want) break;
  }
  if (outcome != 0 && p->holding) ReleaseHeld(e, p, &end);
  e->slabUsed = end;
  size_t length = end - start;
  if (outcome == kEvEnd) {
    EmitRow(e, p, kEvEnd, 0, kPhaseNone, start, length);
    Retire(e, p, false);
  } else if (outcome == kEvError) {
    Fail(e, p, err, kPhaseRead, start, length);
  } else if (length > 0) {
    EmitRow(e, p, kEvData, 0, kPhaseNone, start, length);
  }
}

void WriteSome(ProbeEngine* e, Probe* p) {
  const ProbeSpec* s = p->spec;
  while (p->sent < s->sendLen) {
    ssize_t n = send(p->fd, s->send + p->sent, s->sendLen - p->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // EPOLLOUT again later
      Fail(e, p, errno, kPhaseWrite);
      return;
    }
    p->sent += static_cast<size_t>(n);
  }
  if (s->read) {
    StartReading(e, p);
  } else {
    // Our bytes may still be unacknowledged: a graceful close delivers them.
    EmitRow(e, p, kEvSent, 0, kPhaseNone, 0, 0);
    Retire(e, p, false);
  }
}

void HandleIo(ProbeEngine* e, Probe* p, uint32_t events) {
  switch (p->state) {
    case State::kConnecting: {
      if (events & (EPOLLERR | EPOLLHUP)) {
        int err = SocketError(p->fd);
        if (err != 0 || !(events & EPOLLOUT)) {
          Fail(e, p, err != 0 ? err : ECONNRESET, kPhaseConnect);
          return;
        }
      } else if (!(events & EPOLLOUT)) {
        return;
      }
      // Writable without an error flag: the handshake completed. (A failed
      // connect always raises EPOLLERR, so SO_ERROR is read only then.)
      if (p->spec->sendLen > 0) {
        p->state = State::kWriting;
        WriteSome(e, p);
      } else if (p->spec->read) {
        StartReading(e, p);
      } else {
        EmitRow(e, p, kEvConnected, 0, kPhaseNone, 0, 0);
        Retire(e, p, true);
      }
      return;
    }
    case State::kWriting:
      if (events & EPOLLERR) {
        int err = SocketError(p->fd);
        Fail(e, p, err != 0 ? err : EPIPE, kPhaseWrite);
        return;
      }
      WriteSome(e, p);
      return;
    case State::kReading:
      ReadSome(e, p);
      return;
    case State::kDeferred:
    case State::kDone:
      return;
  }
}

void DrainDeferred(ProbeEngine* e) {
  uint64_t count = 0;
  ssize_t ignored = read(e->evfd, &count, sizeof count);
  (void)ignored;
  while (e->deferredHead != nullptr) {
    Probe* p = e->deferredHead;
    if (p->state == State::kDeferred) EnsureRoom(e);
    e->deferredHead = p->link;
    if (e->deferredHead == nullptr) e->deferredTail = nullptr;
    p->onDeferred = false;
    if (p->state == State::kDeferred) {
      EmitRow(e, p, kEvError, p->err, p->phase, 0, 0);
      Retire(e, p, false);
    } else {
      p->link = e->graveyard;  // finished by JS while waiting
      e->graveyard = p;
    }
  }
}

void OnEpoll(uv_poll_t* handle, int status, int /*events*/) {
  ProbeEngine* e = static_cast<ProbeEngine*>(handle->data);
  if (status < 0) return;
  e->busy += 1;
  epoll_event evs[kEpollBatch];
  int n;
  do {
    n = epoll_wait(e->epfd, evs, kEpollBatch, 0);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u64 == kEventFdTag) {
        DrainDeferred(e);
        continue;
      }
      Probe* p = Lookup(e, static_cast<int64_t>(evs[i].data.u64));
      if (p == nullptr || p->fd < 0) continue;
      EnsureRoom(e);
      if (p->fd < 0) continue;  // finished by JS during that flush
      HandleIo(e, p, evs[i].events);
    }
  } while (n == kEpollBatch);
  Flush(e);
  e->busy -= 1;
  Settle(e);
}

// What a probe waits for, as poll(2) events (POLLERR and POLLHUP always come).
short PollWanted(const Probe* p) {
  switch (p->state) {
    case State::kConnecting:
    case State::kWriting:
      return POLLOUT;
    case State::kReading:
      return POLLIN | POLLRDHUP;
    case State::kDeferred:
    case State::kDone:
      break;
  }
  return 0;
}

uint32_t EpollEvents(short revents) {
  uint32_t ev = 0;
  if (revents & POLLIN) ev |= EPOLLIN;
  if (revents & POLLOUT) ev |= EPOLLOUT;
  if (revents & POLLERR) ev |= EPOLLERR;
  if (revents & POLLHUP) ev |= EPOLLHUP;
  if (revents & POLLRDHUP) ev |= EPOLLRDHUP;
  return ev;
}

// The last look before a timeout. libuv runs due timers before it polls for
// I/O (timers, pending, idle/prepare, poll, check), so after a long turn the
// timer finds probes whose deadline passed during the turn although their
// socket became ready in it: a handshake the kernel completed, an answer
// already queued. Their epoll events would only be read in the poll phase
// after this callback, too late. So the probes due at `now` (a prefix of each
// FIFO list: the cost is the due probes, not the probes in flight) are polled
// with a zero timeout, kEpollBatch at a time, and the ready ones go through
// HandleIo as if epoll had reported them. A probe that moves on (connected,
// then writes or starts reading) is looked at again: the next step may be
// ready too (a greeting queued behind the handshake). Whatever is still
// listed and due afterwards times out. Called with e->busy held, so no record
// is freed under us; JS may finish probes during an EnsureRoom flush.
void CatchUpDue(ProbeEngine* e, uint64_t now) {
  std::vector<Probe*>& due = e->due;
  due.clear();
  for (const TimeoutList& l : e->lists) {
    for (Probe* p = l.head; p != nullptr && p->deadline <= now; p = p->tnext) due.push_back(p);
  }
  pollfd fds[kEpollBatch];
  for (size_t base = 0; base < due.size(); base += kEpollBatch) {
    size_t n = due.size() - base < static_cast<size_t>(kEpollBatch) ? due.size() - base : kEpollBatch;
    for (size_t i = 0; i < n; i++) {
      const Probe* p = due[base + i];
      // poll(2) skips negative descriptors (a probe JS finished meanwhile).
      fds[i].fd = p->state == State::kDone ? -1 : p->fd;
      fds[i].events = PollWanted(p);
      fds[i].revents = 0;
    }
    if (poll(fds, static_cast<nfds_t>(n), 0) <= 0) continue;
    for (size_t i = 0; i < n; i++) {
      Probe* p = due[base + i];
      short revents = fds[i].revents;
      // At most one step per state: connect, write, read.
      for (int step = 0; step < 3 && (revents & ~POLLNVAL) != 0; step++) {
        EnsureRoom(e);
        if (p->state == State::kDone || p->fd < 0) break;  // finished by JS during that flush
        State before = p->state;
        HandleIo(e, p, EpollEvents(revents));
        if (p->state == before || p->state == State::kDone || p->fd < 0) break;
        pollfd again{p->fd, PollWanted(p), 0};
        if (poll(&again, 1, 0) <= 0) break;
        revents = again.revents;
      }
    }
  }
  due.clear();
}

void OnTimer(uv_timer_t* t) {
  ProbeEngine* e = static_cast<ProbeEngine*>(t->data);
  e->timerArmed = false;
  e->busy += 1;
  uint64_t now = uv_now(e->loop);
  CatchUpDue(e, now);
  for (size_t i = 0; i < e->lists.size(); i++) {
    for (;;) {
      Probe* p = e->lists[i].head;
      if (p == nullptr || p->deadline > now) break;
      EnsureRoom(e);
      if (e->lists[i].head != p) continue;  // JS finished it during the flush
      EmitRow(e, p, kEvTimeout, 0, kPhaseNone, 0, 0);
      Retire(e, p, false);
    }
  }
  Flush(e);
  e->busy -= 1;
  Reap(e);
  ArmTimer(e);
  UpdateRef(e);
}

// ---------------------------------------------------------------- start

uint16_t ListFor(ProbeEngine* e, uint32_t ms) {
  for (size_t i = 0; i < e->lists.size(); i++) {
    if (e->lists[i].ms == ms) return static_cast<uint16_t>(i);
  }
  for (size_t i = 0; i < e->lists.size(); i++) {
    if (e->lists[i].head == nullptr) {
      e->lists[i].ms = ms;
      return static_cast<uint16_t>(i);
    }
  }
  TimeoutList l;
  l.ms = ms;
  e->lists.push_back(l);
  return static_cast<uint16_t>(e->lists.size() - 1);
}

// Opens, binds and connects; returns 0 (in progress) or an errno with the phase.
int Open(ProbeEngine* e, Probe* p, int* phase) {
  const ProbeSpec* s = p->spec;
  int fd = socket(s->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *phase = kPhaseSocket;
    return errno;
  }
  p->fd = fd;
  e->open += 1;
  if (s->srcLen > 0) {
    // Choose the port at connect(), not bind(): with a fixed source address
    // the ephemeral port is then picked per destination (4-tuple), so
    // thousands of probes do not exhaust the range (ip(7)).
    int one = 1;
    if (s->family == AF_INET) setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&s->src), s->srcLen) != 0) {
      *phase = kPhaseBind;
      return errno;
    }
  }
  if (s->sendLen > 0 || !s->read) {
    // Delayed-ACK ("ping-pong") mode before connect: the last ACK of the
    // handshake is not sent at once (tcp(7) TCP_QUICKACK). With a request to
    // send it rides on the request's first segment; for a connect-only check
    // our reset follows the SYN-ACK before any ACK, so the server's kernel
    // drops a half-open request and never creates, queues and accepts a
    // connection only to see it reset (HAProxy's layer-4 checks behave the
    // same way). Not for read-only probes (a banner check): the server would
    // wait for the delayed ACK before it accepts and speaks.
    int zero = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero);
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&s->dst), s->dstLen) != 0 && errno != EINPROGRESS) {
    *phase = kPhaseConnect;
    return errno;
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u64 = static_cast<uint64_t>(p->id);
  if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    *phase = kPhaseConnect;
    return errno;
  }
  return 0;
}

ProbeEngine* EngineOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  EnvData* d = nullptr;
  if (napi_get_cb_info(env, info, argc, argv, nullptr, reinterpret_cast<void**>(&d)) != napi_ok) return nullptr;
  if (d->probes == nullptr) {
    napi_throw_error(env, "ERR_PROBE_ENGINE", "probeInit() must be called first");
    return nullptr;
  }
  return d->probes;
}

// probeStart(target: ProbeTarget.handle, timeoutMs: uint32) -> id. The
// caller keeps the ProbeTarget alive during the call (its handle is reused
// once the wrapper is collected). Network failures are never thrown: a
// failure of socket/bind/connect is reported as an error row on the next
// poll phase, like any other outcome.
napi_value ProbeStart(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  ProbeEngine* e = EngineOf(env, info, &argc, argv);
  if (e == nullptr) return nullptr;
  uint32_t handle = 0;
  uint32_t ms = 0;
  ProbeSpec* spec = nullptr;
  if (argc < 2 || !GetUint32(env, argv[0], &handle) || (spec = SpecOf(handle)) == nullptr ||
      !GetUint32(env, argv[1], &ms)) {
    ThrowType(env, "probeStart(target: ProbeTarget handle, timeoutMs: uint32)");
    return nullptr;
  }
  uint32_t slot;
  if (!e->freeSlots.empty()) {
    slot = e->freeSlots.back();
    e->freeSlots.pop_back();
  } else {
    if (e->slots.size() > kSlotMask) {
      ThrowErrno(env, EMFILE, "probeStart");
      return nullptr;
    }
    slot = static_cast<uint32_t>(e->slots.size());
    e->slots.push_back(nullptr);
    e->gens.push_back(0);
  }
  Probe* p = new Probe();
  p->spec = spec;
  p->spec->refs += 1;
  p->id = static_cast<int32_t>((static_cast<uint32_t>(e->gens[slot]) << kSlotBits) | slot);
  e->slots[slot] = p;
  e->records += 1;
  e->inFlight += 1;
  e->started += 1;
  int phase = kPhaseNone;
  int err = Open(e, p, &phase);
  if (err != 0) {
    CloseFd(e, p, false);
    p->state = State::kDeferred;
    p->err = err;
    p->phase = phase;
    p->onDeferred = true;
    if (e->deferredTail != nullptr) e->deferredTail->link = p;
    else e->deferredHead = p;
    e->deferredTail = p;
    uint64_t one = 1;
    ssize_t ignored = write(e->evfd, &one, sizeof one);
    (void)ignored;
  } else {
    p->list = ListFor(e, ms);
    TimeoutList& l = e->lists[p->list];
    // The loop's cached time dates from before the current callback: a probe
    // started late in a long turn (a starved process, a run-queue round that
    // starts thousands of probes) would time out early by that much. Refresh it
    // (one vDSO clock read) so the deadline counts from now.
    uv_update_time(e->loop);
    p->deadline = uv_now(e->loop) + ms;
    p->tprev = l.tail;
    if (l.tail != nullptr) l.tail->tnext = p;
    else l.head = p;
    l.tail = p;
    p->listed = true;
    if (!e->timerArmed || p->deadline < e->timerDue) ArmTimer(e);
  }
  UpdateRef(e);
  napi_value out = nullptr;
  napi_create_int32(env, p->id, &out);
  return out;
}

// probeFinish(id, reset: boolean) -> boolean: closes a probe that is still
// open (after a data row, or to cancel it) without reporting anything more.
napi_value ProbeFinish(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  ProbeEngine* e = EngineOf(env, info, &argc, argv);
  if (e == nullptr) return nullptr;
  int64_t id = -1;
  bool reset = false;
  if (argc < 2 || napi_get_value_int64(env, argv[0], &id) != napi_ok || !GetBool(env, argv[1], &reset)) {
    ThrowType(env, "probeFinish(id: number, reset: boolean)");
    return nullptr;
  }
  Probe* p = Lookup(e, id);
  bool open = p != nullptr && p->state != State::kDone;
  if (open) {
    Retire(e, p, reset);
    Settle(e);
  }
  napi_value out = nullptr;
  napi_get_boolean(env, open, &out);
  return out;
}

// probeInit(callback(count), rows: Int32Array, slab: Uint8Array)
napi_value ProbeInit(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  EnvData* d = nullptr;
  DGX_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, reinterpret_cast<void**>(&d)));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  napi_typedarray_type rowType;
  size_t rowLen = 0;
  void* rowData = nullptr;
  void* slabData = nullptr;
  size_t slabLen = 0;
  bool isTyped = false;
  if (argc >= 2) napi_is_typedarray(env, argv[1], &isTyped);
  if (argc < 3 || t != napi_function || !isTyped ||
      napi_get_typedarray_info(env, argv[1], &rowType, &rowLen, &rowData, nullptr, nullptr) != napi_ok ||
      rowType != napi_int32_array || rowLen < static_cast<size_t>(kProbeRowStride) * 16 ||
      !GetBytes(env, argv[2], &slabData, &slabLen) || slabLen < 2 * kSlabReserve) {
    ThrowType(env, "probeInit(callback, rows: Int32Array >= 16 rows, slab: Uint8Array >= 256 KiB)");
    return nullptr;
  }
  ProbeEngine* e = d->probes;
  if (e == nullptr) {
    e = new ProbeEngine();
    e->env = env;
    e->loop = d->loop;
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    e->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kEventFdTag;
    if (e->epfd < 0 || e->evfd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->evfd, &ev) != 0 ||
        uv_poll_init(e->loop, &e->poll, e->epfd) != 0) {
      int err = errno;
      if (e->epfd >= 0) close(e->epfd);
      if (e->evfd >= 0) close(e->evfd);
      delete e;
      ThrowErrno(env, err, "epoll_create1");
      return nullptr;
    }
    e->poll.data = e;
    uv_timer_init(e->loop, &e->timer);
    e->timer.data = e;
    e->handlesOpen = 2;
    uv_poll_start(&e->poll, UV_READABLE, OnEpoll);
    uv_unref(reinterpret_cast<uv_handle_t*>(&e->poll));
    // The timer never holds the loop by itself: the poll handle is ref'd
    // while probes are in flight, and only then is the timer armed.
    uv_unref(reinterpret_cast<uv_handle_t*>(&e->timer));
    napi_value resource = nullptr;
    napi_value name = nullptr;
    DGX_CALL(env, napi_create_object(env, &resource));
    DGX_CALL(env, napi_create_string_utf8(env, "DgramExtendedStreamProbe", NAPI_AUTO_LENGTH, &name));
    DGX_CALL(env, napi_async_init(env, resource, name, &e->asyncCtx));
    d->probes = e;
  } else {
    napi_delete_reference(env, e->callback);
    napi_delete_reference(env, e->rowsRef);
    napi_delete_reference(env, e->slabRef);
  }
  DGX_CALL(env, napi_create_reference(env, argv[0], 1, &e->callback));
  DGX_CALL(env, napi_create_reference(env, argv[1], 1, &e->rowsRef));
  DGX_CALL(env, napi_create_reference(env, argv[2], 1, &e->slabRef));
  e->rows = static_cast<int32_t*>(rowData);
  e->rowCap = rowLen / kProbeRowStride;
  e->slab = static_cast<char*>(slabData);
  e->slabCap = slabLen;
  return Undefined(env);
}

napi_value ProbeStats(napi_env env, napi_callback_info info) {
  EnvData* d = nullptr;
  size_t argc = 0;
  DGX_CALL(env, napi_get_cb_info(env, info, &argc, nullptr, nullptr, reinterpret_cast<void**>(&d)));
  ProbeEngine* e = d->probes;
  napi_value out = nullptr;
  DGX_CALL(env, napi_create_object(env, &out));
  SetNamed(env, out, "inFlight", Int(env, e == nullptr ? 0 : e->inFlight));
  SetNamed(env, out, "open", Int(env, e == nullptr ? 0 : e->open));
  SetNamed(env, out, "records", Int(env, e == nullptr ? 0 : e->records));
  SetNamed(env, out, "targets", Int(env, gTargets));
  SetNamed(env, out, "swallowed", Int(env, e == nullptr ? 0 : e->swallowed));
  napi_value started = nullptr;
  napi_create_double(env, e == nullptr ? 0 : e->started, &started);
  SetNamed(env, out, "started", started);
  return out;
}

// ---------------------------------------------------------------- targets

// "addr" or "addr%scope" (IPv6 scope as an interface name or number).
int ParseAddress(const char* text, uint16_t port, sockaddr_storage* out, socklen_t* len) {
  memset(out, 0, sizeof *out);
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (strlen(text) >= sizeof host) return EINVAL;
  strcpy(host, text);
  sockaddr_in* sin = reinterpret_cast<sockaddr_in*>(out);
  if (strchr(host, '%') == nullptr && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    *len = sizeof *sin;
    return 0;
  }
  sockaddr_in6* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  char* percent = strchr(host, '%');
  if (percent != nullptr) {
    *percent = '\0';
    const char* scope = percent + 1;
    char* endp = nullptr;
    unsigned long n = strtoul(scope, &endp, 10);
    if (scope[0] != '\0' && endp != nullptr && *endp == '\0') {
      sin6->sin6_scope_id = static_cast<uint32_t>(n);
    } else {
      unsigned idx = if_nametoindex(scope);
      if (idx == 0) return ENODEV;
      sin6->sin6_scope_id = idx;
    }
  }
  if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) return EINVAL;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  *len = sizeof *sin6;
  return 0;
}

bool CopyBytes(napi_env env, napi_value v, char** out, size_t* len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return true;
  void* data = nullptr;
  if (!GetBytes(env, v, &data, len)) return false;
  if (*len == 0) return true;
  *out = static_cast<char*>(malloc(*len));
  if (*out == nullptr) return false;
  memcpy(*out, data, *len);
  return true;
}

void FinalizeTarget(napi_env /*env*/, void* data, void* /*hint*/) {
  ProbeSpec* s = static_cast<ProbeSpec*>(data);
  UnlistSpec(s);
  ReleaseSpec(s);
}

// new ProbeTarget(address, port, source?, send?, read, until?, holdLimit)
napi_value ConstructTarget(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_value self = nullptr;
  DGX_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  char source[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  uint32_t port = 0;
  uint32_t holdLimit = 0;
  bool read = false;
  napi_valuetype srcType = napi_undefined;
  if (argc == 7) napi_typeof(env, argv[2], &srcType);
  if (argc < 7 || !GetString(env, argv[0], address, sizeof address) || !GetUint32(env, argv[1], &port) ||
      port == 0 || port > 65535 || (srcType == napi_string && !GetString(env, argv[2], source, sizeof source)) ||
      (srcType != napi_string && srcType != napi_undefined) || !GetBool(env, argv[4], &read) ||
      !GetUint32(env, argv[6], &holdLimit)) {
    ThrowType(env, "ProbeTarget(address, port 1..65535, source?, send?, read, until?, holdLimit)");
    return nullptr;
  }
  ProbeSpec* s = new ProbeSpec();
  int err = ParseAddress(address, static_cast<uint16_t>(port), &s->dst, &s->dstLen);
  if (err == 0 && srcType == napi_string) {
    err = ParseAddress(source, 0, &s->src, &s->srcLen);
    if (err == 0 && s->src.ss_family != s->dst.ss_family) err = EAFNOSUPPORT;
  }
  if (err != 0) {
    delete s;
    ThrowErrno(env, err, "ProbeTarget", err == EAFNOSUPPORT || srcType != napi_string ? address : source);
    return nullptr;
  }
  s->family = s->dst.ss_family;
  s->read = read;
  s->holdLimit = holdLimit == 0 || holdLimit > kMaxHold ? kMaxHold : holdLimit;
  if (!CopyBytes(env, argv[3], &s->send, &s->sendLen) || !CopyBytes(env, argv[5], &s->until, &s->untilLen)) {
    ReleaseSpec(s);
    ThrowType(env, "send and until must be Uint8Arrays");
    return nullptr;
  }
  gTargets += 1;
  s->handle = ListSpec(s);
  napi_value handle = nullptr;
  if (napi_create_uint32(env, s->handle, &handle) != napi_ok ||
      napi_set_named_property(env, self, "handle", handle) != napi_ok ||
      napi_wrap(env, self, s, FinalizeTarget, nullptr, nullptr) != napi_ok) {
    UnlistSpec(s);
    ReleaseSpec(s);
    napi_throw_error(env, "ERR_DGRAM_EXT_NAPI", "napi_wrap failed");
    return nullptr;
  }
  return self;
}

void OnHandleClosed(uv_handle_t* h) {
  ProbeEngine* e = static_cast<ProbeEngine*>(h->data);
  if (--e->handlesOpen == 0) delete e;
}

}  // namespace

bool InitProbes(napi_env env, napi_value exports, EnvData* d) {
  napi_value fn = nullptr;
  struct Entry {
    const char* name;
    napi_callback cb;
  } entries[] = {{"probeInit", ProbeInit}, {"probeStart", ProbeStart}, {"probeFinish", ProbeFinish},
                 {"probeStats", ProbeStats}};
  for (const Entry& en : entries) {
    if (napi_create_function(env, en.name, NAPI_AUTO_LENGTH, en.cb, d, &fn) != napi_ok) return false;
    SetNamed(env, exports, en.name, fn);
  }
  napi_value ctor = nullptr;
  if (napi_define_class(env, "ProbeTarget", NAPI_AUTO_LENGTH, ConstructTarget, nullptr, 0, nullptr, &ctor) !=
      napi_ok)
    return false;
  SetNamed(env, exports, "ProbeTarget", ctor);
  napi_value c = nullptr;
  napi_create_object(env, &c);
  SetNamed(env, c, "ROW_STRIDE", Int(env, kProbeRowStride));
  SetNamed(env, c, "MAX_HOLD", Int(env, static_cast<int64_t>(kMaxHold)));
  SetNamed(env, c, "SLAB_MIN", Int(env, static_cast<int64_t>(2 * kSlabReserve)));
  SetNamed(env, exports, "probeConstants", c);
  return true;
}

// Environment teardown: close every probe's descriptor and the engine's own,
// then the two uv handles; the engine is freed by their close callbacks.
void CleanupProbes(EnvData* d) {
  ProbeEngine* e = d->probes;
  if (e == nullptr) return;
  d->probes = nullptr;
  for (Probe* p : e->slots) {
    if (p != nullptr && p->fd >= 0) {
      close(p->fd);
      p->fd = -1;
    }
  }
  for (Probe* p : e->slots) {
    if (p == nullptr) continue;
    free(p->held);
    ReleaseSpec(p->spec);
    delete p;
  }
  e->slots.clear();
  close(e->epfd);
  close(e->evfd);
  if (e->callback != nullptr) napi_delete_reference(e->env, e->callback);
  if (e->rowsRef != nullptr) napi_delete_reference(e->env, e->rowsRef);
  if (e->slabRef != nullptr) napi_delete_reference(e->env, e->slabRef);
  if (e->asyncCtx != nullptr) napi_async_destroy(e->env, e->asyncCtx);
  uv_poll_stop(&e->poll);
  uv_timer_stop(&e->timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&e->poll), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&e->timer), OnHandleClosed);
}

}  // namespace dgx
