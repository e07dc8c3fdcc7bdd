import { lazy, Suspense, type ComponentProps } from 'react';
import type * as Charts from './Charts';

// recharts is most of the bundle's weight: loaded only when a chart is shown (step 3 of the wizard, the monitor).
const ValidityChartImpl = lazy(() => import('./Charts').then((module) => ({ default: module.ValidityChart })));
const ProgressChartImpl = lazy(() => import('./Charts').then((module) => ({ default: module.ProgressChart })));

function Placeholder({ height }: { height: number }) {
  return <div className="chart-placeholder" style={{ height }} aria-hidden="true" />;
}

export function ValidityChart(props: ComponentProps<typeof Charts.ValidityChart>) {
  return (
    <Suspense fallback={<Placeholder height={Math.max(160, 48 * props.data.length + 70)} />}>
      <ValidityChartImpl {...props} />
    </Suspense>
  );
}

export function ProgressChart(props: ComponentProps<typeof Charts.ProgressChart>) {
  return (
    <Suspense fallback={<Placeholder height={240} />}>
      <ProgressChartImpl {...props} />
    </Suspense>
  );
}
