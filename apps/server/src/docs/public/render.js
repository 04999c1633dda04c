// Renders JSON Schemas readably for the REST page (openapi.js): element building, prose, $ref
// resolution, types, constraints and nested schemas. Every string from a document goes through
// textContent; nothing is parsed as HTML.

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
// biome-ignore lint/correctness/noUnusedVariables: a global of the page, used by openapi.js
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
