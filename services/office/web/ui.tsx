// Small building blocks every page uses: loading data, errors, tables, forms.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api.ts";
import { t } from "./i18n.ts";

export type Loaded<T> = { data: T | undefined; error: string | undefined; reload: () => void };

/** Loads on mount and whenever `key` changes; `reload()` loads again. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => live && setError(message(e)),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  return { data, error, reload: useCallback(() => setTick((n) => n + 1), []) };
}

export const message = (e: unknown) =>
  e instanceof ApiError || e instanceof Error ? e.message : String(e);

export function ErrorBox({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Section(props: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section>
      <header class="section-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

export function Table<T>(props: {
  rows: T[] | undefined;
  columns: [string, (row: T) => ComponentChildren][];
  rowKey: (row: T) => string;
  testId?: string;
  onRow?: (row: T) => void;
}) {
  if (!props.rows) return <p class="muted">{t("loading")}</p>;
  if (props.rows.length === 0) return <p class="muted">{t("none")}</p>;
  return (
    <table data-testid={props.testId}>
      <thead>
        <tr>
          {props.columns.map(([h]) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr
            key={props.rowKey(r)}
            data-key={props.rowKey(r)}
            class={props.onRow ? "clickable" : undefined}
            onClick={props.onRow ? () => props.onRow?.(r) : undefined}
          >
            {props.columns.map(([h, cell]) => (
              <td key={h}>{cell(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A form that posts, shows the server's problem (naming the field) or calls `done`. */
export function useSubmit<T>(act: () => Promise<T>, done: (r: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      done(await act());
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export const short = (id: string) => id.slice(0, 8);
