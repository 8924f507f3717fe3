import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me } from '../../src/server/dashboard/types.ts';

/** The signed-in user and what they may do (from /api/v1/dashboard/me). */
export const MeContext = createContext<Me | undefined>(undefined);
export const useMe = () => useContext(MeContext);

/** Tells the user how a write went (a toast). */
export const NotifyContext = createContext<(m: { text: string; tone: 'ok' | 'bad' }) => void>(() => undefined);
export const useNotify = () => useContext(NotifyContext);
