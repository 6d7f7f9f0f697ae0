#!/bin/sh
# Starts redis-server (as PID 1, so `docker stop` reaches it and it fsyncs its append-only file) with
# /etc/squall-redis/redis.conf. When REDIS_PASSWORD is set and not empty, clients must AUTH with it: it is given as
# `requirepass` on redis-server's stdin (`-` reads more config from there), every byte as a \xHH escape so any
# character survives Redis's config parser, and not as an argument, which `ps` on the host would show.
set -e
if [ -n "${REDIS_PASSWORD:-}" ]; then
  hex="$(printf '%s' "$REDIS_PASSWORD" | od -An -v -tx1 | tr -d ' \n' | sed 's/../\\x&/g')"
  exec redis-server /etc/squall-redis/redis.conf - <<CONF
requirepass "$hex"
CONF
fi
exec redis-server /etc/squall-redis/redis.conf
