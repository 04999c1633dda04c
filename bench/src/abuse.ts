// `npm run bench -- --abuse`: one Pulseboard node with its default limits, 1,000 legitimate
// clients streaming (from 127.0.0.2–25: 24 addresses, so that each stays inside the default
// per-address handshake burst of 60) while the orchestrator publishes, and four attacks from
// other loopback addresses, one after another: 1,000 slow-loris sockets, 10,000 WebSocket
// handshakes from one address, a login spray rotating user names, and a resume flood from an
// attacker's sockets. For a quiet baseline and each attack it reports the legitimate clients'
// delivery p99 and loss and the health route's latency p99, and what the attack got (status
// counts), all measured in the same run.
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { startChild } from "./children.ts";
import { Histogram } from "./histogram.ts";
import type { FromLoadgen, LoadgenStats, ServerReady } from "./ipc.ts";
import { closePublisher, publish } from "./publisher.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

type Phase = {
  name: string;
  deliveryP99: number;
  loss: number;
  healthP99: number;
  healthFailed: number;
  attack: string;
};

type Options = { clients: number; rate: number; seconds: number };

function parse(argv: string[]): Options {
  const get = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return { clients: get("clients", 1000), rate: get("rate", 20), seconds: get("step-seconds", 8) };
}

/** GET /api/v1/health every 50 ms while `running()`; its latency distribution. */
async function probeHealth(port: number, path: string, running: () => boolean) {
  const hist = new Histogram();
  let failed = 0;
  const agent = new Agent({ keepAlive: false });
  while (running()) {
    const t0 = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path, agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
    if (ok) hist.record(performance.now() - t0);
    else failed++;
    await sleep(50);
  }
  return { p99: hist.percentile(99), failed };
}

/** Slow loris: sockets that send half a request and then a byte now and then, for ever. */
async function slowLoris(port: number, count: number, until: () => boolean): Promise<string> {
  const sockets: Socket[] = [];
  let refused = 0;
  let closedByServer = 0;
  for (let i = 0; i < count; i++) {
    const s = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.50" });
    s.on("error", () => {});
    s.on("data", (d) => {
      if (String(d).startsWith("HTTP/1.1 429")) refused++;
    });
    s.on("close", () => closedByServer++);
    s.on("connect", () =>
      s.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n`),
    );
    sockets.push(s);
  }
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write("X-a: b\r\n");
  }, 1000);
  while (until()) await sleep(100);
  clearInterval(trickle);
  const stillOpen = sockets.filter((s) => !s.destroyed).length;
  for (const s of sockets) s.destroy();
  return `${count} sockets: ${refused} refused at once (429), ${closedByServer} closed by the server, ${stillOpen} open at the end`;
}

/** Upgrade requests, `concurrency` at a time, from one address; counts the answers. */
async function handshakeFlood(port: number, path: string, total: number, until: () => boolean) {
  const counts = new Map<string, number>();
  let sent = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.60" });
      let answer = "";
      s.on("error", () => {
        counts.set("error", (counts.get("error") ?? 0) + 1);
        resolve();
      });
      s.on("connect", () =>
        s.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        ),
      );
      s.on("data", (d) => {
        answer += d;
        if (!answer.includes("\r\n")) return;
        const status = answer.slice(9, 12);
        counts.set(status, (counts.get(status) ?? 0) + 1);
        s.destroy();
        resolve();
      });
      s.on("close", () => resolve());
    });
  const workers = Array.from({ length: 100 }, async () => {
    while (sent < total && until()) {
      sent++;
      await one();
    }
  });
  await Promise.all(workers);
  while (until()) await sleep(100);
  return `${sent} handshakes: ${[...counts].map(([k, v]) => `${v}× ${k}`).join(", ")}`;
}

/** Failed logins with rotating user names from one address, 50 at a time. */
async function loginSpray(port: number, until: () => boolean) {
  const counts = new Map<number, number>();
  let n = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 50, localAddress: "127.0.0.70" });
  const one = () =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ username: `user${n++}`, password: "Password123" });
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/v1/auth/login",
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            counts.set(res.statusCode ?? 0, (counts.get(res.statusCode ?? 0) ?? 0) + 1);
            resolve();
          });
        },
      );
      req.on("error", () => resolve());
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (until()) await one();
    }),
  );
  agent.destroy();
  return `${n} logins: ${[...counts].map(([k, v]) => `${v}× ${k}`).join(", ")}`;
}

/** An attacker's sockets sending `resume` from the beginning of time as fast as they can. */
async function resumeFlood(port: number, path: string, token: string, until: () => boolean) {
  const { WebSocket } = await import("ws");
  let closes = 0;
  let sent = 0;
  const codes = new Map<number, number>();
  const sockets = Array.from({ length: 20 }, () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      localAddress: "127.0.0.80",
    });
    ws.on("error", () => {});
    ws.on("close", (code) => {
      closes++;
      codes.set(code, (codes.get(code) ?? 0) + 1);
    });
    return ws;
  });
  const frame = JSON.stringify({ action: "resume", payload: { since: "1970-01-01T00:00:00Z" } });
  while (until()) {
    for (const ws of sockets)
      if (ws.readyState === 1) {
        ws.send(frame);
        sent++;
      }
    await sleep(5);
  }
  for (const ws of sockets) ws.terminate();
  return `${sent} resume frames on 20 sockets; ${closes} closed by the server (${[...codes].map(([k, v]) => `${v}× ${k}`).join(", ")})`;
}

export async function runAbuse(argv: string[]): Promise<void> {
  const opts = parse(argv);
  const server = startChild("targets/pulseboard-server.ts", { env: { LOG_LEVEL: "warn", BENCH_ABUSE: "1" } });
  const loadgen = startChild("loadgen.ts");
  const phases: Phase[] = [];
  try {
    const ready = await server.next<ServerReady>("ready", 60_000);
    if (!ready.abuse) throw new Error("the server did not start in abuse mode");
    const abuse = ready.abuse;
    const epoch = Date.now();
    const connected = await loadgen.request<Extract<FromLoadgen, { type: "connected" }>>(
      {
        type: "connect",
        count: opts.clients,
        port: ready.port,
        path: ready.wsPath,
        headers: ready.wsHeaders,
        protocol: ready.protocol,
        metricId: ready.metricId,
        sourceAddresses: 24,
        epoch,
      },
      "connected",
      600_000,
    );
    log(
      `abuse bench: ${connected.ok} legitimate clients connected (${connected.failed} failed${connected.firstError ? `: ${connected.firstError}` : ""})`,
    );
    const target = {
      port: ready.port,
      path: ready.publishPath,
      headers: ready.publishHeaders,
      body: ready.publishBody,
      epoch,
    };
    await publish(target, opts.rate, 1); // warm-up

    const attacks: Array<[string, (until: () => boolean) => Promise<string>]> = [
      [
        "quiet baseline",
        async (until) => {
          while (until()) await sleep(100);
          return "–";
        },
      ],
      ["1,000 slow-loris sockets", (until) => slowLoris(ready.port, 1000, until)],
      ["10,000 handshakes, one address", (until) => handshakeFlood(ready.port, ready.wsPath, 10_000, until)],
      ["login spray (rotating names)", (until) => loginSpray(ready.port, until)],
      [
        "resume flood (20 sockets)",
        (until) => resumeFlood(ready.port, ready.wsPath, abuse.attackerToken, until),
      ],
      [
        "quiet again",
        async (until) => {
          while (until()) await sleep(100);
          return "–";
        },
      ],
    ];
    for (const [name, attack] of attacks) {
      await loadgen.request({ type: "reset" }, "reset-done");
      let running = true;
      const until = () => running;
      const attackDone = attack(until);
      await sleep(1000); // the attack is under way before measuring
      const health = probeHealth(ready.port, abuse.healthPath, until);
      const pub = await publish(target, opts.rate, opts.seconds);
      running = false;
      const [what, h] = await Promise.all([attackDone, health]);
      const expected = pub.accepted * connected.ok;
      let stats = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
      for (let i = 0; i < 50 && stats.received < expected; i++) {
        await sleep(100);
        stats = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
      }
      const phase: Phase = {
        name,
        deliveryP99: stats.p99,
        loss: expected === 0 ? 1 : Math.max(0, 1 - stats.received / expected),
        healthP99: h.p99,
        healthFailed: h.failed + pub.failed,
        attack: what,
      };
      phases.push(phase);
      log(
        `  ${name}: delivery p99 ${phase.deliveryP99.toFixed(1)} ms, loss ${(phase.loss * 100).toFixed(2)}%, health p99 ${phase.healthP99.toFixed(1)} ms${phase.healthFailed ? `, ${phase.healthFailed} failed` : ""}; ${what}`,
      );
      await sleep(1500); // let sockets and TIME_WAIT settle
    }
  } finally {
    loadgen.proc.connected && loadgen.proc.send({ type: "close" });
    await loadgen.stop();
    await server.stop();
    closePublisher();
  }
  const base = phases[0]!;
  console.log(
    `\nAbuse bench: ${opts.clients} clients, ${opts.rate} posts/s, ${opts.seconds} s per phase (${new Date().toISOString()})\n`,
  );
  console.log("| phase | delivery p99 | × quiet | loss | health p99 | × quiet | what the attack got |");
  console.log("|---|---|---|---|---|---|---|");
  for (const p of phases)
    console.log(
      `| ${p.name} | ${p.deliveryP99.toFixed(1)} ms | ${(p.deliveryP99 / base.deliveryP99).toFixed(2)} | ${(p.loss * 100).toFixed(2)}% | ${p.healthP99.toFixed(1)} ms | ${(p.healthP99 / base.healthP99).toFixed(2)} | ${p.attack} |`,
    );
}
