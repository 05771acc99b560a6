import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EventSourceProvider } from 'sse-hooks';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <EventSourceProvider>
      <App />
    </EventSourceProvider>
  </StrictMode>,
);
