import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, setAuthHandlers, setCsrfToken } from '../api/client';
import type { Role, User } from '../api/types';
import { clearSavedWizard } from '../wizard/state';
import { hasRole } from './roles';

export const SESSION_EXPIRED = 'Your session has expired; sign in again';

export type AuthState =
  | { status: 'loading' }
  | { status: 'unavailable'; message: string }
  | { status: 'anonymous'; notice: string | null }
  | { status: 'signed-in'; user: User; via: 'session' | 'token' };

interface AuthApi {
  state: AuthState;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
  /** Reads the session again (after a password change was required, or to retry when the server was down). */
  refresh: () => Promise<void>;
  setUser: (user: User) => void;
}

const AuthContext = createContext<AuthApi | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const session = await api.session();
      setCsrfToken(session.csrfToken);
      setState({ status: 'signed-in', user: session.user, via: session.via });
    } catch (error) {
      setCsrfToken(null);
      if (error instanceof ApiError && error.status === 401) {
        setState((previous) =>
          previous.status === 'anonymous' ? previous : { status: 'anonymous', notice: null },
        );
      } else {
        setState({
          status: 'unavailable',
          message: error instanceof ApiError ? error.message : 'The server could not be reached.',
        });
      }
    }
  }, []);

  useEffect(() => {
    setAuthHandlers({
      onUnauthorized: () => {
        setCsrfToken(null);
        setState((previous) =>
          previous.status === 'signed-in' ? { status: 'anonymous', notice: SESSION_EXPIRED } : previous,
        );
      },
      onPasswordChangeRequired: () => {
        setState((previous) =>
          previous.status === 'signed-in'
            ? { ...previous, user: { ...previous.user, mustChangePassword: true } }
            : previous,
        );
      },
    });
    void refresh();
    return () => setAuthHandlers({});
  }, [refresh]);

  const signIn = useCallback(async (email: string, password: string) => {
    const answer = await api.login(email, password);
    setCsrfToken(answer.csrfToken);
    setState({ status: 'signed-in', user: answer.user, via: 'session' });
    return answer.user;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // signed out on this side whatever the server said
    }
    setCsrfToken(null);
    // the next person to sign in in this tab does not inherit a half-made upload
    clearSavedWizard();
    setState({ status: 'anonymous', notice: null });
  }, []);

  const setUser = useCallback((user: User) => {
    setState((previous) => (previous.status === 'signed-in' ? { ...previous, user } : previous));
  }, []);

  const value = useMemo(() => ({ state, signIn, signOut, refresh, setUser }), [state, signIn, signOut, refresh, setUser]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthApi {
  const context = useContext(AuthContext);
  if (!context) throw new Error('useAuth outside AuthProvider');
  return context;
}

/** The signed-in user; only inside the signed-in part of the app. */
export function useUser(): User {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useUser without a signed-in user');
  return state.user;
}

/** Whether the signed-in user has at least `role`. */
export function useCan(role: Role): boolean {
  const { state } = useAuth();
  return state.status === 'signed-in' && hasRole(state.user.role, role);
}
