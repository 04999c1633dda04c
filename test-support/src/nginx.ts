// Starts Debian's nginx as a WebSocket-capable reverse proxy in front of several upstream nodes
// (round-robin, no sticky sessions), on a random loopback port, from a temp prefix dir.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, requireBinary, spawnManaged, waitForPort } from "./process.ts";

export type NginxHandle = { url: string; port: number; pid: number; stop: () => Promise<void> };

export async function startNginx(opts: { upstreams: string[] }): Promise<NginxHandle> {
  const binary = requireBinary(["/usr/sbin/nginx"], "nginx-light");
  if (opts.upstreams.length === 0) throw new Error("startNginx needs at least one upstream host:port");
  const dir = mkdtempSync(join(tmpdir(), "pb-nginx-"));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const conf = `
${asRoot ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream pulseboard { ${opts.upstreams.map((u) => `server ${u} max_fails=0;`).join(" ")} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pulseboard;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
`;
  const confPath = join(dir, "nginx.conf");
  writeFileSync(confPath, conf);
  const proc = spawnManaged(binary, ["-p", dir, "-c", confPath, "-e", join(dir, "error.log")]);
  await waitForPort(port, 10_000, "nginx", proc.output);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
