import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { AuthProvider, useAuth } from './auth/AuthContext';
import { hasRole } from './auth/roles';
import { Layout } from './components/Layout';
import { EmptyState, Loading } from './components/Misc';
import { AuditPage } from './pages/AuditPage';
import { AccountPasswordPage, ForcedChangePasswordPage } from './pages/ChangePasswordPage';
import { DashboardPage } from './pages/DashboardPage';
import { DestinationsPage } from './pages/DestinationsPage';
import { DropzonePage } from './pages/DropzonePage';
import { JobMonitorPage } from './pages/JobMonitorPage';
import { JobsPage } from './pages/JobsPage';
import { LoginPage } from './pages/LoginPage';
import { MappingsPage } from './pages/MappingsPage';
import { SchedulesPage } from './pages/SchedulesPage';
import { TokensPage } from './pages/TokensPage';
import { UsersPage } from './pages/UsersPage';
import { UploadWizard } from './wizard/UploadWizard';
import type { ReactNode } from 'react';

function AdminOnly({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status === 'signed-in' && hasRole(state.user.role, 'admin')) return <>{children}</>;
  return (
    <>
      <header className="page-header">
        <h1 tabIndex={-1}>Admins only</h1>
      </header>
      <EmptyState title="This page is for admins." action={<Link to="/">Back to the dashboard</Link>}>
        Ask an admin if you need something done here.
      </EmptyState>
    </>
  );
}

function NotFound() {
  return (
    <>
      <header className="page-header">
        <h1 tabIndex={-1}>Page not found</h1>
      </header>
      <EmptyState title="There is nothing at this address." action={<Link to="/">Go to the dashboard</Link>} />
    </>
  );
}

function SignedInApp() {
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<DashboardPage />} />
        <Route path="/upload" element={<UploadWizard />} />
        <Route path="/jobs" element={<JobsPage />} />
        <Route path="/jobs/:id" element={<JobMonitorPage />} />
        <Route path="/destinations" element={<DestinationsPage />} />
        <Route path="/mappings" element={<MappingsPage />} />
        <Route path="/schedules" element={<SchedulesPage />} />
        <Route path="/dropzone" element={<DropzonePage />} />
        <Route path="/tokens" element={<TokensPage />} />
        <Route path="/account/password" element={<AccountPasswordPage />} />
        <Route
          path="/users"
          element={
            <AdminOnly>
              <UsersPage />
            </AdminOnly>
          }
        />
        <Route
          path="/audit"
          element={
            <AdminOnly>
              <AuditPage />
            </AdminOnly>
          }
        />
        <Route path="/login" element={<DashboardPage />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}

function Gate() {
  const { state, refresh } = useAuth();
  switch (state.status) {
    case 'loading':
      return (
        <div className="auth-page">
          <Loading what="Loading Audience Uploader" />
        </div>
      );
    case 'unavailable':
      return (
        <div className="auth-page">
          <main className="auth-card" id="main">
            <h1>Cannot reach the server</h1>
            <p role="alert" className="alert alert-error">
              {state.message}
            </p>
            <button type="button" className="button button-primary" onClick={() => void refresh()}>
              Try again
            </button>
          </main>
        </div>
      );
    case 'anonymous':
      // whatever the address, sign in first; the address is kept, so the page opens after signing in
      return <LoginPage notice={state.notice} />;
    case 'signed-in':
      if (state.user.mustChangePassword) return <ForcedChangePasswordPage />;
      return <SignedInApp />;
  }
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Gate />
      </AuthProvider>
    </BrowserRouter>
  );
}
