import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api/client';
import { FINAL_JOB_STATES, JOB_STATES } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { SelectField, TextField } from '../components/Field';
import { JobsTable } from '../components/JobsTable';
import { Card, EmptyState, Loading, OlderPagesFooter, PageHeader, ViewerNotice } from '../components/Misc';
import { NewUploadButton } from '../components/NewUploadButton';
import { jobStateWord } from '../lib/format';
import { useDebounced, useLoad, useOlderPages, usePolling } from '../lib/hooks';

const PAGE_SIZE = 50;
/** The most jobs GET /api/jobs answers at once. */
const MAX_PAGE = 200;

/** Jobs history with filters; each job opens its monitor page. Filters live in the URL so links can share them. */
export function JobsPage() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const destinationId = params.get('destinationId') ?? '';
  const [search, setSearch] = useState(params.get('search') ?? '');
  const debouncedSearch = useDebounced(search.trim(), 350);

  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  useEffect(() => {
    if ((params.get('search') ?? '') !== debouncedSearch) setParam('search', debouncedSearch);
    // only when the debounced text changes
  }, [debouncedSearch]);

  const destinations = useLoad(() => api.destinations(), []);
  const filters = { state, destinationId, search: params.get('search') ?? '' };
  const first = useLoad(() => api.jobs({ ...filters, limit: PAGE_SIZE }), [filters.state, filters.destinationId, filters.search]);
  const pages = useOlderPages(first.data, async (before: string) => {
    const page = await api.jobs({ ...filters, limit: PAGE_SIZE, before });
    return { items: page.jobs, nextBefore: page.nextBefore };
  });

  const firstJobs = first.data?.jobs ?? [];
  // an older page that lands just after a refresh may repeat a job the refresh already brought
  const jobs = [...firstJobs, ...pages.older.filter((job) => !firstJobs.some((shown) => shown.id === job.id))];
  const filtered = Boolean(state || destinationId || filters.search);

  // While a listed job is unfinished, the list refreshes itself. Everything shown is asked for again in one page (the
  // older pages fold into it), so a job pushed down by a new one neither disappears nor shows twice. Beyond what one
  // page can hold, it stops rather than drop the older jobs the user asked for.
  const unfinished = jobs.some((job) => !FINAL_JOB_STATES.has(job.state));
  usePolling(
    () => first.refresh((signal) => api.jobs({ ...filters, limit: Math.max(PAGE_SIZE, jobs.length) }, signal)),
    unfinished && !pages.loading && jobs.length <= MAX_PAGE,
  );

  return (
    <>
      <PageHeader title="Jobs" description="Every upload, whichever way it came in: this app, the API, the drop zone, a schedule." actions={<NewUploadButton />} />
      <ViewerNotice />
      <Card>
        <form className="filters" role="search" aria-label="Filter jobs" onSubmit={(event) => event.preventDefault()}>
          <SelectField label="State" value={state} onValue={(value) => setParam('state', value)}>
            <option value="">All states</option>
            {JOB_STATES.map((item) => (
              <option key={item} value={item}>
                {jobStateWord(item)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Destination" value={destinationId} onValue={(value) => setParam('destinationId', value)}>
            <option value="">All destinations</option>
            {(destinations.data?.destinations ?? []).map((destination) => (
              <option key={destination.id} value={String(destination.id)}>
                {destination.name}
                {destination.sandbox ? ' (Sandbox)' : ''}
              </option>
            ))}
          </SelectField>
          <TextField label="Search" type="search" value={search} onValue={setSearch} placeholder="Audience, destination or job id" />
        </form>
        <ErrorAlert error={first.error} />
        {first.loading && !first.data ? <Loading what="Loading jobs" /> : null}
        {first.data ? (
          jobs.length === 0 ? (
            filtered ? (
              <EmptyState title="No jobs match these filters">Clear a filter or search for something else.</EmptyState>
            ) : (
              <EmptyState title="No jobs yet — start with New upload" />
            )
          ) : (
            <>
              <JobsTable jobs={jobs} caption="Jobs" />
              <OlderPagesFooter shown={jobs.length} pages={pages} />
            </>
          )
        ) : null}
      </Card>
    </>
  );
}
