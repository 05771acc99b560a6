import { useSyncExternalStore } from 'react';

/** The demo's pages by path. A tiny pathname switch: no router library needed for three pages. */
export const ROUTES = [
  { path: '/', label: 'Control panel' },
  { path: '/dashboard', label: 'Dashboard' },
  { path: '/chat', label: 'Chat' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

const NAVIGATE = 'demo:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE, onChange);
  };
}

function currentPath(): RoutePath {
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  return ROUTES.find((route) => route.path === path)?.path ?? '/';
}

export function usePath(): RoutePath {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(path: RoutePath): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE));
}
