// errno -> Node-style Error. Node reports system errors with a string `code`
// ("EADDRINUSE"), a negative numeric `errno` (libuv's convention), the failing
// `syscall` and, where one applies, the `address`; we do the same so callers
// handle our errors exactly like node:dgram's.
#include <cstdio>
#include <cstring>

#include "common.h"

namespace dgx {

napi_value ErrnoError(napi_env env, int err, const char* syscall, const char* address, int port) {
  // libuv's error names are the errno names; its codes are negated errnos on Unix.
  const char* code = uv_err_name(-err);
  char message[256];
  if (address != nullptr && address[0] != '\0' && port >= 0) {
    snprintf(message, sizeof message, "%s %s %s:%d", syscall, code, address, port);
  } else if (address != nullptr && address[0] != '\0') {
    snprintf(message, sizeof message, "%s %s %s", syscall, code, address);
  } else {
    snprintf(message, sizeof message, "%s %s", syscall, code);
  }
  napi_value codeValue = nullptr;
  napi_value messageValue = nullptr;
  napi_value error = nullptr;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &codeValue);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &messageValue);
  napi_create_error(env, codeValue, messageValue, &error);
  if (error == nullptr) return nullptr;
  napi_value v = nullptr;
  napi_create_int32(env, -err, &v);
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  if (address != nullptr && address[0] != '\0') {
    napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, error, "address", v);
  }
  if (port >= 0) {
    napi_create_int32(env, port, &v);
    napi_set_named_property(env, error, "port", v);
  }
  return error;
}

void ThrowErrno(napi_env env, int err, const char* syscall, const char* address, int port) {
  napi_value error = ErrnoError(env, err, syscall, address, port);
  if (error != nullptr) napi_throw(env, error);
}

void ThrowType(napi_env env, const char* msg) { napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg); }

}  // namespace dgx
