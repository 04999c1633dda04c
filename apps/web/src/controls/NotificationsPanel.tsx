// Editors' notifications panel (docs/API.md "Alert notifications"): the dashboard's contact
// points (webhook, Slack-compatible, email) with "send test" and their delivery log, and silences
// that mute a rule or the whole dashboard until a time. Secrets are write-only: the server never
// sends them back, so the form never shows them either.
import type {
  AlertRule,
  ContactPoint,
  ContactPointType,
  CreateContactPointBody,
  Delivery,
  Metric,
  Silence,
} from "@pulseboard/protocol/rest";
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../api/http.ts";
import { clockTime } from "../charts/clock.ts";
import { OutcomeText, useOutcome } from "./outcome.tsx";
import { Panel } from "./Panel.tsx";

export function NotificationsPanel(props: { dashboardId: number; metrics: Metric[]; onClose: () => void }) {
  const { dashboardId } = props;
  const [points, setPoints] = useState<ContactPoint[]>([]);
  const [rules, setRules] = useState<AlertRule[]>([]);
  const [silences, setSilences] = useState<Silence[]>([]);
  const { outcome, fail } = useOutcome();

  useEffect(() => {
    api.contactPoints(dashboardId).then(setPoints, fail);
    api.alertRules(dashboardId).then(setRules, fail);
    api.silences(dashboardId).then(setSilences, fail);
  }, [dashboardId, fail]);

  const ruleName = (id: number | null) => {
    if (id === null) return "every rule";
    const r = rules.find((x) => x.id === id);
    const m = r && props.metrics.find((x) => x.id === r.metric_id);
    return r ? `${m?.name ?? `metric ${r.metric_id}`} ${r.condition} ${r.threshold}` : `rule ${id}`;
  };

  return (
    <Panel
      title="Notifications"
      closeLabel="Close notifications"
      onClose={props.onClose}
      testId="notifications-panel"
      className="notifications"
    >
      <OutcomeText outcome={outcome} />
      <h3>Contact points</h3>
      {points.length === 0 && <p className="muted">No contact points: alerts reach open dashboards only.</p>}
      <ul className="contact-points">
        {points.map((cp) => (
          <ContactPointRow
            key={cp.id}
            cp={cp}
            onDeleted={() => setPoints((l) => l.filter((x) => x.id !== cp.id))}
            onSaved={(next) => setPoints((l) => l.map((x) => (x.id === next.id ? next : x)))}
          />
        ))}
      </ul>
      <NewContactPoint
        dashboardId={dashboardId}
        rules={rules}
        ruleName={ruleName}
        onCreated={(cp) => setPoints((l) => [...l, cp])}
      />
      <h3>Silences</h3>
      <ul className="silences">
        {silences.map((s) => (
          <SilenceRow
            key={s.id}
            silence={s}
            what={ruleName(s.rule_id)}
            onDeleted={() => setSilences((l) => l.filter((x) => x.id !== s.id))}
          />
        ))}
      </ul>
      <NewSilence
        dashboardId={dashboardId}
        rules={rules}
        ruleName={ruleName}
        onCreated={(s) => setSilences((l) => [...l, s])}
      />
    </Panel>
  );
}

function target(cp: ContactPoint): string {
  const s = cp.settings as { url?: string | null; to?: string[]; has_secret?: boolean };
  const follows =
    cp.rule_ids === null ? "" : ` · ${cp.rule_ids.length} rule${cp.rule_ids.length === 1 ? "" : "s"}`;
  if (cp.type === "email") return `${(s.to ?? []).join(", ")}${follows}`;
  return `${s.url ?? ""}${cp.type === "webhook" && s.has_secret ? " · signed" : ""}${follows}`;
}

function ContactPointRow(props: {
  cp: ContactPoint;
  onDeleted: () => void;
  onSaved: (cp: ContactPoint) => void;
}) {
  const { cp } = props;
  const [log, setLog] = useState<Delivery[] | null>(null);
  const { outcome, run } = useOutcome();
  const test = () =>
    run(
      async () => {
        const answer = await api.testContactPoint(cp.id);
        if (log) setLog(await api.deliveries(cp.id));
        if (!answer.ok) throw new Error(`Test failed: ${answer.error ?? `status ${answer.status_code}`}`);
        return answer;
      },
      (a) => `Test delivered (${a.duration_ms} ms).`,
    );
  const toggleLog = async () => {
    if (log) return setLog(null);
    await run(async () => setLog(await api.deliveries(cp.id)));
  };
  const toggleEnabled = () =>
    run(async () => props.onSaved(await api.patchContactPoint(cp.id, { enabled: !cp.enabled })));
  const remove = () =>
    run(async () => {
      await api.deleteContactPoint(cp.id);
      props.onDeleted();
    });
  return (
    <li className="contact-point" data-contact-point-id={cp.id}>
      <div className="contact-point-head">
        <strong>{cp.name}</strong> <span className="badge">{cp.type}</span>{" "}
        <span className="muted">{target(cp)}</span>
        {!cp.enabled && <span className="muted"> · off</span>}
      </div>
      <div className="contact-point-tools">
        <button type="button" onClick={() => void test()}>
          Send test
        </button>
        <button type="button" aria-pressed={log !== null} onClick={() => void toggleLog()}>
          Delivery log
        </button>
        <button type="button" onClick={() => void toggleEnabled()}>
          {cp.enabled ? "Switch off" : "Switch on"}
        </button>
        <button type="button" className="danger" onClick={() => void remove()}>
          Delete
        </button>
        <OutcomeText outcome={outcome} inline />
      </div>
      {log && (
        <ul className="delivery-log" aria-label={`Delivery log of ${cp.name}`}>
          {log.length === 0 && <li className="muted">Nothing sent yet.</li>}
          {log.map((d) => (
            <li key={d.id} className={d.ok ? "ok" : "error"}>
              <time>{clockTime(Date.parse(d.at))}</time> {d.test ? "test" : `attempt ${d.attempt}`} ·{" "}
              {d.ok ? `delivered (${d.status_code ?? "ok"})` : `failed: ${d.error ?? d.status_code}`} ·{" "}
              {d.duration_ms} ms
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function NewContactPoint(props: {
  dashboardId: number;
  rules: AlertRule[];
  ruleName: (id: number | null) => string;
  onCreated: (cp: ContactPoint) => void;
}) {
  /** empty: every rule of the dashboard */
  const [ruleIds, setRuleIds] = useState<number[]>([]);
  const [type, setType] = useState<ContactPointType>("webhook");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [to, setTo] = useState("");
  const [sendResolved, setSendResolved] = useState(true);
  const [repeat, setRepeat] = useState("0");
  const { outcome, run } = useOutcome();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const common = {
      name: name.trim(),
      send_resolved: sendResolved,
      repeat_interval_s: Number(repeat) || 0,
      rule_ids: ruleIds.length > 0 ? ruleIds : null,
    };
    const body: CreateContactPointBody =
      type === "email"
        ? {
            ...common,
            type,
            settings: {
              to: to
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean),
            },
          }
        : type === "slack"
          ? { ...common, type, settings: { url: url.trim() } }
          : { ...common, type, settings: { url: url.trim(), ...(secret ? { secret } : {}) } };
    const ok = await run(
      async () => props.onCreated(await api.createContactPoint(props.dashboardId, body)),
      "Added.",
    );
    if (ok) {
      setName("");
      setUrl("");
      setSecret("");
      setTo("");
    }
  };
  return (
    <form
      className="inline-form contact-point-form"
      aria-label="New contact point"
      noValidate
      onSubmit={submit}
    >
      <select aria-label="Type" value={type} onChange={(e) => setType(e.target.value as ContactPointType)}>
        <option value="webhook">Webhook</option>
        <option value="slack">Slack-compatible</option>
        <option value="email">Email</option>
      </select>
      <input aria-label="Name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
      {type === "email" ? (
        <input
          aria-label="Recipients"
          placeholder="ops@example.com, …"
          value={to}
          onChange={(e) => setTo(e.target.value)}
        />
      ) : (
        <input
          aria-label="URL"
          placeholder={type === "slack" ? "https://hooks.slack.com/services/…" : "https://example.com/hook"}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      )}
      {type === "webhook" && (
        <input
          aria-label="Signing secret"
          type="password"
          autoComplete="new-password"
          placeholder="signing secret (optional)"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
        />
      )}
      {props.rules.length > 0 && (
        <select
          aria-label="Rules"
          multiple
          title="Rules that notify it (none chosen: every rule)"
          value={ruleIds.map(String)}
          onChange={(e) => setRuleIds([...e.target.selectedOptions].map((o) => Number(o.value)))}
        >
          {props.rules.map((r) => (
            <option key={r.id} value={r.id}>
              {props.ruleName(r.id)}
            </option>
          ))}
        </select>
      )}
      <label>
        <input type="checkbox" checked={sendResolved} onChange={(e) => setSendResolved(e.target.checked)} />
        Resolves too
      </label>
      <span className="muted">repeat every</span>
      <input
        aria-label="Repeat every seconds"
        className="number short"
        type="number"
        value={repeat}
        onChange={(e) => setRepeat(e.target.value)}
      />
      <span className="muted">s</span>
      <button type="submit" className="primary">
        Add contact point
      </button>
      <OutcomeText outcome={outcome} inline />
    </form>
  );
}

function SilenceRow(props: { silence: Silence; what: string; onDeleted: () => void }) {
  const { outcome, run } = useOutcome();
  const s = props.silence;
  return (
    <li data-silence-id={s.id}>
      Muted: {props.what} until {clockTime(Date.parse(s.ends_at))}
      {s.comment && <span className="muted"> · {s.comment}</span>}{" "}
      <button
        type="button"
        onClick={() =>
          void run(async () => {
            await api.deleteSilence(s.id);
            props.onDeleted();
          })
        }
      >
        End now
      </button>
      <OutcomeText outcome={outcome} inline />
    </li>
  );
}

function NewSilence(props: {
  dashboardId: number;
  rules: AlertRule[];
  ruleName: (id: number | null) => string;
  onCreated: (s: Silence) => void;
}) {
  const [rule, setRule] = useState("");
  const [minutes, setMinutes] = useState("60");
  const [comment, setComment] = useState("");
  const { outcome, run } = useOutcome();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ends_at = new Date(Date.now() + (Number(minutes) || 0) * 60_000).toISOString();
    const ok = await run(
      async () =>
        props.onCreated(
          await api.createSilence(props.dashboardId, {
            ends_at,
            ...(rule ? { rule_id: Number(rule) } : {}),
            ...(comment ? { comment } : {}),
          }),
        ),
      "Muted.",
    );
    if (ok) setComment("");
  };
  return (
    <form className="inline-form" aria-label="New silence" noValidate onSubmit={submit}>
      <span className="muted">Mute</span>
      <select aria-label="What to mute" value={rule} onChange={(e) => setRule(e.target.value)}>
        <option value="">the whole dashboard</option>
        {props.rules.map((r) => (
          <option key={r.id} value={r.id}>
            {props.ruleName(r.id)}
          </option>
        ))}
      </select>
      <span className="muted">for</span>
      <input
        aria-label="Minutes"
        className="number short"
        type="number"
        value={minutes}
        onChange={(e) => setMinutes(e.target.value)}
      />
      <span className="muted">min</span>
      <input
        aria-label="Comment"
        placeholder="why (optional)"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      <button type="submit">Mute</button>
      <OutcomeText outcome={outcome} inline />
    </form>
  );
}
