// Renders /asyncapi.json readably: servers and security, then per channel its address,
// parameters and messages (client → server, server → client) with payload schemas and examples.
// Every string from the document goes through textContent; nothing is parsed as HTML.

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

/**
 * A description as nodes: `backticked` spans (AsyncAPI descriptions are CommonMark) become
 * <code> elements, everything stays text — no markup from the document is ever parsed.
 */
function prose(text) {
  return String(text)
    .split(/(`[^`]+`)/)
    .filter(Boolean)
    .map((part) =>
      part.length > 2 && part.startsWith("`") && part.endsWith("`")
        ? el("code", {}, part.slice(1, -1))
        : part,
    );
}

/** Follows a local "#/a/b" reference (JSON pointer) in the document. */
function deref(doc, value, seen = 0) {
  if (!value || typeof value !== "object" || typeof value.$ref !== "string" || seen > 20) return value;
  const parts = value.$ref
    .replace(/^#\//, "")
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let target = doc;
  for (const part of parts) target = target && typeof target === "object" ? target[part] : undefined;
  return deref(doc, target, seen + 1);
}

function typeOf(schema) {
  if (!schema || typeof schema !== "object") return "any";
  if ("const" in schema) return `= ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(" | ")}`;
  if (schema.anyOf || schema.oneOf) return "one of";
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "array") return `array of ${typeOf(schema.items)}`;
  return schema.type || "any";
}

const CONSTRAINTS = [
  ["minimum", "≥"],
  ["exclusiveMinimum", ">"],
  ["maximum", "≤"],
  ["exclusiveMaximum", "<"],
  ["minLength", "min length"],
  ["maxLength", "max length"],
  ["minItems", "min items"],
  ["maxItems", "max items"],
  ["format", "format"],
  ["pattern", "pattern"],
];

function constraints(schema) {
  if (!schema || typeof schema !== "object") return "";
  // Zod's safe-integer bounds and the regex behind `format` are noise to a reader.
  const noise = (key) =>
    (key === "maximum" && schema[key] === Number.MAX_SAFE_INTEGER) ||
    (key === "minimum" && schema[key] === Number.MIN_SAFE_INTEGER) ||
    (key === "pattern" && schema.format !== undefined);
  return CONSTRAINTS.filter(([key]) => schema[key] !== undefined && !noise(key))
    .map(([key, label]) => `${label} ${schema[key]}`)
    .join(", ");
}

/** A schema as a nested list: one line per property, with type, required mark and limits. */
function renderSchema(doc, raw, depth = 0) {
  const schema = deref(doc, raw);
  const box = el("div", { class: "schema" });
  if (!schema || typeof schema !== "object" || depth > 8) return box;
  if (schema.description) box.append(el("div", { class: "muted" }, ...prose(schema.description)));
  const branches = schema.anyOf || schema.oneOf;
  if (Array.isArray(branches)) {
    branches.forEach((branch, i) => {
      const b = deref(doc, branch);
      box.append(
        el(
          "div",
          { class: "prop" },
          el("span", { class: "name" }, `shape ${i + 1}`),
          el("span", { class: "type" }, typeOf(b)),
        ),
      );
      box.append(renderSchema(doc, b, depth + 1));
    });
  }
  if (schema.type === "object" && schema.properties) {
    const required = new Set(schema.required || []);
    for (const [name, sub] of Object.entries(schema.properties)) {
      const s = deref(doc, sub);
      box.append(
        el(
          "div",
          { class: "prop" },
          el("span", { class: "name mono" }, name),
          el("span", { class: "type mono" }, typeOf(s)),
          required.has(name) ? el("span", { class: "req" }, "required") : null,
          constraints(s) ? el("span", { class: "constraint" }, constraints(s)) : null,
        ),
      );
      if (
        s &&
        (s.properties || s.anyOf || s.oneOf || (s.type === "array" && s.items && typeof s.items === "object"))
      ) {
        box.append(renderSchema(doc, s.type === "array" ? s.items : s, depth + 1));
      }
    }
  } else if (
    schema.type === "object" &&
    schema.additionalProperties &&
    typeof schema.additionalProperties === "object"
  ) {
    box.append(
      el(
        "div",
        { class: "prop" },
        el("span", { class: "name mono" }, "{key}"),
        el("span", { class: "type mono" }, typeOf(schema.additionalProperties)),
      ),
    );
  } else if (schema.type === "array" && schema.items) {
    box.append(
      el(
        "div",
        { class: "prop" },
        el("span", { class: "name" }, "items"),
        el("span", { class: "type mono" }, typeOf(deref(doc, schema.items))),
        constraints(schema) ? el("span", { class: "constraint" }, constraints(schema)) : null,
      ),
    );
    const items = deref(doc, schema.items);
    if (items && (items.properties || items.anyOf)) box.append(renderSchema(doc, items, depth + 1));
  } else if (!branches && schema.type !== "object") {
    box.append(
      el(
        "div",
        { class: "prop" },
        el("span", { class: "type mono" }, typeOf(schema)),
        constraints(schema) ? el("span", { class: "constraint" }, constraints(schema)) : null,
      ),
    );
  }
  return box;
}

function renderMessage(doc, raw, direction) {
  const message = deref(doc, raw) || {};
  const payload = deref(doc, message.payload) || {};
  const inner = payload.properties ? deref(doc, payload.properties.payload) : undefined;
  const optional = !(payload.required || []).includes("payload");
  const card = el(
    "section",
    { class: "card message", "data-action": String(message.name || "") },
    el(
      "h3",
      {},
      el(
        "span",
        { class: `tag ${direction}` },
        direction === "receive" ? "client → server" : "server → client",
      ),
      el("code", {}, message.name || message.title || "?"),
    ),
    message.summary ? el("div", { class: "muted" }, message.summary) : null,
    message.description ? el("p", {}, ...prose(message.description)) : null,
    el(
      "div",
      {},
      el("strong", {}, "payload"),
      optional ? el("span", { class: "muted" }, " (may be omitted)") : null,
    ),
    renderSchema(doc, inner),
  );
  for (const example of message.examples || []) {
    card.append(
      el("div", { class: "muted" }, `example${example.name ? ` (${example.name})` : ""}`),
      el("pre", {}, JSON.stringify(example.payload, null, 2)),
    );
  }
  return card;
}

function render(doc) {
  const root = document.getElementById("doc");
  root.replaceChildren();
  document.getElementById("title").textContent = doc.info?.title || "WebSocket API";
  document.title = doc.info?.title || "WebSocket API";
  document.getElementById("version").textContent = `AsyncAPI ${doc.asyncapi} · v${doc.info?.version ?? "?"}`;
  if (doc.info?.description) root.append(el("p", {}, ...prose(doc.info.description)));

  root.append(el("h2", {}, "Servers"));
  for (const [name, server] of Object.entries(doc.servers || {})) {
    root.append(
      el(
        "div",
        { class: "card" },
        el("strong", {}, name),
        " ",
        el("code", {}, `${server.protocol}://${server.host}${server.pathname || ""}`),
        server.description ? el("div", { class: "muted" }, ...prose(server.description)) : null,
      ),
    );
  }
  const schemes = doc.components?.securitySchemes || {};
  if (Object.keys(schemes).length) {
    root.append(el("h2", {}, "Authentication"));
    const list = el("ul");
    for (const [name, s] of Object.entries(schemes)) {
      const where = s.type === "http" ? `HTTP ${s.scheme}` : `${s.type} in ${s.in}: ${s.name}`;
      list.append(
        el(
          "li",
          {},
          el("strong", {}, name),
          " — ",
          el("code", {}, where),
          s.description ? ` — ${s.description}` : "",
        ),
      );
    }
    root.append(list);
  }

  root.append(el("h2", {}, "Channels"));
  const operations = Object.entries(doc.operations || {});
  for (const [id, channel] of Object.entries(doc.channels || {})) {
    const section = el(
      "section",
      { class: "channel", id: `channel-${id}` },
      el("h2", {}, el("code", {}, channel.address || id)),
      channel.description ? el("p", {}, ...prose(channel.description)) : null,
    );
    const params = Object.entries(channel.parameters || {});
    if (params.length) {
      const list = el("ul");
      for (const [name, p] of params)
        list.append(el("li", {}, el("code", {}, `{${name}}`), p.description ? ` — ${p.description}` : ""));
      section.append(el("h3", {}, "Parameters"), list);
    }
    for (const [opId, op] of operations) {
      if (deref(doc, op.channel) !== channel) continue;
      section.append(
        el(
          "h3",
          { class: "operation" },
          el("span", { class: `tag ${op.action}` }, op.action),
          op.title || opId,
        ),
        op.summary ? el("div", { class: "muted" }, op.summary) : null,
      );
      for (const ref of op.messages || []) section.append(renderMessage(doc, ref, op.action));
    }
    root.append(section);
  }
}

fetch("/asyncapi.json")
  .then((res) => {
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  })
  .then(render)
  .catch((err) => {
    document
      .getElementById("doc")
      .replaceChildren(el("p", {}, `Could not load /asyncapi.json: ${err.message}`));
  });
