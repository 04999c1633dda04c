#!/usr/bin/env -S npx tsx
// Owns the admin command line: users, tokens, dashboards and members, against the same
// storage the server uses (DATABASE_URL or PULSEBOARD_DATA_DIR); and `apply`, which sends a
// dashboard definition to a running server's REST API (so permissions, validation and the alert
// engine's view of the rules are the server's own).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { describeProblems, passwordProblems } from "./auth/password-policy.ts";
import { createApiToken } from "./auth/tokens.ts";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/connect.ts";
import type { Db, Role } from "./db/schema.ts";
import { createDashboard, findDashboard, setMember } from "./model/dashboards.ts";
import { createUser, findUserByName } from "./model/users.ts";

const USAGE = `Usage: pulseboard <command>
  create-user <username> [--password p]        (a random password is generated and printed if omitted)
  create-token <username> <name>               (prints the token once)
  create-dashboard <name> [--owner username] [--slug s] [--description d]
  add-member <dashboard-id|slug> <username> <viewer|editor|owner>
  apply <file.json> [--url http://host:port] [--token t]
                                               (creates or updates the dashboard the definition
                                                describes; idempotent. PULSEBOARD_URL / PULSEBOARD_TOKEN)`;

class UsageError extends Error {}

async function run(db: Db, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      password: { type: "string" },
      owner: { type: "string" },
      slug: { type: "string" },
      description: { type: "string" },
    },
  });
  const [command, ...args] = positionals;
  switch (command) {
    case "create-user": {
      const [username] = args;
      if (!username || args.length !== 1) throw new UsageError("create-user needs <username>");
      const password = values.password ?? randomBytes(12).toString("base64url");
      const problems = passwordProblems(password, { username, minLength: config.passwordMinLength });
      if (problems.length) throw new Error(describeProblems(problems));
      const user = await createUser(db, username, password);
      return values.password
        ? `Created user ${user.username} (id ${user.id})`
        : `Created user ${user.username} (id ${user.id}) with password: ${password}`;
    }
    case "create-token": {
      const [username, name] = args;
      if (!username || !name || args.length !== 2)
        throw new UsageError("create-token needs <username> <name>");
      const user = await findUserByName(db, username);
      if (!user) throw new UsageError(`No user "${username}"`);
      const token = await createApiToken(db, user.id, name);
      return token.token;
    }
    case "create-dashboard": {
      const [name] = args;
      if (!name || args.length !== 1) throw new UsageError("create-dashboard needs <name>");
      let ownerId: number | undefined;
      if (values.owner) {
        const owner = await findUserByName(db, values.owner);
        if (!owner) throw new UsageError(`No user "${values.owner}"`);
        ownerId = owner.id;
      }
      const d = await createDashboard(
        db,
        { name, slug: values.slug, description: values.description },
        ownerId,
      );
      return `Created dashboard "${d.name}" (id ${d.id}, slug ${d.slug})`;
    }
    case "add-member": {
      const [ref, username, role] = args;
      if (!ref || !username || !role || args.length !== 3)
        throw new UsageError("add-member needs <dashboard-id|slug> <username> <role>");
      if (!["viewer", "editor", "owner"].includes(role))
        throw new UsageError("role must be viewer, editor or owner");
      const d = await findDashboard(db, ref);
      if (!d) throw new UsageError(`No dashboard "${ref}"`);
      const m = await setMember(db, d.id, username, role as Role);
      return `${m.username} is now ${m.role} of "${d.name}"`;
    }
    default:
      throw new UsageError(command ? `Unknown command "${command}"` : "No command given");
  }
}

/** `apply <file>`: PUT /api/v1/definitions with an API token; prints what changed. */
async function apply(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: "string" }, token: { type: "string" } },
  });
  const [, file, ...rest] = positionals;
  if (!file || rest.length) throw new UsageError("apply needs <file.json>");
  const url = values.url ?? process.env.PULSEBOARD_URL ?? `http://127.0.0.1:${loadConfig().port}`;
  const token = values.token ?? process.env.PULSEBOARD_TOKEN;
  if (!token) throw new UsageError("apply needs an API token (--token or PULSEBOARD_TOKEN)");
  let body: unknown;
  try {
    body = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const res = await fetch(`${url.replace(/\/$/, "")}/api/v1/definitions`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  const a = JSON.parse(text) as Record<string, number | boolean | string>;
  const changes = [
    a.created ? "created" : "",
    a.dashboard_changed ? "dashboard updated" : "",
    a.metrics_created ? `${a.metrics_created} metrics created` : "",
    a.metrics_updated ? `${a.metrics_updated} metrics updated` : "",
    a.layout_changed ? "layout replaced" : "",
    a.rules_created ? `${a.rules_created} rules created` : "",
    a.rules_updated ? `${a.rules_updated} rules updated` : "",
    a.rules_deleted ? `${a.rules_deleted} rules deleted` : "",
  ].filter(Boolean);
  return `Dashboard "${a.slug}" (id ${a.dashboard_id}): ${changes.length ? changes.join(", ") : "unchanged"}`;
}

const config = loadConfig();
const argv = process.argv.slice(2);
if (argv.length === 0 || argv[0] === "--help" || argv[0] === "help") {
  console.log(USAGE);
  process.exit(argv.length === 0 ? 2 : 0);
}
if (argv[0] === "apply") {
  try {
    console.log(await apply(argv));
    process.exit(0);
  } catch (error) {
    if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
    else console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
let code = 0;
try {
  console.log(await run(handle.db, argv));
} catch (error) {
  code = error instanceof UsageError ? 2 : 1;
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await handle.close();
}
process.exit(code);
