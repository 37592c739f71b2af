// Small helpers over the wasi:http bindings that wit-bindgen generates (worker.h), shared by verge's C
// guests: the request's method, path and body, a response in one call, environment variables, and an
// outgoing request. Each request runs on a fresh instance, so nothing here is freed with care beyond what
// a long handler needs.
#ifndef VERGE_HTTP_H
#define VERGE_HTTP_H

#include "worker.h"
#include <stddef.h>
#include <stdint.h>

// The incoming request.
typedef struct {
  wasi_http_types_borrow_incoming_request_t borrow;
  char method[16];
  char *path; // path with query, NUL-terminated
} vh_request;

void vh_request_init(vh_request *r, wasi_http_types_own_incoming_request_t req);

// The whole request body, at most `max` bytes (malloc'd, NUL-terminated). Returns its length, or -1 if
// it could not be read or was longer than `max`.
long vh_read_body(vh_request *r, char **out, size_t max);

// The value of query parameter `name` in `path` (no percent-decoding), copied into `out`.
int vh_query(const char *path, const char *name, char *out, size_t cap);
// A numeric query parameter, or `fallback`.
long vh_query_long(const char *path, const char *name, long fallback);
// Whether the path (before any `?`) equals `route`.
int vh_route(const vh_request *r, const char *route);

// Answer with `status`, headers (`names[i]: values[i]`, `count` of them) and `body`.
void vh_respond(wasi_http_types_own_response_outparam_t out, uint16_t status, const char *const *names,
                const char *const *values, size_t count, const uint8_t *body, size_t len);
// Answer with `status` and a text/plain body.
void vh_respond_text(wasi_http_types_own_response_outparam_t out, uint16_t status, const char *text);

// An environment variable (the worker's vars and secrets), or NULL.
const char *vh_env(const char *name);
// A value from wasi:config/store (the same vars and secrets), malloc'd, or NULL.
char *vh_config(const char *name);

// One outgoing request (`method`, absolute http/https `url`, optional body). On success fills `status` and
// a malloc'd, NUL-terminated `body` and returns 0; on failure writes a message into `error` and returns -1.
typedef struct {
  uint16_t status;
  char *body;
  size_t len;
  char error[160];
} vh_response;
int vh_fetch(const char *method, const char *url, const char *body, vh_response *res);

#endif
