// The page's form controls: a form that posts, its fields (each giving its value to a setter as
// it changes), and the month picker above a monthly page.
import type { ComponentChildren, JSX } from "preact";
import { useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";
import { t } from "./i18n.ts";
import { ErrorBox, message } from "./ui.tsx";

/**
 * A form that posts, shows the server's problem (naming the field) or calls `done`. `act` gets
 * the form's Idempotency-Key: one for each filling of the form, kept for a second click or a
 * retry after the connection failed (the service then makes the step once), renewed once the
 * service has answered. While one is being sent, another submit does nothing.
 */
export function useSubmit<T>(act: (key: string) => Promise<T>, done: (r: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const key = useRef(crypto.randomUUID());
  const sending = useRef(false);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    setError(undefined);
    try {
      const result = await act(key.current);
      key.current = crypto.randomUUID();
      done(result);
    } catch (err) {
      // A problem the service answered (4xx): nothing was done, the next try is a new request.
      if (err instanceof ApiError && err.status < 500) key.current = crypto.randomUUID();
      setError(message(err));
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export type Submit = ReturnType<typeof useSubmit>;

/**
 * A form that posts: its fields, its submit button (`label`), what went wrong. `grid`: a form of
 * its own section, its fields laid out in a grid, the button below them; else one line (inline).
 */
export function SubmitForm(props: {
  submit: Submit;
  label: ComponentChildren;
  grid?: boolean;
  testId?: string;
  /** After the submit button: another button (cancel). */
  extra?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { submit } = props;
  const button = (
    <button type="submit" disabled={submit.busy}>
      {props.label}
    </button>
  );
  const form = (
    <form
      class={props.grid ? "grid" : "inline"}
      onSubmit={submit.submit}
      data-testid={props.testId}
    >
      {props.children}
      {props.grid ? <div class="wide">{button}</div> : button}
      {props.extra}
      {!props.grid && <ErrorBox error={submit.error} />}
    </form>
  );
  return props.grid ? (
    <>
      {form}
      <ErrorBox error={submit.error} />
    </>
  ) : (
    form
  );
}

/** A field's own label around it, when it has one (`labelClass`: `wide`, `check`). */
type Labelled = { label?: ComponentChildren; labelClass?: string | undefined };

const labelled = (props: Labelled, field: JSX.Element) =>
  props.label === undefined ? (
    field
  ) : (
    // biome-ignore lint/a11y/noLabelWithoutControl: the field it labels is its child, passed in
    <label class={props.labelClass}>
      {props.label}
      {field}
    </label>
  );

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "value" | "label"> &
  Labelled & { value: string; set: (value: string) => void };

/** An input whose text goes to `set` as it is typed. */
export function Input({ set, label, labelClass, ...input }: InputProps) {
  return labelled(
    { label, labelClass },
    <input {...input} onInput={(e) => set(e.currentTarget.value)} />,
  );
}

type TextAreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "label"> &
  Labelled & { value: string; set: (value: string) => void };

/** A text area whose text goes to `set` as it is typed. */
export function TextArea({ set, label, labelClass, ...area }: TextAreaProps) {
  return labelled(
    { label, labelClass },
    <textarea {...area} onInput={(e) => set(e.currentTarget.value)} />,
  );
}

/** A choice whose value goes to `set` (the options offer only values of its type). */
export function Select<V extends string>(
  props: Labelled & {
    name?: string;
    required?: boolean;
    value: V;
    set: (value: V) => void;
    children: ComponentChildren;
  },
) {
  const { set, label, labelClass, children, ...select } = props;
  return labelled(
    { label, labelClass },
    <select {...select} onChange={(e) => set(e.currentTarget.value as V)}>
      {children}
    </select>,
  );
}

/** The options of a choice: each value, in words. */
export const options = <V extends string>(
  values: readonly V[],
  text: (v: V) => ComponentChildren,
) =>
  values.map((v) => (
    <option key={v} value={v}>
      {text(v)}
    </option>
  ));

/** Boxes to tick, under their `legend`: the values ticked go to `set`. */
export function Checks<V extends string>(props: {
  legend: ComponentChildren;
  name?: string;
  values: readonly V[];
  text: (v: V) => ComponentChildren;
  checked: readonly V[];
  set: (checked: V[]) => void;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.values.map((v) => (
        <label key={v} class="check">
          <input
            type="checkbox"
            name={props.name}
            value={v}
            checked={props.checked.includes(v)}
            onChange={(e) =>
              props.set(
                e.currentTarget.checked
                  ? [...props.checked, v]
                  : props.checked.filter((x) => x !== v),
              )
            }
          />
          {props.text(v)}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * A form's fields in one state; `bind(k)` gives field `k` to an input: its name, its value and
 * what sets it.
 */
export function useFields<F extends object>(initial: F) {
  const [f, setF] = useState(initial);
  const bind = <K extends keyof F & string>(k: K) => ({
    name: k,
    value: f[k],
    set: (v: F[K]) => setF({ ...f, [k]: v }),
  });
  /** Empties the form (its first values back), once it is sent. */
  const reset = () => setF(initial);
  return { f, setF, bind, reset };
}

/** The month a page shows, chosen above it (the filters of its section). */
export function MonthFilter(props: {
  month: string;
  set: (month: string) => void;
  children?: ComponentChildren;
}) {
  return (
    <form class="filters" onSubmit={(e) => e.preventDefault()}>
      <Input label={t("month")} type="month" name="month" value={props.month} set={props.set} />
      {props.children}
    </form>
  );
}
