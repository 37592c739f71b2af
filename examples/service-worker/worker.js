// The service-worker form: a global "fetch" listener instead of a default export.
addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});

async function handle(request) {
  const url = new URL(request.url);
  return new Response(`Hello from a service worker! You asked for ${url.pathname}\n`, {
    headers: { "content-type": "text/plain; charset=utf-8", "x-worker-form": "service-worker" },
  });
}
