// A compute-heavy WebAssembly worker: renders the Mandelbrot set as a greyscale PGM image.
//   GET /?size=256&iter=256   -> image/x-portable-graymap, size x size pixels
// The header x-iterations carries the total escape-time iterations (a checksum of the work done).
// examples/mandelbrot-js has the same logic in JavaScript, line for line, for comparison.
#include "verge_http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZE 2048
#define MAX_ITER 100000

static unsigned long long render(int size, int iter, unsigned char *pixels) {
  unsigned long long total = 0;
  for (int y = 0; y < size; y++) {
    double ci = (double)y * 3.0 / size - 1.5;
    for (int x = 0; x < size; x++) {
      double cr = (double)x * 3.0 / size - 2.0;
      double zr = 0.0, zi = 0.0;
      int n = 0;
      while (n < iter && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        n++;
      }
      total += (unsigned long long)n;
      pixels[y * size + x] = n == iter ? 0 : (unsigned char)(255 - (n * 255) / iter);
    }
  }
  return total;
}

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
  vh_request req;
  vh_request_init(&req, request);
  long size = vh_query_long(req.path, "size", 256);
  long iter = vh_query_long(req.path, "iter", 256);
  if (size < 1 || size > MAX_SIZE || iter < 1 || iter > MAX_ITER) {
    vh_respond_text(out, 400, "size must be 1..2048 and iter 1..100000\n");
    return;
  }
  char header[64];
  int hlen = snprintf(header, sizeof header, "P5\n%ld %ld\n255\n", size, size);
  size_t len = (size_t)hlen + (size_t)(size * size);
  unsigned char *image = malloc(len);
  if (!image) {
    vh_respond_text(out, 500, "out of memory\n");
    return;
  }
  memcpy(image, header, (size_t)hlen);
  unsigned long long total = render((int)size, (int)iter, image + hlen);
  char iterations[32];
  snprintf(iterations, sizeof iterations, "%llu", total);
  const char *names[] = {"content-type", "x-iterations"};
  const char *values[] = {"image/x-portable-graymap", iterations};
  vh_respond(out, 200, names, values, 2, image, len);
}
