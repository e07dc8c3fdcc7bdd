import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  /**
   * Loads again in the background (with `load`, or with another loader for the same data): `loading` stays false and
   * the current data stays shown until the answer replaces it, so a periodic refresh does not flicker. A failure
   * sets `error` and keeps the data. Dropped like any load when the deps change meanwhile or the component unmounts.
   */
  refresh: (load?: (signal: AbortSignal) => Promise<T>) => Promise<void>;
  setData: (update: T | ((previous: T | undefined) => T)) => void;
}

/**
 * Loads data with `load` when the component mounts and whenever `deps` change; answers that arrive after a newer
 * load started (or after unmount) are dropped.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  // The current load's controller: a refresh borrows it, so it is dropped exactly when that load would be.
  const controllerRef = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    controllerRef.current = controller;
    setLoading(true);
    setError(null);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setLoading(false);
      },
      (reason: unknown) => {
        if (controller.signal.aborted) return;
        setError(reason);
        setLoading(false);
      },
    );
    return () => controller.abort();
    // the caller names the dependencies (`load` itself changes on every render)
  }, [...deps, version]);

  const reload = useCallback(() => setVersion((value) => value + 1), []);
  const refresh = useCallback(async (other?: (signal: AbortSignal) => Promise<T>) => {
    const controller = controllerRef.current;
    if (!controller || controller.signal.aborted) return;
    try {
      const value = await (other ?? loadRef.current)(controller.signal);
      if (controller.signal.aborted) return;
      setData(value);
      setError(null);
    } catch (reason) {
      if (controller.signal.aborted) return;
      setError(reason);
    }
  }, []);
  const update = useCallback((next: T | ((previous: T | undefined) => T)) => {
    setData((previous) => (typeof next === 'function' ? (next as (p: T | undefined) => T)(previous) : next));
  }, []);
  return { data, error, loading, reload, refresh, setData: update };
}

/**
 * Calls `refresh` every `intervalMs` while `active` and the page is visible (document.visibilityState): one call at a
 * time, the next one `intervalMs` after the previous answer, so a slow server is never asked twice at once. A page
 * that becomes visible again refreshes at once, since what it shows may be minutes old.
 */
export function usePolling(refresh: () => Promise<unknown>, active: boolean, intervalMs = 5_000): void {
  const refreshRef = useRef(refresh);
  useLayoutEffect(() => {
    refreshRef.current = refresh;
  });

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let running = false;
    let timer: number | undefined;
    const visible = () => document.visibilityState === 'visible';
    const schedule = () => {
      window.clearTimeout(timer);
      if (!stopped && visible()) timer = window.setTimeout(() => void tick(), intervalMs);
    };
    const tick = async () => {
      if (stopped || running || !visible()) return;
      running = true;
      try {
        await refreshRef.current();
      } catch {
        // the caller shows its own errors; polling goes on
      } finally {
        running = false;
        schedule();
      }
    };
    const onVisibility = () => {
      if (visible()) void tick();
      else window.clearTimeout(timer);
    };
    document.addEventListener('visibilitychange', onVisibility);
    schedule();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [active, intervalMs]);
}

/** A value that follows `value` after it has stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}

/** Runs an action, keeping its busy state and its error (for an alert beside the button that started it). */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const actionRef = useRef(action);
  useLayoutEffect(() => {
    actionRef.current = action;
  });

  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      const result = await actionRef.current(...args);
      return result;
    } catch (reason) {
      if (mounted.current) setError(reason);
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { run, busy, error, clear };
}

export interface OlderPages<T> {
  /** Items of the pages loaded after the first, oldest last. */
  older: T[];
  /** The cursor of the next older page; null when there is none. */
  nextBefore: string | number | null;
  loading: boolean;
  error: unknown;
  loadOlder: () => Promise<void>;
}

/**
 * Keyset paging behind a first page loaded with `useLoad`: older pages are fetched on demand with the cursor each page
 * gives, and dropped whenever the first page loads again (new filters, a refresh).
 */
export function useOlderPages<T, C extends string | number>(
  firstPage: { nextBefore: C | null } | undefined,
  fetchOlder: (before: C) => Promise<{ items: T[]; nextBefore: C | null }>,
): OlderPages<T> {
  const [older, setOlder] = useState<T[]>([]);
  const [nextBefore, setNextBefore] = useState<C | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setOlder([]);
    setError(null);
    setNextBefore(firstPage?.nextBefore ?? null);
  }, [firstPage]);

  const loadOlder = async () => {
    if (nextBefore === null) return;
    setLoading(true);
    setError(null);
    try {
      const page = await fetchOlder(nextBefore);
      setOlder((previous) => [...previous, ...page.items]);
      setNextBefore(page.nextBefore);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  };

  return { older, nextBefore, loading, error, loadOlder };
}
