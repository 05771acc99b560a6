import { useEventSource } from 'sse-hooks';

export function StatusBadge() {
  const { status, lastMessage } = useEventSource('/api/status');
  return <p role="status">{status === 'open' ? (lastMessage?.data ?? 'connected') : status}</p>;
}
