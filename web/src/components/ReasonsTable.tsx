import { formatNumber } from '../lib/format';
import { reasonEntries, reasonLabel } from '../lib/reasons';

/** Invalid values by reason, largest first, in plain words; nothing when there are none. */
export function ReasonsTable({ byReason }: { byReason: Record<string, number> | null | undefined }) {
  const entries = reasonEntries(byReason);
  if (entries.length === 0) return null;
  return (
    <table className="table table-compact">
      <caption>Invalid values by reason</caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col" className="num">
            Values
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([reason, count]) => (
          <tr key={reason}>
            <td>{reasonLabel(reason)}</td>
            <td className="num">{formatNumber(count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
