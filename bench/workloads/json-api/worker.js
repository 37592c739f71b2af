// json-api: a small JSON API. POST /api/orders takes an order (about 2 KB of JSON), validates it, prices it
// and answers with a JSON summary; GET /api/health and unknown routes answer JSON too.
const TAX_RATE = 0.2;

function json(value, status = 200) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function validate(order) {
  if (typeof order !== "object" || order === null) return "the body must be a JSON object";
  if (typeof order.customer?.id !== "string") return "customer.id must be a string";
  if (!Array.isArray(order.items) || order.items.length === 0) return "items must be a non-empty array";
  for (const item of order.items) {
    if (typeof item.sku !== "string") return "every item needs a sku";
    if (!Number.isInteger(item.quantity) || item.quantity < 1) return `bad quantity for ${item.sku}`;
    if (typeof item.unitPrice !== "number" || item.unitPrice < 0) return `bad unitPrice for ${item.sku}`;
  }
  return null;
}

async function createOrder(request) {
  let order;
  try {
    order = await request.json();
  } catch {
    return json({ error: "the body is not JSON" }, 400);
  }
  const problem = validate(order);
  if (problem !== null) return json({ error: problem }, 422);
  let subtotal = 0;
  const lines = order.items.map((item) => {
    const total = Math.round(item.quantity * item.unitPrice * 100) / 100;
    subtotal += total;
    return { sku: item.sku, quantity: item.quantity, total };
  });
  subtotal = Math.round(subtotal * 100) / 100;
  const tax = Math.round(subtotal * TAX_RATE * 100) / 100;
  return json({
    id: `ord_${order.customer.id}_${order.items.length}`,
    customer: order.customer.id,
    currency: order.currency ?? "EUR",
    lines,
    subtotal,
    tax,
    total: Math.round((subtotal + tax) * 100) / 100,
  });
}

const routes = [
  ["GET", /^\/api\/health$/, () => json({ ok: true })],
  ["POST", /^\/api\/orders$/, (request) => createOrder(request)],
  ["GET", /^\/api\/orders\/([\w-]+)$/, (_request, id) => json({ error: `no order ${id}` }, 404)],
];

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    for (const [method, pattern, handle] of routes) {
      const match = pattern.exec(pathname);
      if (match === null) continue;
      if (request.method !== method) return json({ error: "method not allowed" }, 405);
      return handle(request, ...match.slice(1));
    }
    return json({ error: `no route for ${pathname}` }, 404);
  },
};
