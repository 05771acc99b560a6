import type { MouseEvent } from 'react';
import { SSEDevtools } from 'sse-hooks/devtools';
import { ControlPanel } from './pages/ControlPanel';
import { Dashboard } from './pages/Dashboard';
import { Chat } from './pages/Chat';
import { ROUTES, navigate, usePath, type RoutePath } from './router';

function NavLink({ path, label, current }: { path: RoutePath; label: string; current: boolean }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(path);
  };
  return (
    <a href={path} onClick={onClick} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}

export function App() {
  const path = usePath();
  return (
    <>
      <header className="topbar">
        <span className="brand">sse-hooks</span>
        <nav aria-label="Demo pages">
          {ROUTES.map((route) => (
            <NavLink
              key={route.path}
              path={route.path}
              label={route.label}
              current={route.path === path}
            />
          ))}
        </nav>
      </header>
      <main className="container">
        {path === '/' && <ControlPanel />}
        {path === '/dashboard' && <Dashboard />}
        {path === '/chat' && <Chat />}
      </main>
      {/* Every connection of the page's provider, live: closed until its button is clicked. */}
      <SSEDevtools />
    </>
  );
}
