// See verge_http.h.
#include "verge_http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The most a single blocking write may carry (wasi:io/streams).
#define WRITE_CHUNK 4096

static char *dup_n(const uint8_t *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = 0;
  }
  return p;
}

static const char *method_name(const wasi_http_types_method_t *m) {
  static const char *names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  return m->tag < 9 ? names[m->tag] : "OTHER";
}

void vh_request_init(vh_request *r, wasi_http_types_own_incoming_request_t req) {
  r->borrow = wasi_http_types_borrow_incoming_request(req);
  wasi_http_types_method_t m;
  wasi_http_types_method_incoming_request_method(r->borrow, &m);
  if (m.tag == WASI_HTTP_TYPES_METHOD_OTHER) {
    size_t n = m.val.other.len < sizeof r->method - 1 ? m.val.other.len : sizeof r->method - 1;
    memcpy(r->method, m.val.other.ptr, n);
    r->method[n] = 0;
  } else {
    strcpy(r->method, method_name(&m));
  }
  worker_string_t path;
  if (wasi_http_types_method_incoming_request_path_with_query(r->borrow, &path)) {
    r->path = dup_n(path.ptr, path.len);
    worker_string_free(&path);
  } else {
    r->path = dup_n((const uint8_t *)"/", 1);
  }
}

static long read_stream(wasi_io_streams_borrow_input_stream_t in, char **out, size_t max) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap + 1);
  if (!buf) return -1;
  for (;;) {
    worker_list_u8_t chunk;
    wasi_io_streams_stream_error_t err;
    if (!wasi_io_streams_method_input_stream_blocking_read(in, 65536, &chunk, &err)) {
      if (err.tag == WASI_IO_STREAMS_STREAM_ERROR_CLOSED) break;
      free(buf);
      return -1;
    }
    if (len + chunk.len > max) {
      worker_list_u8_free(&chunk);
      free(buf);
      return -1;
    }
    if (len + chunk.len > cap) {
      while (len + chunk.len > cap) cap *= 2;
      char *grown = realloc(buf, cap + 1);
      if (!grown) {
        free(buf);
        worker_list_u8_free(&chunk);
        return -1;
      }
      buf = grown;
    }
    memcpy(buf + len, chunk.ptr, chunk.len);
    len += chunk.len;
    worker_list_u8_free(&chunk);
  }
  buf[len] = 0;
  *out = buf;
  return (long)len;
}

long vh_read_body(vh_request *r, char **out, size_t max) {
  wasi_http_types_own_incoming_body_t body;
  if (!wasi_http_types_method_incoming_request_consume(r->borrow, &body)) return -1;
  wasi_http_types_own_input_stream_t stream;
  if (!wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(body), &stream)) {
    wasi_http_types_incoming_body_drop_own(body);
    return -1;
  }
  long n = read_stream(wasi_io_streams_borrow_input_stream(stream), out, max);
  wasi_io_streams_input_stream_drop_own(stream);
  wasi_http_types_incoming_body_drop_own(body);
  return n;
}

int vh_query(const char *path, const char *name, char *out, size_t cap) {
  const char *q = strchr(path, '?');
  size_t nlen = strlen(name);
  while (q) {
    q++;
    if (strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
      const char *v = q + nlen + 1;
      size_t n = strcspn(v, "&");
      if (n >= cap) n = cap - 1;
      memcpy(out, v, n);
      out[n] = 0;
      return 1;
    }
    q = strchr(q, '&');
  }
  return 0;
}

long vh_query_long(const char *path, const char *name, long fallback) {
  char buf[32];
  if (!vh_query(path, name, buf, sizeof buf)) return fallback;
  char *end;
  long v = strtol(buf, &end, 10);
  return end != buf && *end == 0 ? v : fallback;
}

int vh_route(const vh_request *r, const char *route) {
  size_t n = strcspn(r->path, "?");
  return strlen(route) == n && strncmp(r->path, route, n) == 0;
}

static int write_all(wasi_io_streams_borrow_output_stream_t s, const uint8_t *data, size_t len) {
  while (len > 0) {
    size_t n = len < WRITE_CHUNK ? len : WRITE_CHUNK;
    worker_list_u8_t chunk = {(uint8_t *)data, n};
    wasi_io_streams_stream_error_t err;
    if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(s, &chunk, &err)) return -1;
    data += n;
    len -= n;
  }
  return 0;
}

static wasi_http_types_own_fields_t make_fields(const char *const *names, const char *const *values, size_t count) {
  wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
  wasi_http_types_borrow_fields_t b = wasi_http_types_borrow_fields(fields);
  for (size_t i = 0; i < count; i++) {
    wasi_http_types_field_name_t name = {(uint8_t *)names[i], strlen(names[i])};
    wasi_http_types_field_value_t value = {(uint8_t *)values[i], strlen(values[i])};
    wasi_http_types_header_error_t err;
    wasi_http_types_method_fields_append(b, &name, &value, &err);
  }
  return fields;
}

// Write `len` bytes into an outgoing body and finish it.
static int send_body(wasi_http_types_own_outgoing_body_t body, const uint8_t *data, size_t len) {
  wasi_http_types_own_output_stream_t stream;
  int rc = 0;
  if (wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream)) {
    rc = write_all(wasi_io_streams_borrow_output_stream(stream), data, len);
    wasi_io_streams_output_stream_drop_own(stream);
  } else {
    rc = -1;
  }
  wasi_http_types_error_code_t err;
  if (!wasi_http_types_static_outgoing_body_finish(body, NULL, &err)) rc = -1;
  return rc;
}

void vh_respond(wasi_http_types_own_response_outparam_t out, uint16_t status, const char *const *names,
                const char *const *values, size_t count, const uint8_t *body, size_t len) {
  wasi_http_types_own_outgoing_response_t response =
      wasi_http_types_constructor_outgoing_response(make_fields(names, values, count));
  wasi_http_types_borrow_outgoing_response_t b = wasi_http_types_borrow_outgoing_response(response);
  wasi_http_types_method_outgoing_response_set_status_code(b, status);
  wasi_http_types_own_outgoing_body_t outgoing;
  wasi_http_types_method_outgoing_response_body(b, &outgoing);
  // The head goes out first; the body is streamed after it.
  wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false, .val = {.ok = response}};
  wasi_http_types_static_response_outparam_set(out, &result);
  send_body(outgoing, body, len);
}

void vh_respond_text(wasi_http_types_own_response_outparam_t out, uint16_t status, const char *text) {
  const char *names[] = {"content-type"};
  const char *values[] = {"text/plain; charset=utf-8"};
  vh_respond(out, status, names, values, 1, (const uint8_t *)text, strlen(text));
}

const char *vh_env(const char *name) {
  static worker_list_tuple2_string_string_t env;
  static int loaded = 0;
  static char **values = NULL;
  if (!loaded) {
    wasi_cli_environment_get_environment(&env);
    values = calloc(env.len ? env.len : 1, sizeof(char *));
    loaded = 1;
  }
  size_t n = strlen(name);
  for (size_t i = 0; i < env.len; i++) {
    worker_string_t *k = &env.ptr[i].f0;
    if (k->len == n && memcmp(k->ptr, name, n) == 0) {
      if (values && !values[i]) values[i] = dup_n(env.ptr[i].f1.ptr, env.ptr[i].f1.len);
      return values ? values[i] : NULL;
    }
  }
  return NULL;
}

char *vh_config(const char *name) {
  worker_string_t key = {(uint8_t *)name, strlen(name)};
  worker_option_string_t value;
  wasi_config_store_error_t err;
  if (!wasi_config_store_get(&key, &value, &err) || !value.is_some) return NULL;
  char *out = dup_n(value.val.ptr, value.val.len);
  worker_string_free(&value.val);
  return out;
}

static void set_error(vh_response *res, const char *what, const wasi_http_types_error_code_t *code) {
  if (code)
    snprintf(res->error, sizeof res->error, "%s (wasi:http error-code %u)", what, code->tag);
  else
    snprintf(res->error, sizeof res->error, "%s", what);
}

int vh_fetch(const char *method, const char *url, const char *body, vh_response *res) {
  memset(res, 0, sizeof *res);
  wasi_http_types_scheme_t scheme;
  const char *rest;
  if (strncmp(url, "http://", 7) == 0) {
    scheme.tag = WASI_HTTP_TYPES_SCHEME_HTTP;
    rest = url + 7;
  } else if (strncmp(url, "https://", 8) == 0) {
    scheme.tag = WASI_HTTP_TYPES_SCHEME_HTTPS;
    rest = url + 8;
  } else {
    set_error(res, "only http:// and https:// URLs can be fetched", NULL);
    return -1;
  }
  size_t alen = strcspn(rest, "/?");
  const char *path = rest[alen] ? rest + alen : "/";

  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(make_fields(NULL, NULL, 0));
  wasi_http_types_borrow_outgoing_request_t b = wasi_http_types_borrow_outgoing_request(req);
  wasi_http_types_method_t m = {.tag = WASI_HTTP_TYPES_METHOD_GET};
  if (strcmp(method, "POST") == 0) m.tag = WASI_HTTP_TYPES_METHOD_POST;
  if (strcmp(method, "PUT") == 0) m.tag = WASI_HTTP_TYPES_METHOD_PUT;
  wasi_http_types_method_outgoing_request_set_method(b, &m);
  wasi_http_types_method_outgoing_request_set_scheme(b, &scheme);
  worker_string_t authority = {(uint8_t *)rest, alen};
  wasi_http_types_method_outgoing_request_set_authority(b, &authority);
  worker_string_t path_str = {(uint8_t *)path, strlen(path)};
  wasi_http_types_method_outgoing_request_set_path_with_query(b, &path_str);
  wasi_http_types_own_outgoing_body_t outgoing;
  wasi_http_types_method_outgoing_request_body(b, &outgoing);

  wasi_http_types_own_future_incoming_response_t future;
  wasi_http_types_error_code_t code;
  if (!wasi_http_outgoing_handler_handle(req, NULL, &future, &code)) {
    set_error(res, "the request was refused", &code);
    return -1;
  }
  send_body(outgoing, (const uint8_t *)(body ? body : ""), body ? strlen(body) : 0);

  wasi_http_types_borrow_future_incoming_response_t fb = wasi_http_types_borrow_future_incoming_response(future);
  wasi_http_types_own_pollable_t ready = wasi_http_types_method_future_incoming_response_subscribe(fb);
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(ready));
  wasi_io_poll_pollable_drop_own(ready);
  wasi_http_types_result_result_own_incoming_response_error_code_void_t got;
  int rc = -1;
  if (!wasi_http_types_method_future_incoming_response_get(fb, &got) || got.is_err) {
    set_error(res, "no response", NULL);
  } else if (got.val.ok.is_err) {
    set_error(res, "the request failed", &got.val.ok.val.err);
  } else {
    wasi_http_types_own_incoming_response_t response = got.val.ok.val.ok;
    wasi_http_types_borrow_incoming_response_t rb = wasi_http_types_borrow_incoming_response(response);
    res->status = wasi_http_types_method_incoming_response_status(rb);
    wasi_http_types_own_incoming_body_t in;
    if (wasi_http_types_method_incoming_response_consume(rb, &in)) {
      wasi_http_types_own_input_stream_t stream;
      if (wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(in), &stream)) {
        long n = read_stream(wasi_io_streams_borrow_input_stream(stream), &res->body, 16 << 20);
        wasi_io_streams_input_stream_drop_own(stream);
        if (n >= 0) {
          res->len = (size_t)n;
          rc = 0;
        } else {
          set_error(res, "the response body could not be read", NULL);
        }
      }
      wasi_http_types_incoming_body_drop_own(in);
    }
    wasi_http_types_incoming_response_drop_own(response);
  }
  wasi_http_types_future_incoming_response_drop_own(future);
  return rc;
}
