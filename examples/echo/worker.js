// Streams request bodies back: as they are, or upper-cased through a TransformStream.
// Neither route reads the whole body into memory: chunks flow through as they arrive.

/** A TransformStream that upper-cases UTF-8 text, chunk by chunk. */
function upperCaser() {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return new TransformStream({
    transform(chunk, controller) {
      // `stream: true` keeps a character split across two chunks whole.
      const text = decoder.decode(chunk, { stream: true });
      if (text.length > 0) controller.enqueue(encoder.encode(text.toUpperCase()));
    },
    flush(controller) {
      const rest = decoder.decode();
      if (rest.length > 0) controller.enqueue(encoder.encode(rest.toUpperCase()));
    },
  });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.body === null) {
      return new Response("POST a body to / (echoed as is) or /upper (upper-cased)\n", {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (url.pathname === "/upper") {
      return new Response(request.body.pipeThrough(upperCaser()), {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    return new Response(request.body, {
      headers: {
        "content-type": request.headers.get("content-type") ?? "application/octet-stream",
      },
    });
  },
};
