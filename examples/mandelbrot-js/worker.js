// The Mandelbrot renderer of examples/wasm-mandelbrot, line for line in JavaScript, to compare an
// interpreted JS worker with a WebAssembly one on the same work.
//   GET /?size=256&iter=256   -> image/x-portable-graymap, size x size pixels, x-iterations header

const MAX_SIZE = 2048;
const MAX_ITER = 100000;

function render(size, iter, pixels) {
  let total = 0;
  for (let y = 0; y < size; y++) {
    const ci = (y * 3.0) / size - 1.5;
    for (let x = 0; x < size; x++) {
      const cr = (x * 3.0) / size - 2.0;
      let zr = 0.0, zi = 0.0;
      let n = 0;
      while (n < iter && zr * zr + zi * zi <= 4.0) {
        const t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        n++;
      }
      total += n;
      pixels[y * size + x] = n === iter ? 0 : 255 - Math.floor((n * 255) / iter);
    }
  }
  return total;
}

function param(url, name, fallback) {
  const value = url.searchParams.get(name);
  if (value === null || !/^-?\d+$/.test(value)) return fallback;
  return Number(value);
}

export default {
  fetch(request) {
    const url = new URL(request.url);
    const size = param(url, "size", 256);
    const iter = param(url, "iter", 256);
    if (size < 1 || size > MAX_SIZE || iter < 1 || iter > MAX_ITER) {
      return new Response("size must be 1..2048 and iter 1..100000\n", { status: 400 });
    }
    const header = new TextEncoder().encode(`P5\n${size} ${size}\n255\n`);
    const image = new Uint8Array(header.length + size * size);
    image.set(header);
    const total = render(size, iter, image.subarray(header.length));
    return new Response(image, {
      headers: { "content-type": "image/x-portable-graymap", "x-iterations": String(total) },
    });
  },
};
