// A one-field form that creates something by name (a dashboard, an API token): the field is
// cleared once `onCreate` resolves; a rejection leaves it for the caller to report.
import { type FormEvent, useState } from "react";

export function NameForm(props: {
  label: string;
  field: string;
  submit: string;
  onCreate: (name: string) => Promise<void>;
}) {
  const [name, setName] = useState("");
  async function submit(event: FormEvent) {
    event.preventDefault();
    await props.onCreate(name);
    setName("");
  }
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e).catch(() => {})}>
      <NameField label={props.label} name={props.field} value={name} onChange={setName} />
      <button type="submit" className="primary">
        {props.submit}
      </button>
    </form>
  );
}

/** A name as the server takes it (dashboard, token, metric): required, at most 200 characters. */
export function NameField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <input
        name={props.name}
        required
        maxLength={200}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

/** A description as the server takes it: optional, at most 2,000 characters; takes the free width. */
export function DescriptionField(props: { name: string; value: string; onChange: (value: string) => void }) {
  return (
    <label className="grow">
      Description{" "}
      <input
        name={props.name}
        maxLength={2000}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
