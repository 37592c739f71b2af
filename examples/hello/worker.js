// The smallest module worker: one fetch handler, one plain-text answer.
export default {
  async fetch(request, env, ctx) {
    return new Response("Hello from verge!", {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
