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
      <label>
        {props.label}{" "}
        <input
          name={props.field}
          required
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <button type="submit" className="primary">
        {props.submit}
      </button>
    </form>
  );
}
