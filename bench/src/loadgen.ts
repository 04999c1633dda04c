// The load generator child: opens N WebSocket clients (from several loopback source addresses
// so ephemeral ports never run short), speaks just enough of each target's protocol to
// subscribe, and counts every metric_update with its ingest→client latency. It runs in its own
// process so the server's CPU figures are its own; raw-client.ts keeps its own cost per frame low.
import { Histogram } from "./histogram.ts";
import type { ClientProtocol, FromLoadgen, ToLoadgen } from "./ipc.ts";
import { RawWsClient } from "./raw-client.ts";

const send = (msg: FromLoadgen) => process.send?.(msg);

const hist = new Histogram();
let received = 0;
let closedUnexpectedly = 0;
let lastCloseCode: number | undefined;
let lastCloseReason = "";
let epoch = 0;
let closing = false;
const sockets: RawWsClient[] = [];

const VALUE_KEY = Buffer.from('"value":');
const UPDATE = Buffer.from('"metric_update"');

function now(): number {
  return performance.timeOrigin + performance.now() - epoch;
}

/** Counts one frame if it is a metric_update; the publisher put its send time in `value`. */
function onFrame(buf: Buffer, start: number, end: number): boolean {
  const u = buf.indexOf(UPDATE, start);
  if (u === -1 || u >= end) return false;
  const at = buf.indexOf(VALUE_KEY, start);
  if (at === -1 || at >= end) return false;
  const from = at + VALUE_KEY.length;
  const sent = Number.parseFloat(buf.toString("latin1", from, Math.min(end, from + 24)));
  received++;
  hist.record(now() - sent);
  return true;
}

function openOne(
  port: number,
  path: string,
  headers: Record<string, string>,
  protocol: ClientProtocol,
  metricId: number,
  localAddress: string,
): Promise<RawWsClient> {
  return new Promise((resolve, reject) => {
    let ready = false;
    const fail = (why: string) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      client.destroy();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail("timed out waiting for the subscription to be confirmed"), 30_000);
    const done = () => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(client);
    };
    const onText = (buf: Buffer, start: number, end: number) => {
      if (ready) {
        if (onFrame(buf, start, end)) return;
        if (protocol === "socketio" && end - start === 1 && buf[start] === 0x32) client.sendText("3"); // engine.io heartbeat
        return;
      }
      const text = buf.toString("utf8", start, end);
      if (protocol === "socketio") {
        // engine.io open packet "0{…}", then socket.io CONNECT "40" → "40{sid}".
        if (text.startsWith("0{")) client.sendText("40");
        else if (text.startsWith("40")) done();
        else if (text.startsWith("44")) fail(`socket.io refused: ${text}`);
        return;
      }
      // Pulseboard: authentication 200 → subscribe → ping; the pong proves the subscribe was handled.
      if (text.includes('"action":"authentication"')) {
        if (!text.includes('"status_code":200')) fail(`authentication failed: ${text}`);
        else {
          client.sendText(JSON.stringify({ action: "subscribe", payload: [metricId] }));
          client.sendText(JSON.stringify({ action: "ping", payload: null }));
        }
      } else if (text.includes('"action":"pong"')) done();
      else if (text.includes('"action":"error"')) fail(`server error: ${text}`);
    };
    const onClose = (code: number, reason: string) => {
      if (!ready) fail(`closed ${code} ${reason}`);
      else if (!closing) {
        closedUnexpectedly++;
        lastCloseCode = code;
        lastCloseReason = reason;
      }
    };
    const client = new RawWsClient(
      { port, path, headers, localAddress, onText, onClose },
      () => {
        if (protocol === "ws") done();
      },
      (err) => fail(err.message),
    );
  });
}

async function connect(msg: Extract<ToLoadgen, { type: "connect" }>): Promise<void> {
  epoch = msg.epoch;
  const started = Date.now();
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  // A bounded number of handshakes in flight: enough to be quick, few enough not to look like a SYN
  // flood — unless a storm asks for all at once, each after its own jittered delay.
  const jitterMs = msg.jitterMs ?? 0;
  const offset = msg.addressOffset ?? 0;
  const worker = async () => {
    while (next < msg.count) {
      const i = next++;
      if (jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * jitterMs));
      const localAddress = `127.0.0.${2 + ((offset + i) % msg.sourceAddresses)}`;
      try {
        sockets.push(
          await openOne(msg.port, msg.path, msg.headers, msg.protocol, msg.metricId, localAddress),
        );
        ok++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(msg.count, msg.concurrency ?? 64) }, worker));
  send({ type: "connected", ok, failed, firstError, ms: Date.now() - started });
}

process.on("message", (msg: ToLoadgen) => {
  switch (msg.type) {
    case "connect":
      void connect(msg);
      break;
    case "reset":
      hist.reset();
      received = 0;
      send({ type: "reset-done" });
      break;
    case "stats":
      send({
        type: "stats",
        received,
        p50: hist.percentile(50),
        p99: hist.percentile(99),
        max: hist.max,
        open: sockets.filter((s) => s.open).length,
        closedUnexpectedly,
        lastCloseCode,
        lastCloseReason,
      });
      break;
    case "close":
      closing = true;
      for (const s of sockets) s.destroy();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
process.on("disconnect", () => process.exit(0));
