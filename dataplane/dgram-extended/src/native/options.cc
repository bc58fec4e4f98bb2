// Argument helpers, interface name/index lookups through the socket's own
// descriptor, and the generic socket-option methods.
#include <sys/ioctl.h>

#include <cerrno>
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

// ---------------------------------------------------------------- options

napi_value SocketSetInt(napi_env env, napi_callback_info info) {
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

napi_value SocketGetInt(napi_env env, napi_callback_info info) {
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

napi_value SocketSetBytes(napi_env env, napi_callback_info info) {
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

napi_value SocketIfIndex(napi_env env, napi_callback_info info) {
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

napi_value SocketIfName(napi_env env, napi_callback_info info) {
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

}  // namespace dgx
