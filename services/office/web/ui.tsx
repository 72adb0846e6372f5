// Small building blocks every page uses: loading data, errors, tables, forms.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, Unreachable } from "./api.ts";
import { t, unreachable } from "./i18n.ts";

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
  e instanceof Unreachable
    ? unreachable(e.service, e.url)
    : e instanceof ApiError || e instanceof Error
      ? e.message
      : String(e);

export function ErrorBox({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Section(props: {
  title: ComponentChildren;
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
              // On a phone each row is a card, each cell under its column's name (style.css).
              <td key={h} data-label={h}>
                {cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * An id as the API and the CLI take it: the whole of it, shortened to the eye (style.css) but
 * whole when selected, in its title and on the clipboard by its button.
 */
export function Id({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  const copy = (e: Event) => {
    // Not the row's click (a row of the tracker opens the referral's chain).
    e.stopPropagation();
    navigator.clipboard?.writeText(id).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <span class="id">
      <code title={id}>{id}</code>
      <button
        type="button"
        class="link copy"
        title={t("copyId")}
        aria-label={t("copyId")}
        onClick={copy}
      >
        {copied ? t("copied") : t("copy")}
      </button>
    </span>
  );
}

/** What a person wrote (a name, a summary, a reason): shown as written, in whatever language. */
export const Said = ({ children }: { children: ComponentChildren }) => (
  <span data-said="">{children}</span>
);

export const Refresh = ({ onClick }: { onClick: () => void }) => (
  <button type="button" class="link" onClick={onClick}>
    {t("refresh")}
  </button>
);

/** A status in words, styled by its value. */
export const Status = <V extends string>(props: { of: V; text: (v: V) => string }) => (
  <span class={`status ${props.of}`}>{props.text(props.of)}</span>
);

/** A desk's tabs: `active` is the one shown (none while something else is). */
export function Tabs<K extends string>(props: {
  tabs: [K, string][];
  active: K | undefined;
  pick: (k: K) => void;
}) {
  return (
    <nav class="tabs">
      {props.tabs.map(([k, name]) => (
        <button
          type="button"
          key={k}
          class={props.active === k ? "active" : ""}
          onClick={() => props.pick(k)}
        >
          {name}
        </button>
      ))}
    </nav>
  );
}

export type Column<T> = [string, (row: T) => ComponentChildren];

/** A section showing one loaded list as a table (`refresh`: with a button to load it again). */
export function ListSection<T>(props: {
  title: string;
  list: Loaded<{ items: T[] }>;
  refresh?: boolean;
  testId: string;
  rowKey: (row: T) => string;
  columns: Column<T>[];
}) {
  const { list } = props;
  return (
    <Section
      title={props.title}
      actions={props.refresh ? <Refresh onClick={list.reload} /> : undefined}
    >
      <ErrorBox error={list.error} />
      <Table
        testId={props.testId}
        rows={list.data?.items}
        rowKey={props.rowKey}
        columns={props.columns}
      />
    </Section>
  );
}
