import { useEffect, useRef, type ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useAuth, useUser } from '../auth/AuthContext';
import { hasRole } from '../auth/roles';
import { RoleBadge } from './Badges';
import { Icon } from './Icon';

interface NavItem {
  to: string;
  label: string;
  icon: string;
  end?: boolean;
}

const MAIN_NAV: NavItem[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard', end: true },
  { to: '/upload', label: 'New upload', icon: 'upload' },
  { to: '/jobs', label: 'Jobs', icon: 'jobs' },
  { to: '/destinations', label: 'Destinations', icon: 'destinations' },
  { to: '/mappings', label: 'Saved mappings', icon: 'mappings' },
  { to: '/schedules', label: 'Schedules', icon: 'schedules' },
  { to: '/dropzone', label: 'Drop zone', icon: 'dropzone' },
  { to: '/tokens', label: 'API tokens', icon: 'tokens' },
];

const ADMIN_NAV: NavItem[] = [
  { to: '/users', label: 'Users', icon: 'users' },
  { to: '/audit', label: 'Audit log', icon: 'audit' },
];

function NavList({ items }: { items: NavItem[] }) {
  return (
    <ul className="nav-list">
      {items.map((item) => (
        <li key={item.to}>
          <NavLink to={item.to} end={item.end} className={({ isActive }) => `nav-link ${isActive ? 'nav-link-active' : ''}`}>
            <Icon name={item.icon} />
            <span>{item.label}</span>
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

/** The signed-in frame: sidebar navigation, top bar (email, role, sign out) and the page. */
export function Layout({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signOut } = useAuth();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After navigating, move focus to the new page's heading so keyboard and screen reader users start there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    if (heading) {
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }, [location.pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="upload" size={16} />
          </span>
          <span className="brand-name">Audience Uploader</span>
        </Link>
        <nav aria-label="Main">
          <NavList items={MAIN_NAV} />
          {hasRole(user.role, 'admin') ? (
            <>
              <p className="nav-section" id="nav-admin">
                Administration
              </p>
              <NavList items={ADMIN_NAV} />
            </>
          ) : null}
        </nav>
      </aside>
      <div className="frame">
        <header className="topbar">
          <div className="topbar-spacer" />
          <div className="topbar-user">
            <span className="topbar-email" data-testid="user-email">
              {user.email}
            </span>
            <RoleBadge role={user.role} />
            <Link to="/account/password" className="topbar-link">
              Change your password
            </Link>
            <button type="button" className="button button-small" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <main id="main" ref={mainRef} tabIndex={-1} className="main">
          {children}
        </main>
      </div>
    </div>
  );
}
