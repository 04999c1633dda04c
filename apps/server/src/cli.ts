#!/usr/bin/env -S npx tsx
// Owns the admin command line: users, tokens, dashboards and members, against the same
// storage the server uses (DATABASE_URL or PULSEBOARD_DATA_DIR).
import { randomBytes } from "node:crypto";
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
  add-member <dashboard-id|slug> <username> <viewer|editor|owner>`;

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

const config = loadConfig();
const argv = process.argv.slice(2);
if (argv.length === 0 || argv[0] === "--help" || argv[0] === "help") {
  console.log(USAGE);
  process.exit(argv.length === 0 ? 2 : 0);
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
