// hello: the smallest response. What a runtime costs per request when the worker does almost nothing.
export default {
  fetch() {
    return new Response("Hello, world!\n", {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
