// A WebAssembly worker that calls an origin: every request is forwarded as a GET to ORIGIN + path
// (wasi:http/outgoing-handler, which verge sends through the same outbound gateway as JS fetch), and the
// origin's status and body come back wrapped in a line of text. A refused or failed request answers 502.
#include "verge_http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
  vh_request req;
  vh_request_init(&req, request);
  const char *origin = vh_env("ORIGIN");
  if (!origin) {
    vh_respond_text(out, 500, "set ORIGIN in [vars] (or --var ORIGIN=...)\n");
    return;
  }
  size_t n = strlen(origin) + strlen(req.path) + 1;
  char *url = malloc(n);
  snprintf(url, n, "%s%s", origin, req.path);
  vh_response res;
  if (vh_fetch("GET", url, NULL, &res) != 0) {
    char text[256];
    snprintf(text, sizeof text, "fetch %s failed: %s\n", url, res.error);
    fprintf(stderr, "%s", text);
    vh_respond_text(out, 502, text);
    return;
  }
  size_t len = res.len + 64;
  char *text = malloc(len);
  snprintf(text, len, "origin answered %u: %s", res.status, res.body);
  const char *names[] = {"content-type", "x-fetched-by"};
  const char *values[] = {"text/plain; charset=utf-8", "wasm-fetch"};
  vh_respond(out, 200, names, values, 2, (const unsigned char *)text, strlen(text));
}
