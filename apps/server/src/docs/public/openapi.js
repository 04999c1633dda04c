// Renders /openapi.json (the REST route table) on /docs/rest: per tag, each operation
// with its method and path, parameters, request body and success answer. Uses the helpers of
// render.js (el, prose, deref, renderSchema), loaded before it; every string goes through textContent.

function renderOperation(doc, path, method, op) {
  const card = el(
    "section",
    { class: "card operation-card", "data-operation": String(op.operationId || "") },
    el(
      "h3",
      {},
      el("span", { class: `tag http-${method}` }, method.toUpperCase()),
      el("code", {}, path),
      op.security && op.security.length === 0 ? el("span", { class: "muted" }, " (no credentials)") : null,
    ),
    op.summary ? el("div", { class: "muted" }, ...prose(op.summary)) : null,
  );
  const params = (op.parameters || []).map((p) => deref(doc, p));
  if (params.length) {
    const list = el("ul");
    for (const p of params)
      list.append(
        el(
          "li",
          {},
          el("code", {}, p.in === "path" ? `{${p.name}}` : p.name),
          ` (${p.in}${p.required ? ", required" : ""}) `,
          el("span", { class: "type mono" }, typeOf(p.schema)),
          constraints(p.schema) ? el("span", { class: "constraint" }, ` ${constraints(p.schema)}`) : null,
        ),
      );
    card.append(el("strong", {}, "parameters"), list);
  }
  const body = deref(doc, op.requestBody);
  for (const [type, media] of Object.entries(body?.content || {})) {
    card.append(el("div", {}, el("strong", {}, "body"), el("span", { class: "muted" }, ` ${type}`)));
    card.append(renderSchema(doc, media.schema));
  }
  for (const [status, raw] of Object.entries(op.responses || {})) {
    if (!/^2|^3/.test(status)) continue;
    const answer = deref(doc, raw);
    const content = Object.entries(answer?.content || {});
    card.append(
      el(
        "div",
        {},
        el("strong", {}, `answer ${status}`),
        content.length === 0 ? el("span", { class: "muted" }, " (no body)") : null,
      ),
    );
    for (const [type, media] of content) {
      if (type !== "application/json" || content.length > 1) card.append(el("div", { class: "muted" }, type));
      else card.append(renderSchema(doc, media.schema));
    }
  }
  return card;
}

function renderRest(doc) {
  const root = document.getElementById("rest");
  root.replaceChildren(
    el("h2", {}, doc.info?.title || "REST API"),
    el(
      "p",
      { class: "muted" },
      `OpenAPI ${doc.openapi} · v${doc.info?.version ?? "?"} · `,
      el("a", { href: "/openapi.json" }, "openapi.json"),
    ),
  );
  if (doc.info?.description) root.append(el("p", {}, ...prose(doc.info.description)));
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {}))
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const tag = op.tags?.[0] || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(renderOperation(doc, path, method, op));
    }
  for (const [tag, cards] of byTag)
    root.append(el("section", { class: "rest-group", id: `rest-${tag}` }, el("h2", {}, tag), ...cards));
}

fetch("/openapi.json")
  .then((res) => {
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  })
  .then(renderRest)
  .catch((err) => {
    document
      .getElementById("rest")
      .replaceChildren(el("p", {}, `Could not load /openapi.json: ${err.message}`));
  });
