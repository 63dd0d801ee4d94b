import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';

import i18n from './i18n';

// One socket for all live updates; the session cookie authenticates it (same origin).
const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;

export const ws = createWsClient({
  url: wsUrl,
  lazy: true,
  retryAttempts: Infinity,
  shouldRetry: () => true,
  connectionParams: () => ({ language: i18n.language }),
});

export const client = new Client({
  url: '/graphql',
  // POST only: the server refuses queries over GET.
  preferGetMethod: false,
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query || '' };
        return {
          subscribe(sink) {
            const unsubscribe = ws.subscribe(input, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ],
  fetchOptions: () => ({
    credentials: 'same-origin',
    headers: { 'accept-language': i18n.language },
  }),
  requestPolicy: 'cache-and-network',
});
