// compute: a 10,000-iteration integer loop (FNV-style mixing) per request. This is where an interpreter
// (QuickJS, in verge) loses to a JIT (V8, in workerd, Deno and Node); the workload is here to show by how much.
const ITERATIONS = 10_000;

function mix(seed) {
  let h = (2166136261 ^ seed) >>> 0;
  let acc = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    h = Math.imul(h ^ (i & 0xff), 16777619) >>> 0;
    acc = (acc + (h % 1009)) % 1_000_003;
  }
  return { hash: h, acc };
}

export default {
  fetch(request) {
    const seed = Number(new URL(request.url).searchParams.get("seed") ?? "1") | 0;
    return Response.json({ seed, iterations: ITERATIONS, ...mix(seed) });
  },
};
