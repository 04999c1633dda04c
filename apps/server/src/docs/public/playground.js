// The playground: pick an endpoint from /asyncapi.json, fill its path parameters, connect with
// the session cookie (sent by the browser) or an API token (?token=), send example frames
// prefilled from the schemas, and watch every frame in and out. Frames are shown as text only.

const $ = (id) => document.getElementById(id);
const MAX_LOG = 2000;
let doc = null;
let socket = null;

function deref(value, seen = 0) {
  if (!value || typeof value !== "object" || typeof value.$ref !== "string" || seen > 20) return value;
  let target = doc;
  for (const part of value.$ref.replace(/^#\//, "").split("/"))
    target = target?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return deref(target, seen + 1);
}

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

function log(direction, text) {
  const li = document.createElement("li");
  const when = new Date().toISOString().slice(11, 23);
  if (direction === "sys") {
    li.className = "sys";
    li.textContent = `${when}  ${text}`;
  } else {
    li.className = direction === "in" ? "frame-in" : "frame-out";
    const dir = document.createElement("span");
    dir.className = `dir dir-${direction}`;
    dir.textContent = direction === "in" ? "← in " : "→ out";
    li.append(`${when} `, dir, text);
  }
  li.dataset.direction = direction;
  const list = $("log");
  list.append(li);
  while (list.childElementCount > MAX_LOG) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

function currentChannel() {
  return doc?.channels?.[$("endpoint").value];
}

/** Client → server messages of a channel: those of its `receive` operations. */
function clientMessages(channel) {
  const out = [];
  for (const op of Object.values(doc.operations || {})) {
    if (op.action !== "receive" || deref(op.channel) !== channel) continue;
    for (const ref of op.messages || []) out.push(deref(ref));
  }
  return out;
}

function renderParams() {
  const channel = currentChannel();
  const box = $("params");
  box.replaceChildren();
  for (const [name, p] of Object.entries(channel?.parameters || {})) {
    const label = document.createElement("label");
    label.textContent = name;
    label.htmlFor = `param-${name}`;
    const input = document.createElement("input");
    input.id = `param-${name}`;
    input.dataset.param = name;
    input.placeholder = p.description || name;
    input.title = p.description || name;
    input.addEventListener("input", renderUrl);
    box.append(label, input);
  }
  const select = $("message");
  select.replaceChildren();
  const messages = channel ? clientMessages(channel) : [];
  messages.forEach((m, i) => {
    select.append(option(String(i), m.name || m.title || `message ${i + 1}`));
  });
  select.messages = messages;
  renderMessage();
  renderUrl();
}

function renderMessage() {
  const select = $("message");
  const message = select.messages?.[Number(select.value)];
  $("message-doc").textContent = message ? message.description || message.summary || "" : "";
  const example = message?.examples?.[0]?.payload ?? (message ? { action: message.name, payload: null } : "");
  $("frame").value = message ? JSON.stringify(example, null, 2) : "";
}

function buildUrl() {
  const channel = currentChannel();
  if (!channel) return null;
  let missing = null;
  const path = channel.address.replace(/\{([^}]+)\}/g, (_m, name) => {
    const input = document.querySelector(`[data-param="${CSS.escape(name)}"]`);
    const value = input ? input.value.trim() : "";
    if (!value) missing = name;
    return encodeURIComponent(value);
  });
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = new URL(path, `${scheme}//${location.host}`);
  if ($("auth").value === "token" && $("token").value) url.searchParams.set("token", $("token").value);
  return { url, missing };
}

function renderUrl() {
  const built = buildUrl();
  if (!built) return;
  const shown = new URL(built.url);
  if (shown.searchParams.has("token")) shown.searchParams.set("token", "…");
  $("url").textContent = shown.toString();
}

function setConnected(open) {
  $("connect").disabled = open;
  $("disconnect").disabled = !open;
  $("send").disabled = !open;
  $("status").textContent = open ? "connected" : "disconnected";
  $("status").dataset.state = open ? "open" : "closed";
}

function connect() {
  const built = buildUrl();
  if (!built) return;
  if (built.missing) {
    log("sys", `fill the path parameter "${built.missing}" first`);
    return;
  }
  if (socket) socket.close();
  const ws = new WebSocket(built.url);
  socket = ws;
  $("status").textContent = "connecting…";
  log("sys", `connecting to ${built.url.pathname}`);
  ws.addEventListener("open", () => {
    if (socket === ws) setConnected(true);
    log("sys", "open");
  });
  ws.addEventListener("message", (event) => {
    log("in", typeof event.data === "string" ? event.data : "<binary frame>");
  });
  ws.addEventListener("close", (event) => {
    log("sys", `closed: code ${event.code}${event.reason ? ` (${event.reason})` : ""}`);
    if (socket === ws) {
      socket = null;
      setConnected(false);
    }
  });
  ws.addEventListener("error", () => log("sys", "connection error"));
}

function send() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  // Sent exactly as typed: the playground is also for trying what the server refuses.
  const text = $("frame").value;
  let compact = text;
  try {
    compact = JSON.stringify(JSON.parse(text));
  } catch {}
  socket.send(compact);
  log("out", compact);
}

$("endpoint").addEventListener("change", renderParams);
$("message").addEventListener("change", renderMessage);
$("auth").addEventListener("change", () => {
  $("token").hidden = $("auth").value !== "token";
  renderUrl();
});
$("token").addEventListener("input", renderUrl);
$("connect").addEventListener("click", connect);
$("disconnect").addEventListener("click", () => socket?.close(1000));
$("send").addEventListener("click", send);
$("clear").addEventListener("click", () => $("log").replaceChildren());

fetch("/asyncapi.json")
  .then((res) => {
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  })
  .then((d) => {
    doc = d;
    for (const [id, channel] of Object.entries(doc.channels || {}))
      $("endpoint").append(option(id, channel.address || id));
    const fromQuery = new URLSearchParams(location.search);
    renderParams();
    // ?id=3 prefills a parameter of the same name (links from a dashboard).
    for (const input of document.querySelectorAll("[data-param]")) {
      const v = fromQuery.get(input.dataset.param);
      if (v) input.value = v;
    }
    renderUrl();
    document.body.dataset.ready = "true";
  })
  .catch((err) => log("sys", `could not load /asyncapi.json: ${err.message}`));
