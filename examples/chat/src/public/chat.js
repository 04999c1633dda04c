// The chat page: joins the room named by the URL (/chat/<room>/) and speaks the tutorial's frames:
// sends `new_chat_message {message, name}`, shows the ones the others send. Every server string
// is inserted with textContent, never as HTML.
const room = roomOf(location.pathname);
document.getElementById("room").textContent = room;
const log = document.getElementById("log");
let ws = null;
let name = "";

function roomOf(path) {
  const segment = (path.match(/^\/chat\/([^/]+)\/?$/) || [])[1] || "lobby";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape: the server answers that room with 404
  }
}

function line(text, cls) {
  const div = document.createElement("div");
  if (cls) div.className = cls;
  div.textContent = text;
  log.append(div);
  log.scrollTop = log.scrollHeight;
}

document.getElementById("join").addEventListener("submit", (e) => {
  e.preventDefault();
  if (ws) ws.close();
  name = document.getElementById("name").value;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  // ?name= only names us in the room's join/leave notices; each message carries its own name.
  ws = new WebSocket(
    `${scheme}://${location.host}/ws/chat/${encodeURIComponent(room)}/?name=${encodeURIComponent(name)}`,
  );
  ws.onmessage = (event) => {
    const { action, payload } = JSON.parse(event.data);
    if (action === "new_chat_message") line(`${payload.name}: ${payload.message}`, "message");
    else if (action === "notice") line(payload.text, "notice");
    else if (action === "error") line(`error: ${JSON.stringify(payload)}`, "notice");
    else if (action === "authentication" && payload.status_code !== 200) line(payload.data.detail, "notice");
    else if (action === "authentication") {
      line(`joined ${room} as ${name}`, "notice");
      for (const el of document.querySelectorAll("#send input, #send button")) el.disabled = false;
      document.body.dataset.joined = "true";
    }
  };
  ws.onclose = (event) => {
    document.body.dataset.joined = "false";
    line(`disconnected (${event.code})`, "notice");
  };
});

document.getElementById("send").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = document.getElementById("text");
  if (!ws || !input.value.trim()) return;
  ws.send(JSON.stringify({ action: "new_chat_message", payload: { message: input.value, name } }));
  line(`me: ${input.value}`, "mine");
  input.value = "";
});
