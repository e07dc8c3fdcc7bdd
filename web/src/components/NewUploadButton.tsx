import { Link } from 'react-router';
import { useCan } from '../auth/AuthContext';
import { VIEWER_EXPLANATION } from '../auth/roles';
import { VIEWER_NOTICE_ID } from './Misc';

/** The quick "New upload" action: a link for operators, a disabled button with the reason for viewers. */
export function NewUploadButton() {
  const allowed = useCan('operator');
  if (allowed) {
    return (
      <Link to="/upload" className="button button-primary">
        New upload
      </Link>
    );
  }
  return (
    <button type="button" className="button button-primary" disabled title={VIEWER_EXPLANATION} aria-describedby={VIEWER_NOTICE_ID}>
      New upload
    </button>
  );
}
