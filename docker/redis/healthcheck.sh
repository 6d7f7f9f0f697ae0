#!/bin/sh
# Healthy once redis-server answers PING (with REDIS_PASSWORD, through redis-cli's REDISCLI_AUTH: not an argument).
if [ -n "${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH="$REDIS_PASSWORD"; export REDISCLI_AUTH; fi
[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
