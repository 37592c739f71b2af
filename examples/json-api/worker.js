// A JSON API over an in-memory todo list: routing, JSON bodies, status codes and headers.
//
// The list lives in the isolate's memory, so it is per isolate and lost when the isolate is
// recycled: fine for a demo, use a real store for anything else.
import { Router, json } from "./router.js";
import seed from "./seed.json";

const todos = new Map(seed.map((todo) => [todo.id, { ...todo }]));
let nextId = Math.max(0, ...todos.keys()) + 1;

const router = new Router()
  .get("/todos", () => json([...todos.values()]))
  .post("/todos", async (request) => {
    let input;
    try {
      input = await request.json();
    } catch {
      return json({ error: "body must be JSON" }, 400);
    }
    if (typeof input?.title !== "string" || input.title.trim() === "") {
      return json({ error: "title must be a non-empty string" }, 400);
    }
    const todo = { id: nextId++, title: input.title.trim(), done: input.done === true };
    todos.set(todo.id, todo);
    return json(todo, 201, { location: `/todos/${todo.id}` });
  })
  .get("/todos/:id", (_request, { id }) => {
    const todo = todos.get(Number(id));
    return todo ? json(todo) : json({ error: `no todo ${id}` }, 404);
  })
  .delete("/todos/:id", (_request, { id }) => {
    if (!todos.delete(Number(id))) return json({ error: `no todo ${id}` }, 404);
    return new Response(null, { status: 204 });
  });

export default {
  async fetch(request) {
    return router.handle(request);
  },
};
