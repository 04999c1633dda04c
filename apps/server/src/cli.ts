#!/usr/bin/env -S npx tsx
// Owns the admin command line: users, tokens, dashboards and members, against the same
// storage the server uses (DATABASE_URL or PULSEBOARD_DATA_DIR); backup and restore; `config check`,
// which validates the configuration (file and environment) the server would use; and `apply`, which
// sends a dashboard definition to a running server's REST API (so permissions, validation and the
// alert engine's view of the rules are the server's own).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as admin from "./admin/store.ts";
import { describeProblems, passwordProblems } from "./auth/password-policy.ts";
import { createApiToken } from "./auth/tokens.ts";
import { createUser, findUserByName } from "./auth/users.ts";
import { type Config, configProblems, describeConfig, loadConfig } from "./config/config.ts";
import { ConfigError } from "./config/config-file.ts";
import { createDashboard, findDashboard, setMember } from "./dashboards/store.ts";
import { openDatabase } from "./db/connect.ts";
import type { Db, Role } from "./db/schema.ts";
import { BackupError, backup, restore } from "./ops/backup.ts";

const USAGE = `Usage: pulseboard <command>
  create-user <username> [--password p]        (a random password is generated and printed if omitted)
  create-token <username> <name>               (prints the token once)
  create-dashboard <name> [--owner username] [--slug s] [--description d]
  add-member <dashboard-id|slug> <username> <viewer|editor|owner>
  apply <file.json> [--url http://host:port] [--token t]
                                               (creates or updates the dashboard the definition
                                                describes; idempotent. PULSEBOARD_URL / PULSEBOARD_TOKEN)
  list-users                                   (name, administrator, disabled)
  set-admin <username> [--off]                 (the first user is the administrator; name others here)
  disable-user <username> | enable-user <username>
  delete-user <username>
  reset-password <username> [--password p]     (signs the user out everywhere)
  create-team <name> | add-team-member <team> <username>
  add-team <dashboard-id|slug> <team> <viewer|editor|owner>
  backup <file>                                (online: the server may keep running)
  restore <file> [--force]                     (into an empty instance; --force replaces its data)
  config check                                 (validates the file and environment; exit 1 naming the key)
Options: --config <file.json> (same as PULSEBOARD_CONFIG)`;

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
      off: { type: "boolean" },
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
    case "list-users":
      return (await admin.listUsers(db))
        .map((u) => `${u.username}${u.admin ? " (administrator)" : ""}${u.disabled ? " (disabled)" : ""}`)
        .join("\n");
    case "set-admin":
    case "disable-user":
    case "enable-user":
    case "delete-user":
    case "reset-password": {
      const [username] = args;
      if (!username || args.length !== 1) throw new UsageError(`${command} needs <username>`);
      const user = await admin.userByName(db, username);
      if (command === "set-admin") {
        await admin.updateUser(db, user.id, { admin: !values.off });
        return `${username} is ${values.off ? "no longer" : "now"} an administrator`;
      }
      if (command === "disable-user" || command === "enable-user") {
        await admin.updateUser(db, user.id, { disabled: command === "disable-user" });
        if (command === "disable-user") await admin.deleteSessionsOf(db, user.id);
        return `${username} is ${command === "disable-user" ? "disabled (signed out; tokens stop working)" : "enabled"}`;
      }
      if (command === "delete-user") {
        await admin.deleteUser(db, user.id);
        return `Deleted user ${username}`;
      }
      const password = values.password ?? randomBytes(12).toString("base64url");
      await admin.resetPassword(db, user.id, password);
      return values.password
        ? `Password of ${username} reset`
        : `Password of ${username} reset to: ${password}`;
    }
    case "create-team": {
      const [name] = args;
      if (!name || args.length !== 1) throw new UsageError("create-team needs <name>");
      const team = await admin.createTeam(db, name);
      return `Created team "${team.name}" (id ${team.id})`;
    }
    case "add-team-member": {
      const [teamName, username] = args;
      if (!teamName || !username || args.length !== 2)
        throw new UsageError("add-team-member needs <team> <username>");
      const team = await admin.teamByRef(db, teamName);
      const user = await admin.userByName(db, username);
      await admin.addTeamMember(db, team.id, user.id);
      return `${username} is now in team "${team.name}"`;
    }
    case "add-team": {
      const [ref, teamName, role] = args;
      if (!ref || !teamName || !role || args.length !== 3)
        throw new UsageError("add-team needs <dashboard-id|slug> <team> <role>");
      if (!["viewer", "editor", "owner"].includes(role))
        throw new UsageError("role must be viewer, editor or owner");
      const d = await findDashboard(db, ref);
      if (!d) throw new UsageError(`No dashboard "${ref}"`);
      const team = await admin.teamByRef(db, teamName);
      await admin.setDashboardTeam(db, d.id, team.id, role as Role);
      return `Team "${team.name}" is now ${role} of "${d.name}"`;
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

/** Commands that do not run against an open database (or open it themselves). */
async function runOps(config: Config, argv: string[]): Promise<string | undefined> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { force: { type: "boolean" } },
  });
  const [command, ...args] = positionals;
  if (command === "config") {
    if (args[0] !== "check" || args.length !== 1) throw new UsageError("config needs: check");
    const problems = configProblems(config);
    if (problems.length > 0) throw new ConfigError(problems.join("; "));
    return `Configuration OK: ${describeConfig(config)}`;
  }
  if (command !== "backup" && command !== "restore") return undefined;
  const [file] = args;
  if (!file || args.length !== 1) throw new UsageError(`${command} needs <file>`);
  return command === "backup"
    ? backup(config, file)
    : restore(config, file, { force: values.force === true });
}

let argv = process.argv.slice(2);
const configAt = argv.indexOf("--config");
if (configAt >= 0) {
  const path = argv[configAt + 1];
  if (!path) {
    console.error(`--config needs a file\n\n${USAGE}`);
    process.exit(2);
  }
  process.env.PULSEBOARD_CONFIG = path;
  argv = [...argv.slice(0, configAt), ...argv.slice(configAt + 2)];
}
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
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  console.error(`Configuration error: ${(error as Error).message}`);
  process.exit(1);
}
if (["backup", "restore", "config"].includes(argv[0] ?? "")) {
  try {
    console.log(await runOps(config, argv));
    process.exit(0);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const label =
      error instanceof ConfigError ? "Configuration error" : error instanceof BackupError ? "Error" : "Error";
    console.error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
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
