import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ProgressPoint } from '../api/types';
import { formatNumber, formatTime } from '../lib/format';

const COLORS = {
  valid: '#2e8b57',
  invalid: '#d1495b',
  empty: '#b8c0cc',
  rows: '#2f5bd3',
  batches: '#8a5cd1',
};

export interface ValidityDatum {
  column: string;
  valid: number;
  invalid: number;
  empty: number;
}

/** Valid / invalid / empty values per mapped column, as stacked bars. */
export function ValidityChart({ data, description }: { data: ValidityDatum[]; description: string }) {
  const height = Math.max(160, 48 * data.length + 70);
  return (
    <figure className="chart">
      <div role="img" aria-label={description} style={{ width: '100%', height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" tickFormatter={(value: number) => formatNumber(value)} />
            <YAxis type="category" dataKey="column" width={140} tick={{ fontSize: 12 }} />
            <Tooltip formatter={(value) => formatNumber(Number(value))} />
            <Legend />
            <Bar dataKey="valid" name="Valid" stackId="values" fill={COLORS.valid} isAnimationActive={false} />
            <Bar dataKey="invalid" name="Invalid" stackId="values" fill={COLORS.invalid} isAnimationActive={false} />
            <Bar dataKey="empty" name="Empty" stackId="values" fill={COLORS.empty} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Rows and batches sent over time. */
export function ProgressChart({ points, rowsTotal, batchesTotal }: { points: ProgressPoint[]; rowsTotal?: number; batchesTotal?: number }) {
  const data = points.map((point) => ({ ...point, time: new Date(point.at).getTime() }));
  const last = points[points.length - 1];
  const description = last
    ? `Progress over time: ${formatNumber(last.rowsDone)} rows in ${formatNumber(last.batchesDone)} batches sent by ${formatTime(last.at)}.`
    : 'Progress over time: nothing sent yet.';
  return (
    <figure className="chart">
      <div role="img" aria-label={description} style={{ width: '100%', height: 240 }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="time"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(value: number) => formatTime(value)}
              tick={{ fontSize: 12 }}
            />
            <YAxis yAxisId="rows" domain={[0, rowsTotal && rowsTotal > 0 ? rowsTotal : 'auto']} tickFormatter={(value: number) => formatNumber(value)} tick={{ fontSize: 12 }} width={72} />
            <YAxis yAxisId="batches" orientation="right" allowDecimals={false} domain={[0, batchesTotal && batchesTotal > 0 ? batchesTotal : 'auto']} tick={{ fontSize: 12 }} width={40} />
            <Tooltip
              labelFormatter={(value) => formatTime(Number(value))}
              formatter={(value) => formatNumber(Number(value))}
            />
            <Legend />
            <Line yAxisId="rows" type="linear" dataKey="rowsDone" name="Rows sent" stroke={COLORS.rows} strokeWidth={2} dot={false} isAnimationActive={false} />
            <Line yAxisId="batches" type="stepAfter" dataKey="batchesDone" name="Batches sent" stroke={COLORS.batches} strokeWidth={2} dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
