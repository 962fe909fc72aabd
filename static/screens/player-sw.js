/* Offline cache of the Pufa screen player.
 *
 * Media URLs are content-hashed, so a cached copy is always right (cache first).
 * The page and its scripts are fetched from the network first and served from
 * the cache when the server cannot be reached, so a screen that reboots during
 * an outage still starts. The manifest is left to the player, which keeps its
 * last copy itself and must see a failed poll to know it is offline.
 */
"use strict";

const SHELL_CACHE = "pufa-screens-shell-v1";
const MEDIA_CACHE = "pufa-screens-media-v1";

self.addEventListener("install", (event) => { event.waitUntil(self.skipWaiting()); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

async function networkFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) {
      return cached;
    }
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(MEDIA_CACHE);
  const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok && response.status === 200) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith("/screens/media/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === "/screens/player/" || url.pathname.startsWith("/static/screens/")) {
    event.respondWith(networkFirst(request));
  }
});
