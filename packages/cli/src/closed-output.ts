/**
 * Makes a closed stdout or stderr end the command quietly, as `head` expects of the commands it reads from
 * (`squall list | head -1`): without this, Node reports the next write's EPIPE as an unhandled error with a stack
 * trace. A command that handles SIGTERM (local, monitor, dev-cluster, the daemons) is stopped through that handler,
 * so it still stops what it started; any other exits 0 at once. Further writes are dropped.
 */
export function endQuietlyOnClosedOutput(): void {
  let ending = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    if (ending) return;
    ending = true;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    else process.exit(0);
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', onError);
}
