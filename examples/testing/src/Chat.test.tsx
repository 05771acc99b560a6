import { fireEvent, render, screen } from '@testing-library/react';
import { createTestServer, flushFrames } from 'sse-hooks/testing';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Chat } from './Chat';

const token = (content: string) => ({ choices: [{ delta: { content } }] });

// The reply is paced against the clock: no word trails its arrival by more than 400 ms (`maxLag`).
// Fake timers make each frame exactly 16 ms, so what a frame shows does not depend on how busy
// the machine running the test is.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('streams the reply; Stop aborts the request and shows all the text received', async () => {
  const server = createTestServer();
  // useStreamText takes no provider: it reaches the server through the global fetch.
  vi.stubGlobal('fetch', server.fetch);
  render(<Chat />);
  fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
  fireEvent.click(screen.getByRole('button', { name: 'Send' }));

  const reply = await server.connected;
  expect(reply.method).toBe('POST');
  expect(JSON.parse(reply.body!)).toEqual({ prompt: 'Hi' });
  reply.send({ data: token('Hello') });
  reply.send({ data: token(', world') });
  await flushFrames(10); // 160 ms
  // Text is typed word by word, and the last word may still grow: it shows when the next comes
  // (or once it is 400 ms old).
  expect(screen.getByRole('status').textContent).toBe('Hello, ');

  fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
  await flushFrames();
  expect(reply.state).toBe('aborted'); // the server saw the client leave
  expect(screen.getByRole('status').textContent).toBe('Hello, world');
  expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
});
