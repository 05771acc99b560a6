// Registers toHaveConnections and toHaveReceivedLastEventId (and their types) with Vitest.
import 'sse-hooks/testing/vitest';
