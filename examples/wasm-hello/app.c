// The smallest WebAssembly worker: a wasi:http/proxy component written in C. It greets with the
// GREETING var from verge.toml (vars and secrets are the guest's environment) and logs each request to
// stdout, which verge turns into the worker's log lines.
#include "verge_http.h"
#include <stdio.h>

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
  vh_request req;
  vh_request_init(&req, request);
  const char *greeting = vh_env("GREETING");
  char text[512];
  snprintf(text, sizeof text, "%s! You asked for %s %s\n", greeting ? greeting : "Hello from WebAssembly",
           req.method, req.path);
  printf("served %s %s\n", req.method, req.path);
  fflush(stdout);
  vh_respond_text(out, 200, text);
}
