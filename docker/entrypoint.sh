#!/bin/sh
# Entrypoint of the squall image: runs `squall <args>`. Daemons inside a container must bind and advertise the
# container's own address (peers' workers and nimbus reach it there), not 127.0.0.1, so unless the user set them,
# nimbus.host and supervisor.host default to this container's address on its first network.
set -e
addr="$(hostname -i 2>/dev/null | tr ' ' '\n' | grep -v -e '^127\.' -e ':' | head -n 1 || true)"
if [ -n "$addr" ]; then
  : "${SQUALL_NIMBUS_HOST:=$addr}"
  : "${SQUALL_SUPERVISOR_HOST:=$addr}"
  export SQUALL_NIMBUS_HOST SQUALL_SUPERVISOR_HOST
fi
exec squall "$@"
