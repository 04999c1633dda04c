import { createServer } from "node:http";
import Redis from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { launchChromium, startNginx, startNodeExporter, startPostgres, startRedis } from "../src/index.ts";

describe("test-support starts real servers", () => {
  it("starts redis-server and restarts it on the same port", async () => {
    const redis = await startRedis();
    try {
      const before = redis.pid();
      await redis.restart();
      expect(redis.pid()).not.toBe(before);
      const client = new Redis(redis.url);
      expect(await client.ping()).toBe("PONG");
      client.disconnect();
    } finally {
      await redis.stop();
    }
  });

  it("starts postgres and creates separate databases", async () => {
    const postgres = await startPostgres();
    try {
      const a = await postgres.createDatabase();
      const b = await postgres.createDatabase();
      expect(a).not.toBe(b);
      const client = new pg.Client({ connectionString: a });
      await client.connect();
      const { rows } = await client.query("select current_database() as db");
      expect(a.endsWith(`/${rows[0].db}`)).toBe(true);
      await client.end();
    } finally {
      await postgres.destroy();
    }
  });

  it("starts nginx proxying to an upstream", async () => {
    const upstream = createServer((_req, res) => res.end("from upstream")).listen(0, "127.0.0.1");
    await new Promise((resolve) => upstream.once("listening", resolve));
    const { port } = upstream.address() as { port: number };
    const nginx = await startNginx({ upstreams: [`127.0.0.1:${port}`] });
    try {
      expect(await (await fetch(nginx.url)).text()).toBe("from upstream");
    } finally {
      await nginx.stop();
      upstream.close();
    }
  });

  it("starts prometheus-node-exporter", async () => {
    const exporter = await startNodeExporter();
    try {
      expect(await (await fetch(exporter.url)).text()).toContain("node_load1");
    } finally {
      await exporter.stop();
    }
  });

  it("launches chromium and renders a page", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.setContent("<h1>rendered</h1>");
      expect(await page.textContent("h1")).toBe("rendered");
    } finally {
      await browser.close();
    }
  });
});
