// Node's entry-point boilerplate: serves a Workers-style module (`export default { fetch }`) with node:http.
// The request becomes a Web `Request`, the handler's `Response` is written back. With WORKERS > 1 a
// node:cluster primary forks that many processes sharing the port, one per core, as Node is deployed.
// Usage: node bench/adapters/node.mjs <worker.js> <port> [workers]
import cluster from "node:cluster";
import http from "node:http";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [workerPath, portArg, workersArg = "1"] = process.argv.slice(2);
const port = Number(portArg);
const workers = Number(workersArg);

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (_worker, code) => {
    if (code !== 0) process.exit(1);
  });
} else {
  const { default: handler } = await import(pathToFileURL(resolve(workerPath)).href);
  const ctx = { waitUntil() {}, passThroughOnException() {} };

  async function toRequest(req) {
    const url = `http://${req.headers.host ?? "localhost"}${req.url}`;
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const init = { method: req.method, headers };
    if (req.method !== "GET" && req.method !== "HEAD") {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      init.body = Buffer.concat(chunks);
    }
    return new Request(url, init);
  }

  async function writeResponse(res, response) {
    const headers = {};
    for (const [name, value] of response.headers) {
      if (name !== "set-cookie") headers[name] = value;
    }
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers["set-cookie"] = cookies;
    res.writeHead(response.status, headers);
    if (response.body === null) return res.end();
    for await (const chunk of response.body) res.write(chunk);
    res.end();
  }

  const server = http.createServer(async (req, res) => {
    try {
      await writeResponse(res, await handler.fetch(await toRequest(req), {}, ctx));
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e?.stack ?? e));
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1");
}
