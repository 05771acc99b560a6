import { useEventSource } from 'sse-hooks';

export function Inbox({ token }: { token: string }) {
  const { lastMessage, error } = useEventSource('/api/inbox', {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (error?.status === 401)
    return <p role="alert">Your session has ended. Please sign in again.</p>;
  return <p>{lastMessage?.data ?? 'No new mail'}</p>;
}
