// The systemd unit in deploy/ is valid for Debian's systemd: `systemd-analyze verify` accepts it
// with no warning, and (so this spec can fail) rejects a copy with a broken ExecStart.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MissingBinaryError } from "@pulseboard/test-support";
import { afterAll, describe, expect, it } from "vitest";

const unit = resolve(import.meta.dirname, "../../../deploy/pulseboard.service");
const tool = "/usr/bin/systemd-analyze";
const dir = mkdtempSync(join(tmpdir(), "pb-systemd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verify(path: string) {
  const run = spawnSync(tool, ["verify", path], { encoding: "utf8" });
  if (run.error) throw new MissingBinaryError(tool, "systemd");
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

describe("deploy/pulseboard.service", () => {
  it("passes systemd-analyze verify without a warning", () => {
    expect(verify(unit)).toEqual({ status: 0, output: "" });
  });

  it("is really checked: a copy whose ExecStart is not an absolute path fails verify", () => {
    const broken = join(dir, "pulseboard.service");
    writeFileSync(
      broken,
      readFileSync(unit, "utf8").replace("ExecStart=/usr/bin/node", "ExecStart=node-nowhere"),
    );
    const result = verify(broken);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/node-nowhere/);
  });
});
